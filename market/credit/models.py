"""The credit ledger's tables: the hash chain, its head, personal data beside it, checkpoints.

`credit_ledger` rows are only ever inserted; `subject` and `event_id` repeat what the hashed
payload says, for lookups and as a database-level guard against delivering an event twice.
Every column is a fact the chain covers (`LEDGER_COLUMNS`, checked against the table by a
test): a column the verifier does not compare with the hashed payload would be an unguarded edit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from credit.ledger import COVERAGE
from market.db import UTCDateTime, utcnow

HEAD_ID = 1


class CreditLedgerEntry(SQLModel, table=True):
    __tablename__ = "credit_ledger"
    __table_args__ = (
        sa.UniqueConstraint("entry_hash", name="uq_credit_ledger_entry_hash"),
        sa.UniqueConstraint("event_id", name="uq_credit_ledger_event_id"),
    )

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    prev_hash: str = Field(max_length=64)
    payload: str = Field(sa_type=sa.Text)
    entry_hash: str = Field(max_length=64)
    personal_ref: str | None = Field(default=None, max_length=32)
    subject: str | None = Field(default=None, max_length=80, index=True)  # None: the v2 anchor
    event_id: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# column -> how the chain covers it; each is a field of `credit.ledger.LedgerEntry`.
LEDGER_COLUMNS: dict[str, str] = dict(COVERAGE)


class CreditLedgerHead(SQLModel, table=True):
    """One row: the chain's head, locked by every append (the row lock serializes writers)."""

    __tablename__ = "credit_ledger_head"
    __table_args__ = (sa.CheckConstraint("id = 1", name="ck_credit_ledger_head_single_row"),)

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = Field(default=0)
    entry_hash: str = Field(max_length=64)


class CreditPersonal(SQLModel, table=True):
    """Personal data referenced by a ledger entry; erasable without breaking the chain."""

    __tablename__ = "credit_personal"

    ref: str = Field(primary_key=True, max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class CreditCheckpoint(SQLModel, table=True):
    """An Ed25519-signed statement of the head at a time."""

    __tablename__ = "credit_checkpoints"

    id: int | None = Field(default=None, primary_key=True)
    seq: int
    head_hash: str = Field(max_length=64)
    signed_at: str = Field(max_length=40)  # the exact ISO text that was signed
    signature: str = Field(max_length=128)
    public_key: str = Field(max_length=64)  # raw Ed25519 public key, hex


class CreditScore(SQLModel, table=True):
    """The projection of each subject's score: refreshed on every append, read by badges and API.

    A row is only a cache of what the ledger implies: `xunhuan credit recompute` rebuilds every
    row, a row of an older formula is recomputed when read, and so is one past `stale_after`
    (a day at most, or the moment a record's publication or repair date arrives).
    """

    __tablename__ = "credit_scores"

    subject: str = Field(primary_key=True, max_length=80)
    grade: str = Field(max_length=1)
    formula_grade: str = Field(max_length=1)
    score: float
    confidence: float
    reasons: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    formula_version: str = Field(max_length=40)
    events: int = Field(default=0)
    as_of: datetime = Field(sa_type=UTCDateTime)
    stale_after: datetime = Field(sa_type=UTCDateTime, index=True)
