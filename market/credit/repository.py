"""The SQL implementation of `credit.ledger.LedgerRepository`.

Appends happen inside the caller's transaction, after `lock_head()`: on PostgreSQL that is
`SELECT ... FOR UPDATE` on the one-row head table, so a second writer waits and then reads
the new head; on SQLite the engine's BEGIN IMMEDIATE already serializes writers. Ledger rows
are only inserted; the head row is the one thing that is updated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from credit.errors import LedgerConflict
from credit.events import CreditEvent
from credit.ledger import ENTRY_FIELDS, GENESIS_HASH, LedgerEntry, format_time
from market.credit.models import HEAD_ID, CreditLedgerEntry, CreditLedgerHead, CreditPersonal


def _entry(row: CreditLedgerEntry) -> LedgerEntry:
    return LedgerEntry(
        row.seq,
        row.prev_hash,
        row.payload,
        row.entry_hash,
        row.personal_ref,
        row.subject,
        row.event_id,
        format_time(row.recorded_at),
    )


class SqlLedger:
    """The ledger in `credit_ledger`, its head in `credit_ledger_head`, personal data aside."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._head: CreditLedgerHead | None = None

    def lock_head(self) -> CreditLedgerHead:
        """Take the head row under a row lock for the rest of the transaction."""
        if self._head is None:
            head = self.session.exec(
                select(CreditLedgerHead).where(CreditLedgerHead.id == HEAD_ID).with_for_update()
            ).first()
            if head is None:  # created by the migration; a missing row is a broken install
                raise LedgerConflict("credit_ledger_head has no row; run `xunhuan init-db`")
            self._head = head
        return self._head

    def stored_head(self) -> CreditLedgerHead:
        """The head row as stored (without locking)."""
        head = self.session.get(CreditLedgerHead, HEAD_ID)
        if head is None:
            raise LedgerConflict("credit_ledger_head has no row; run `xunhuan init-db`")
        return head

    def head_seq(self) -> int:
        """The seq the head row records (without locking)."""
        head = self.session.get(CreditLedgerHead, HEAD_ID)
        return head.seq if head else 0

    def append(self, entry: LedgerEntry, personal: Mapping[str, str] | None = None) -> None:
        head = self.lock_head()
        if (entry.seq, entry.prev_hash) != (head.seq + 1, head.entry_hash):
            raise LedgerConflict(f"entry {entry.seq} does not extend the head")
        if personal is not None:
            if entry.personal_ref is None:
                raise LedgerConflict("personal data needs a personal_ref")
            self.session.add(CreditPersonal(ref=entry.personal_ref, data=dict(personal)))
        if entry.event_id is None or entry.recorded_at is None:
            raise LedgerConflict(f"entry {entry.seq} lacks its event_id or recorded_at")
        self.session.add(
            CreditLedgerEntry(
                seq=entry.seq,
                prev_hash=entry.prev_hash,
                payload=entry.payload,
                entry_hash=entry.entry_hash,
                personal_ref=entry.personal_ref,
                subject=entry.subject,
                event_id=entry.event_id,
                recorded_at=datetime.fromisoformat(entry.recorded_at),
            )
        )
        head.seq, head.entry_hash = entry.seq, entry.entry_hash
        self.session.add(head)

    def iter_entries(self, *, after: int = 0, upto: int | None = None) -> Iterator[LedgerEntry]:
        # Every column (verification compares each with the payload), as rows, not ORM objects:
        # verification reads the whole ledger.
        t = CreditLedgerEntry.__table__  # type: ignore[attr-defined]
        query = sa.select(*(t.c[name] for name in ENTRY_FIELDS)).where(t.c.seq > after)
        if upto is not None:
            query = query.where(t.c.seq <= upto)
        rows = self.session.execute(query.order_by(t.c.seq).execution_options(yield_per=5000))
        for row in rows:
            values: dict[str, Any] = dict(zip(ENTRY_FIELDS, row, strict=True))
            values["recorded_at"] = format_time(values["recorded_at"])
            yield LedgerEntry(**values)

    def head(self) -> LedgerEntry | None:
        head = self.lock_head()
        if head.seq == 0:
            return None
        return LedgerEntry(head.seq, "", "", head.entry_hash)  # only seq and hash extend it

    def get_personal(self, ref: str) -> dict[str, str] | None:
        row = self.session.get(CreditPersonal, ref)
        return dict(row.data) if row is not None else None

    def erase_personal(self, ref: str) -> bool:
        row = self.session.get(CreditPersonal, ref)
        if row is None:
            return False
        self.session.delete(row)
        return True

    def events_of(self, subject: str) -> list[CreditEvent]:
        """Every event recorded about `subject`, in ledger order."""
        rows = self.session.exec(
            select(CreditLedgerEntry)
            .where(CreditLedgerEntry.subject == subject)
            .order_by(col(CreditLedgerEntry.seq))
        )
        events = (_entry(row).event() for row in rows)
        return [e for e in events if e.subject == subject]


__all__ = ["GENESIS_HASH", "SqlLedger"]
