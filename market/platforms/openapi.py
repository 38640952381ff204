"""The OpenAPI 3.1 document of the partner credit API, served at /api/v1/openapi.json.

Schemas are JSON Schema 2020-12. Every refusal has the one `Error` shape; each status an endpoint
can answer narrows it to its machine codes as an enum, and the tests validate every answer they
receive against it.
"""

from __future__ import annotations

from typing import Any

import credit.model
from market.platforms import openapi_ledger
from market.platforms.intake import MAX_EVENTS, PARTNER_KINDS

JSON, REF = openapi_ledger.JSON, openapi_ledger.REF
_response = openapi_ledger.response  # one helper for both parts of the document

REASONS: dict[str, tuple[str, ...]] = {
    "BadRequestEvents": (
        "idempotency_key_required",
        "invalid_idempotency_key",
        "invalid_json",
    ),
    "BadRequestSubject": ("invalid_subject",),
    "Unauthorized": ("missing_key", "invalid_key", "key_revoked"),
    "Forbidden": ("not_a_partner_platform", "insufficient_scope"),
    "TooLarge": ("body_too_large",),
    "RateLimited": ("rate_limited",),
}
EVENT_REASONS = (
    "invalid_event",
    "kind_not_allowed",
    "source_not_allowed",
    "occurred_in_future",
    "own_subject",
)


def _error(codes: tuple[str, ...], *required: str, **narrower: dict[str, Any]) -> dict[str, Any]:
    """The one Error shape, with the codes this answer can carry (and the extras it must)."""
    return {
        "allOf": [{"$ref": REF + "Error"}],
        "required": ["error", "reason", *required],
        "properties": {"error": {"enum": list(codes)}, **narrower},
    }


