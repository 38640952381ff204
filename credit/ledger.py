"""Append-only, hash-chained credit ledger; personal data sits beside the chain.

Chain version 2 (every entry appended now): the payload is the canonical JSON of
`{v: 2, seq, recorded_at, personal_ref, event}` and
`entry_hash = sha256(prev_hash + sha256(payload))` (hex digests as text), so a consistency
proof between two heads is the list of payload digests, without the payloads. Every stored
column of an entry is in its payload, and verification compares each column with it
(`COVERAGE`). Version 1 entries (`entry_hash = sha256(prev_hash + payload)`, no seq or time
inside) stay as they were written; the first version 2 entry is an anchor that commits to the
v1 head and to a digest of every v1 column, so their unhashed `recorded_at` is covered from
then on. Erasing personal data deletes it from the side store only; the chain stays valid.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Protocol

from credit.errors import LedgerConflict
from credit.events import CreditEvent, canonical_json

GENESIS_HASH = "0" * 64
CHAIN_VERSION = 2
ANCHOR_EVENT_ID = "ledger:chain-v2"
# How each stored fact of an entry is protected; the SQL table's columns must equal these keys.
COVERAGE = {
    "seq": "v2: payload.seq; v1: the chain position (and the anchor's v1 column digest)",
    "prev_hash": "hashed: the link to the previous entry_hash",
    "payload": "hashed",
    "entry_hash": "recomputed from prev_hash and the payload",
    "personal_ref": "payload.personal_ref",
    "subject": "payload.event.subject (the anchor: none)",
    "event_id": "payload.event.event_id (the anchor: ANCHOR_EVENT_ID)",
    "recorded_at": "v2: payload.recorded_at; v1: the anchor's v1 column digest",
}


def format_time(when: datetime) -> str:
    """The one text form of a stored time: ISO 8601 in UTC."""
    return when.astimezone(UTC).isoformat()


def payload_digest(payload: str) -> str:
    """sha256 of a v2 payload, hex: what a consistency proof reveals of an entry."""
    return hashlib.sha256(payload.encode()).hexdigest()


def link_hash(prev_hash: str, digest: str) -> str:
    """The v2 entry hash: sha256 over the previous hash and the payload digest, hex."""
    return hashlib.sha256((prev_hash + digest).encode()).hexdigest()


def chain_hash(prev_hash: str, payload: str) -> str:
    """The entry hash of `payload` after `prev_hash`, by the payload's chain version."""
    return _hash(prev_hash, payload, _version(_loads_or_none(payload)))


def _hash(prev_hash: str, payload: str, version: int) -> str:
    if version >= 2:
        return link_hash(prev_hash, payload_digest(payload))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


@dataclass(frozen=True)
class LedgerEntry:
    """One link of the chain, with the columns stored beside its payload."""

    seq: int
    prev_hash: str
    payload: str
    entry_hash: str
    personal_ref: str | None = None
    subject: str | None = None
    event_id: str | None = None
    recorded_at: str | None = None

    def body(self) -> dict[str, Any]:
        """The parsed payload."""
        return _loads(self.payload)

    def event(self) -> CreditEvent:
        """The event this entry records."""
        return CreditEvent.from_dict(self.body()["event"])


ENTRY_FIELDS = tuple(f.name for f in fields(LedgerEntry))


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


def _v2_entry(
    prev: LedgerEntry | None, body: dict[str, Any], *, subject: str | None, event_id: str
) -> LedgerEntry:
    seq, prev_hash = (prev.seq + 1, prev.entry_hash) if prev else (1, GENESIS_HASH)
    payload = canonical_json({**body, "v": CHAIN_VERSION, "seq": seq})
    return LedgerEntry(
        seq,
        prev_hash,
        payload,
        chain_hash(prev_hash, payload),
        body["personal_ref"],
        subject,
        event_id,
        body["recorded_at"],
    )


def build_entry(
    prev: LedgerEntry | None,
    event: CreditEvent,
    personal_ref: str | None,
    *,
    recorded_at: datetime | None = None,
) -> LedgerEntry:
    """The v2 entry that records `event` after `prev`."""
    body = {
        "event": event.to_dict(),
        "personal_ref": personal_ref,
        "recorded_at": format_time(recorded_at or datetime.now(UTC)),
    }
    return _v2_entry(prev, body, subject=event.subject, event_id=event.event_id)


def v1_column_row(entry: LedgerEntry) -> str:
    """The canonical line of a v1 entry's stored columns that the anchor's digest covers."""
    return canonical_json({name: getattr(entry, name) for name in ENTRY_FIELDS})


def build_anchor(prev: LedgerEntry, v1_columns: str, *, recorded_at: datetime) -> LedgerEntry:
    """The first v2 entry after v1 entries: commits to their head and to their columns' digest."""
    body = {
        "anchor": {"v1_head": prev.entry_hash, "v1_entries": prev.seq, "v1_columns": v1_columns},
        "personal_ref": None,
        "recorded_at": format_time(recorded_at),
    }
    return _v2_entry(prev, body, subject=None, event_id=ANCHOR_EVENT_ID)


