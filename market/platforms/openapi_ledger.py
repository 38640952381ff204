"""The OpenAPI part of the public ledger endpoints: the signed checkpoints and consistency proofs.

Imported by `market.platforms.openapi`, which serves the one document.
"""

from __future__ import annotations

from typing import Any

JSON = "application/json"
REF = "#/components/schemas/"
REASONS: dict[str, tuple[str, ...]] = {
    "BadRequestCheckpoints": ("not_a_whole_number", "out_of_range"),
    "BadRequestConsistency": (
        "missing_parameter",
        "not_a_whole_number",
        "out_of_range",
        "from_after_to",
        "range_too_long",
        "no_digest_proof",
    ),
}


HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
KEY = {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "Raw Ed25519 key, hex."}


def _head() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["seq", "head_hash"],
        "properties": {"seq": {"type": "integer", "minimum": 0}, "head_hash": HASH},
        "additionalProperties": False,
    }


def schemas() -> dict[str, Any]:
    checkpoint = {
        "type": "object",
        "description": "Ed25519 signature (hex) over the canonical JSON {at, head_hash, seq}: "
        "sorted keys, no spaces, UTF-8.",
        "required": ["id", "seq", "head_hash", "at", "signature", "public_key"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "seq": {"type": "integer", "minimum": 0},
            "head_hash": HASH,
            "at": {"type": "string", "description": "The exact ISO 8601 text that was signed."},
            "signature": {"type": "string", "pattern": "^[0-9a-f]{128}$"},
            "public_key": KEY,
        },
        "additionalProperties": False,
    }
    listing = {
        "type": "object",
        "required": ["public_key", "fingerprint", "algorithm", "head_seq", "total", "checkpoints"],
        "properties": {
            "public_key": {**KEY, "type": ["string", "null"]},
            "fingerprint": {"type": ["string", "null"], "pattern": "^SHA256:[0-9a-f]{64}$"},
            "algorithm": {"type": "string"},
            "head_seq": {"type": "integer", "minimum": 0},
            "total": {"type": "integer", "minimum": 0},
            "checkpoints": {"type": "array", "items": {"$ref": REF + "Checkpoint"}},
        },
        "additionalProperties": False,
    }
    proof = {
        "type": "object",
        "description": "Starting from the head you hold at from.seq, h = sha256(h + digest) "
        "(hex text) over the entries in order must give to.head_hash.",
        "required": ["from", "to", "algorithm", "entries"],
        "properties": {
            "from": _head(),
            "to": _head(),
            "algorithm": {"type": "string"},
            "entries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["seq", "payload_digest"],
                    "properties": {
                        "seq": {"type": "integer", "minimum": 1},
                        "payload_digest": HASH,
                    },
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    }
    return {"Checkpoint": checkpoint, "CheckpointList": listing, "ConsistencyProof": proof}


def _public(**responses: dict[str, Any]) -> dict[str, Any]:
    return {
        **responses,
        "429": response(
            "Too many calls from this address.",
            "RateLimited",
            **{"Retry-After": "Seconds to wait."},
        ),
    }


def paths() -> dict[str, Any]:
    listing = {
        "summary": "The signed checkpoints of the credit ledger (public)",
        "operationId": "getCreditCheckpoints",
        "security": [],
        "parameters": [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": "How many of the newest checkpoints (1-500, default 100).",
                "schema": {"type": "integer", "minimum": 1, "maximum": 500},
            }
        ],
        "responses": _public(
            **{
                "200": response("Newest first, with the station's public key.", "CheckpointList"),
                "400": response("A bad limit.", "BadRequestCheckpoints"),
            }
        ),
    }
    seq = {"type": "integer", "minimum": 0}
    proof = {
        "summary": "A consistency proof between two heads of the ledger (public)",
        "operationId": "getCreditConsistency",
        "security": [],
        "parameters": [
            {
                "name": "from",
                "in": "query",
                "required": True,
                "schema": seq,
                "description": "The seq of the checkpoint you hold.",
            },
            {
                "name": "to",
                "in": "query",
                "required": False,
                "schema": seq,
                "description": "A newer seq (default: the head).",
            },
        ],
        "responses": _public(
            **{
                "200": response("The payload digests from `from` to `to`.", "ConsistencyProof"),
                "400": response("A bad or unanswerable range.", "BadRequestConsistency"),
            }
        ),
    }
    return {
        "/api/v1/credit/checkpoints": {"get": listing},
        "/api/v1/credit/checkpoints/consistency": {"get": proof},
    }


def response(description: str, schema: str, **headers: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": description,
        "content": {JSON: {"schema": {"$ref": REF + schema}}},
    }
    if headers:
        out["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return out
