"""Append-only, hash-chained credit ledger; personal data sits beside the chain.

entry_hash = sha256(prev_hash + payload), payload being the canonical JSON of the event and its
`personal_ref`. Erasing personal data deletes it from the side store only; the chain stays valid.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from credit.errors import InvalidCheckpoint, LedgerConflict
from credit.events import CreditEvent, canonical_json

GENESIS_HASH = "0" * 64


def chain_hash(prev_hash: str, payload: str) -> str:
    """sha256 over the previous hash and the canonical payload, as hex."""
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


@dataclass(frozen=True)
class LedgerEntry:
    """One link of the chain."""

    seq: int
    prev_hash: str
    payload: str
    entry_hash: str
    personal_ref: str | None = None

    def event(self) -> CreditEvent:
        """The event this entry records."""
        return CreditEvent.from_dict(_loads(self.payload)["event"])


class LedgerRepository(Protocol):
    """Where entries and the side store of personal data live (memory here, SQL in `market`)."""

    def append(self, entry: LedgerEntry, personal: Mapping[str, str] | None = None) -> None: ...
    def iter_entries(self) -> Iterator[LedgerEntry]: ...
    def head(self) -> LedgerEntry | None: ...
    def get_personal(self, ref: str) -> dict[str, str] | None: ...
    def erase_personal(self, ref: str) -> bool: ...


class InMemoryLedger:
    """The fake repository for tests and benchmarks; `entries` is open so tests can tamper."""

    def __init__(self) -> None:
        self.entries: list[LedgerEntry] = []
        self.personal: dict[str, dict[str, str]] = {}

    def append(self, entry: LedgerEntry, personal: Mapping[str, str] | None = None) -> None:
        head = self.head()
        expected = (head.seq + 1, head.entry_hash) if head else (1, GENESIS_HASH)
        if (entry.seq, entry.prev_hash) != expected:
            raise LedgerConflict(f"entry {entry.seq} does not extend the head")
        if personal is not None:
            if entry.personal_ref is None:
                raise LedgerConflict("personal data needs a personal_ref")
            self.personal[entry.personal_ref] = dict(personal)
        self.entries.append(entry)

    def iter_entries(self) -> Iterator[LedgerEntry]:
        return iter(self.entries)

    def head(self) -> LedgerEntry | None:
        return self.entries[-1] if self.entries else None

    def get_personal(self, ref: str) -> dict[str, str] | None:
        found = self.personal.get(ref)
        return dict(found) if found is not None else None

    def erase_personal(self, ref: str) -> bool:
        return self.personal.pop(ref, None) is not None


def build_entry(prev: LedgerEntry | None, event: CreditEvent,
                personal_ref: str | None) -> LedgerEntry:
    """The entry that records `event` after `prev`."""
    payload = canonical_json({"event": event.to_dict(), "personal_ref": personal_ref})
    seq, prev_hash = (prev.seq + 1, prev.entry_hash) if prev else (1, GENESIS_HASH)
    return LedgerEntry(seq, prev_hash, payload, chain_hash(prev_hash, payload), personal_ref)


def append_event(repo: LedgerRepository, event: CreditEvent,
                 personal: Mapping[str, str] | None = None) -> LedgerEntry:
    """Append `event`; `personal` (names, phones, raw IDs) goes to the side store only."""
    ref = uuid.uuid4().hex if personal else None
    entry = build_entry(repo.head(), event, ref)
    repo.append(entry, personal if personal else None)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    """`ok` with the head hash, or the first broken seq and why."""

    ok: bool
    head_hash: str
    first_broken_seq: int | None = None
    reason: str | None = None


def verify_chain(repo: LedgerRepository) -> VerifyResult:
    """Walk the chain from the start and name the first entry that is edited, missing or moved."""
    prev_hash, expected_seq = GENESIS_HASH, 1
    for entry in repo.iter_entries():
        reason = None
        if entry.seq != expected_seq:
            reason = f"expected seq {expected_seq}, found {entry.seq} (deleted or reordered)"
        elif entry.prev_hash != prev_hash:
            reason = "prev_hash does not match the previous entry"
        elif chain_hash(prev_hash, entry.payload) != entry.entry_hash:
            reason = "entry_hash does not match the payload (edited)"
        elif _loads(entry.payload).get("personal_ref") != entry.personal_ref:
            reason = "personal_ref differs from the hashed payload"
        if reason:
            return VerifyResult(False, prev_hash, expected_seq, reason)
        prev_hash, expected_seq = entry.entry_hash, expected_seq + 1
    return VerifyResult(True, prev_hash)


def _checkpoint_body(seq: int, head_hash: str, at: str) -> bytes:
    return canonical_json({"at": at, "head_hash": head_hash, "seq": seq}).encode()


def make_checkpoint(repo: LedgerRepository, private_key: Ed25519PrivateKey, *,
                    at: datetime | None = None) -> dict[str, Any]:
    """Sign the current head: {seq, head_hash, at, signature (hex)}."""
    head = repo.head()
    seq, head_hash = (head.seq, head.entry_hash) if head else (0, GENESIS_HASH)
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat()
    signature = private_key.sign(_checkpoint_body(seq, head_hash, when)).hex()
    return {"seq": seq, "head_hash": head_hash, "at": when, "signature": signature}


def verify_checkpoint(checkpoint: Mapping[str, Any], public_key: Ed25519PublicKey,
                      repo: LedgerRepository) -> VerifyResult:
    """Check the signature, then that the chain is intact and still holds that head at that seq."""
    try:
        seq, head_hash = int(checkpoint["seq"]), str(checkpoint["head_hash"])
        body = _checkpoint_body(seq, head_hash, str(checkpoint["at"]))
        public_key.verify(bytes.fromhex(str(checkpoint["signature"])), body)
    except InvalidSignature:
        return VerifyResult(False, "", None, "bad signature")
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidCheckpoint(str(exc)) from exc
    chain = verify_chain(repo)
    if not chain.ok:
        return chain
    found = GENESIS_HASH if seq == 0 else None
    for entry in repo.iter_entries():
        if entry.seq == seq:
            found = entry.entry_hash
            break
    if found != head_hash:
        return VerifyResult(False, chain.head_hash, seq,
                            "ledger does not hold the checkpointed head (truncated or rewritten)")
    return VerifyResult(True, chain.head_hash)


def _loads(payload: str) -> dict[str, Any]:
    data = json.loads(payload)
    if not isinstance(data, dict):
        raise ValueError("payload is not an object")
    return data