def append_event(
    repo: LedgerRepository, event: CreditEvent, personal: Mapping[str, str] | None = None
) -> LedgerEntry:
    """Append `event`; `personal` (names, phones, raw IDs) goes to the side store only."""
    ref = uuid.uuid4().hex if personal else None
    entry = build_entry(repo.head(), event, ref)
    repo.append(entry, personal if personal else None)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    """`ok` with the head hash, or the first broken seq (or checkpoint id) and why."""

    ok: bool
    head_hash: str
    first_broken_seq: int | None = None
    reason: str | None = None
    length: int = 0
    checkpoint_id: int | None = None


def _check_columns(entry: LedgerEntry, body: dict[str, Any], version: int) -> str | None:
    """The first stored column that disagrees with the hashed payload, as a reason."""
    anchor = "anchor" in body
    event = {"subject": None, "event_id": ANCHOR_EVENT_ID} if anchor else body.get("event")
    if not isinstance(event, dict):
        return "payload records no event"
    stated: dict[str, Any] = {
        "personal_ref": body.get("personal_ref"),
        "subject": event.get("subject"),
        "event_id": event.get("event_id"),
    }
    if version >= 2:
        stated |= {"seq": body.get("seq"), "recorded_at": body.get("recorded_at")}
    for name, value in stated.items():
        if getattr(entry, name) != value:
            return f"column {name} differs from the hashed payload (edited)"
    return None


class Walk:
    """One pass over the chain, entry by entry; `hashes` keeps the heads at the wanted seqs."""

    def __init__(self, wanted: Iterable[int] = ()) -> None:
        self.prev_hash, self.expected = GENESIS_HASH, 1
        self.v1 = hashlib.sha256()
        self.v2_started = False
        self.wanted = set(wanted)
        self.hashes = {0: GENESIS_HASH}

    def step(self, entry: LedgerEntry) -> str | None:
        if entry.seq != self.expected:
            return f"expected seq {self.expected}, found {entry.seq} (deleted or reordered)"
        if entry.prev_hash != self.prev_hash:
            return "prev_hash does not match the previous entry"
        body = _loads_or_none(entry.payload)
        if body is None:
            return "payload is not a JSON object (edited)"
        version = _version(body)
        if _hash(self.prev_hash, entry.payload, version) != entry.entry_hash:
            return "entry_hash does not match the payload (edited)"
        reason = _check_columns(entry, body, version) or self._check_version(entry, body, version)
        if reason:
            return reason
        self.prev_hash, self.expected = entry.entry_hash, self.expected + 1
        if entry.seq in self.wanted:
            self.hashes[entry.seq] = entry.entry_hash
        return None

    def _check_version(self, entry: LedgerEntry, body: dict[str, Any], version: int) -> str | None:
        if version < 2:
            if self.v2_started:
                return "a version 1 entry after the chain moved to version 2"
            self.v1.update((v1_column_row(entry) + "\n").encode())
            return None
        first_v2, self.v2_started = not self.v2_started, True
        if "anchor" not in body:
            return (
                "version 1 entries without a version 2 anchor"
                if first_v2 and entry.seq > 1
                else None
            )
        anchor = body["anchor"]
        if not first_v2 or entry.seq == 1:
            return "an anchor that does not follow the version 1 entries"
        expected = {
            "v1_head": entry.prev_hash,
            "v1_entries": entry.seq - 1,
            "v1_columns": self.v1.hexdigest(),
        }
        if anchor != expected:
            return "a version 1 entry's columns differ from what the anchor committed to"
        return None

    def run(self, entries: Iterable[LedgerEntry]) -> VerifyResult | None:
        """Step through `entries`; the failure, or None when every entry holds."""
        for entry in entries:
            reason = self.step(entry)
            if reason:
                return VerifyResult(False, self.prev_hash, self.expected, reason, self.expected - 1)
        length = self.expected - 1
        if length and not self.v2_started:
            return VerifyResult(
                False,
                self.prev_hash,
                length,
                "version 1 entries without a version 2 anchor (run `xunhuan init-db`)",
                length,
            )
        return None


def verify_chain(repo: LedgerRepository) -> VerifyResult:
    """Walk the chain from the start and name the first entry that is edited, missing or moved.

    `credit.checkpoints.verify_ledger` does the same walk and also checks signed checkpoints.
    """
    walk = Walk()
    return walk.run(repo.iter_entries()) or VerifyResult(
        True, walk.prev_hash, length=walk.expected - 1
    )


def _version(body: Mapping[str, Any] | None) -> int:
    version = body.get("v", 1) if body is not None else 1
    return version if isinstance(version, int) and not isinstance(version, bool) else 0


def _loads_or_none(payload: str) -> dict[str, Any] | None:
    try:
        return _loads(payload)
    except ValueError:
        return None


def _loads(payload: str) -> dict[str, Any]:
    data = json.loads(payload)
    if not isinstance(data, dict):
        raise ValueError("payload is not an object")
    return data