def error_schema() -> dict[str, Any]:
    """The JSON of every refusal under /api/v1: a machine code and a sentence for a person."""
    code = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
    return {
        "type": "object",
        "required": ["error", "reason"],
        "properties": {
            "error": {**code, "description": "What went wrong, as a stable English code."},
            "reason": {
                "type": "string",
                "description": "A sentence for a person, in the reader's language "
                "(the lang cookie, then Accept-Language, else Chinese).",
            },
            "details": {"type": "object", "description": "More about the refusal, if any."},
            "event_ids": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "errors": {
                "type": "array",
                "minItems": 1,
                "description": "One entry per refused event of the batch.",
                "items": {
                    "type": "object",
                    "required": ["index", "error", "reason"],
                    "properties": {
                        "index": {"type": "integer", "minimum": 0},
                        "error": code,
                        "reason": {"type": "string"},
                    },
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    }


def _reason_codes() -> dict[str, Any]:
    return {"type": "array", "items": {"enum": list(credit.model.SHARED_REASON_CODES)}}


def _schemas() -> dict[str, Any]:
    nullable_text = {"type": ["string", "null"], "maxLength": 200}
    reasons = REASONS | openapi_ledger.REASONS
    schemas: dict[str, Any] = {"Error": error_schema()}
    schemas.update({name: _error(codes) for name, codes in reasons.items()})
    schemas["Conflict"] = {
        "oneOf": [
            _error(("idempotency_key_reused",)),
            _error(("event_already_recorded",), "event_ids"),
        ]
    }
    schemas["Unprocessable"] = {
        "oneOf": [
            _error(("invalid_body",)),
            _error(
                ("invalid_event", "kind_not_allowed"),
                "errors",
                errors={"items": {"properties": {"error": {"enum": list(EVENT_REASONS)}}}},
            ),
        ]
    }
    schemas["Event"] = {
        "type": "object",
        "description": "A credit event (credit.events.CreditEvent) without source, which the "
        "server sets to platform:<organization id>; the ledger's event id is "
        "p<organization id>:<event_id>.",
        "required": ["subject", "kind", "occurred_at", "event_id"],
        "properties": {
            "subject": {"type": "string", "pattern": "^(p:[0-9a-f]{64}|o:[0-9A-Z]{18})$"},
            "kind": {"enum": list(PARTNER_KINDS)},
            "weight": {"type": ["number", "null"], "description": "Stars 1-5 for a rating."},
            "counterparty": {"type": ["string", "null"]},
            "occurred_at": {"type": "string", "format": "date-time"},
            "evidence": nullable_text,
            "event_id": {"type": "string", "minLength": 1},
            "detail": nullable_text,
        },
        "additionalProperties": False,
    }
    schemas["EventsRequest"] = {
        "type": "object",
        "required": ["events"],
        "properties": {
            "events": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_EVENTS,
                "items": {"$ref": REF + "Event"},
            }
        },
        "additionalProperties": False,
    }
    schemas["EventsAccepted"] = {
        "type": "object",
        "required": ["accepted", "entries", "head_hash"],
        "properties": {
            "accepted": {"type": "integer", "minimum": 1},
            "entries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["event_id", "seq", "entry_hash"],
                    "properties": {
                        "event_id": {"type": "string"},
                        "seq": {"type": "integer", "minimum": 1},
                        "entry_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    },
                    "additionalProperties": False,
                },
            },
            "head_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        },
        "additionalProperties": False,
    }
    schemas["Standing"] = {
        "type": "object",
        "required": ["grade", "score", "confidence", "reasons", "formula_version", "as_of"],
        "properties": {
            "grade": {"enum": ["A", "B", "C", "D", "N"]},
            "score": {"type": "number", "minimum": 0, "maximum": 100},
            "confidence": {"type": "number", "minimum": 0},
            "reasons": _reason_codes(),
            "formula_version": {"type": "string"},
            "as_of": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    }
    schemas.update(openapi_ledger.schemas())
    return schemas


def _guarded(**responses: dict[str, Any]) -> dict[str, Any]:
    return {
        **responses,
        "401": _response(
            "No key, or a malformed, unknown or revoked one.",
            "Unauthorized",
            **{"WWW-Authenticate": "Bearer"},
        ),
        "403": _response(
            "The key lacks the scope, or its organization is not a partner.", "Forbidden"
        ),
        "429": _response(
            "Too many calls with this key.", "RateLimited", **{"Retry-After": "Seconds to wait."}
        ),
    }


def document() -> dict[str, Any]:
    """The OpenAPI document."""
    replayed = {"Idempotent-Replayed": "true when this is the stored first answer."}
    events = {
        "summary": "Push credit events (all or nothing)",
        "operationId": "pushCreditEvents",
        "security": [{"apiKey": []}],
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "1-100 printable ASCII characters. The same key with the same body "
                "returns the first answer (201, or 409 event_already_recorded); with another body "
                "a 409. Refusals for a bad request (400, 422) are not stored.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 100},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": {"$ref": REF + "EventsRequest"}}},
        },
        "responses": _guarded(
            **{
                "201": _response("Recorded in the ledger.", "EventsAccepted", **replayed),
                "400": _response("Idempotency-Key missing or bad, or no JSON.", "BadRequestEvents"),
                "409": _response(
                    "Key reused with another body, or an event id already recorded.",
                    "Conflict",
                    **replayed,
                ),
                "413": _response("The body is larger than 2 MiB.", "TooLarge"),
                "422": _response("Events refused; nothing recorded.", "Unprocessable"),
            }
        ),
    }
    subject = {
        "summary": "A subject's grade, score and reason codes (nothing personal)",
        "operationId": "getCreditSubject",
        "security": [{"apiKey": []}],
        "parameters": [
            {
                "name": "subject_ref",
                "in": "path",
                "required": True,
                "description": "p:<64 hex> (a keyed person hash) or o:<USCC>.",
                "schema": {"type": "string"},
            }
        ],
        "responses": _guarded(
            **{
                "200": _response("The subject's standing now.", "Standing"),
                "400": _response("Not a credit subject.", "BadRequestSubject"),
            }
        ),
    }
    itself = {
        "summary": "This document",
        "operationId": "getOpenApi",
        "security": [],
        "responses": {
            "200": {
                "description": "The OpenAPI document.",
                "content": {JSON: {"schema": {"type": "object"}}},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Xunhuan partner credit API",
            "version": "1.0.0",
            "description": "Partner platforms push credit events and read grades. Keys are issued "
            "with `xunhuan platform create`. The ledger's signed checkpoints and consistency "
            "proofs are public.",
        },
        "paths": {
            "/api/v1/credit/events": {"post": events},
            "/api/v1/credit/subjects/{subject_ref}": {"get": subject},
            "/api/v1/openapi.json": {"get": itself},
            **openapi_ledger.paths(),
        },
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "xh_<prefix>_<secret>",
                }
            },
            "schemas": _schemas(),
        },
    }
