"""Signed checkpoints of the ledger head, verification against them, and consistency proofs.

A checkpoint is an Ed25519 signature over the canonical JSON of `{at, head_hash, seq}`. The
station publishes them; a partner that kept one can later ask for a consistency proof to a
newer head (in the spirit of RFC 6962 section 2.1.2, for a hash chain rather than a tree):
the payload digests of the entries after the older seq. Recomputing
`h = sha256(h + digest)` from the head it kept must end at the newer head; a rewrite of any
entry up to the older seq, or of the digests given, ends elsewhere. Version 1 entries hash the
payload itself, so a proof can only start at the last version 1 entry or later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from credit.errors import InvalidCheckpoint, ProofUnavailable
from credit.events import canonical_json
from credit.ledger import (
    CHAIN_VERSION,
    GENESIS_HASH,
    LedgerEntry,
    LedgerRepository,
    VerifyResult,
    Walk,
    link_hash,
    payload_digest,
)

PROOF_ALGORITHM = "sha256(prev_hash_hex + sha256(payload)_hex), hex"


@dataclass(frozen=True)
class SignedCheckpoint:
    """A stored checkpoint: what was signed, the signature and the signer's key (hex)."""

    id: int
    seq: int
    head_hash: str
    at: str
    signature: str
    public_key: str


def fingerprint(public_key_hex: str) -> str:
    """The public key's fingerprint: `SHA256:` and the hex digest of the raw 32 bytes."""
    return "SHA256:" + hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()


def signed_body(seq: int, head_hash: str, at: str) -> bytes:
    """The exact bytes a checkpoint's signature covers."""
    return canonical_json({"at": at, "head_hash": head_hash, "seq": seq}).encode()


def make_checkpoint(
    repo: LedgerRepository, private_key: Ed25519PrivateKey, *, at: datetime | None = None
) -> dict[str, Any]:
    """Sign the current head: {seq, head_hash, at, signature (hex)}."""
    head = repo.head()
    seq, head_hash = (head.seq, head.entry_hash) if head else (0, GENESIS_HASH)
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat()
    signature = private_key.sign(signed_body(seq, head_hash, when)).hex()
    return {"seq": seq, "head_hash": head_hash, "at": when, "signature": signature}


def check_signature(checkpoint: Mapping[str, Any], public_key: Ed25519PublicKey) -> bool:
    """Whether `checkpoint` ({seq, head_hash, at, signature}) was signed by `public_key`."""
    try:
        body = signed_body(
            int(checkpoint["seq"]), str(checkpoint["head_hash"]), str(checkpoint["at"])
        )
        public_key.verify(bytes.fromhex(str(checkpoint["signature"])), body)
    except InvalidSignature:
        return False
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidCheckpoint(str(exc)) from exc
    return True


def verify_ledger(
    repo: LedgerRepository,
    checkpoints: Iterable[SignedCheckpoint] = (),
    *,
    trusted_keys: Iterable[str] | None = None,
) -> VerifyResult:
    """Walk the chain once: the first entry edited, missing or moved, else the first checkpoint
    the chain does not extend (bad signature, truncated or rewound, forked).

    `trusted_keys` (hex): when given, a checkpoint signed by any other key fails.
    """
    marks = list(checkpoints)
    walk = Walk(cp.seq for cp in marks)
    broken = walk.run(repo.iter_entries())
    if broken is not None:
        return broken
    failed = failing_checkpoint(walk, marks, trusted_keys=trusted_keys)
    return failed or VerifyResult(True, walk.prev_hash, length=walk.expected - 1)


def failing_checkpoint(
    walk: Walk,
    checkpoints: Iterable[SignedCheckpoint],
    *,
    trusted_keys: Iterable[str] | None = None,
) -> VerifyResult | None:
    """After a finished `walk` (built with the checkpoints' seqs), the first checkpoint it does
    not extend, or None."""
    length = walk.expected - 1
    trusted = set(trusted_keys) if trusted_keys is not None else None
    for cp in checkpoints:
        reason = _checkpoint_failure(cp, trusted, length, walk.hashes)
        if reason:
            return VerifyResult(False, walk.prev_hash, None, reason, length, cp.id)
    return None


def _checkpoint_failure(
    cp: SignedCheckpoint, trusted: set[str] | None, length: int, hashes: Mapping[int, str]
) -> str | None:
    if trusted is not None and cp.public_key not in trusted:
        return "signed by a key that is not the station's"
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(cp.public_key))
        key.verify(bytes.fromhex(cp.signature), signed_body(cp.seq, cp.head_hash, cp.at))
    except (InvalidSignature, ValueError):
        return "bad signature"
    if cp.seq > length:
        return f"signed seq {cp.seq}, the chain holds {length} entries (truncated or rewound)"
    if hashes.get(cp.seq) != cp.head_hash:
        return f"the chain's entry {cp.seq} is not the signed head (forked or rewritten)"
    return None


def verify_checkpoint(
    checkpoint: Mapping[str, Any], public_key: Ed25519PublicKey, repo: LedgerRepository
) -> VerifyResult:
    """Check the signature, then that the chain is intact and still holds that head at that seq."""
    if not check_signature(checkpoint, public_key):
        return VerifyResult(False, "", None, "bad signature")
    seq, head_hash = int(checkpoint["seq"]), str(checkpoint["head_hash"])
    mark = SignedCheckpoint(
        0,
        seq,
        head_hash,
        str(checkpoint["at"]),
        str(checkpoint["signature"]),
        public_key.public_bytes_raw().hex(),
    )
    result = verify_ledger(repo, [mark])
    if not result.ok and result.checkpoint_id is not None:
        return VerifyResult(
            False,
            result.head_hash,
            seq,
            "ledger does not hold the checkpointed head (truncated or rewritten)",
            result.length,
        )
    return result


def consistency_proof(entries: Iterable[LedgerEntry], first: int, last: int) -> dict[str, Any]:
    """What a holder of the head at seq `first` needs to recompute the head at seq `last`.

    `entries` are the stored entries with `first <= seq <= last` (`first` itself only when it
    is above 0), in order. The digests are computed from the payloads, never read from a column.
    """
    from_hash, to_hash, steps = (GENESIS_HASH if first == 0 else None), None, []
    for entry in entries:
        if entry.seq == first:
            from_hash = entry.entry_hash
            continue
        if entry.body().get("v", 1) < CHAIN_VERSION:
            raise ProofUnavailable(f"entry {entry.seq} is of chain version 1")
        steps.append({"seq": entry.seq, "payload_digest": payload_digest(entry.payload)})
        to_hash = entry.entry_hash
    if first == last:
        to_hash = from_hash
    if from_hash is None or to_hash is None or len(steps) != last - first:
        raise ProofUnavailable("the ledger does not hold that range")
    return {
        "from": {"seq": first, "head_hash": from_hash},
        "to": {"seq": last, "head_hash": to_hash},
        "algorithm": PROOF_ALGORITHM,
        "entries": steps,
    }


def recompute_head(held_head: str, digests: Iterable[str]) -> str:
    """What an outsider computes: the head reached from the head it holds over the digests."""
    head = held_head
    for digest in digests:
        head = link_hash(head, digest)
    return head
