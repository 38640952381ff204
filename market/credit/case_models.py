"""The regulator's cases and the log of who opened whose personal data, and why.

Case rows are never deleted: a case is opened once and closed once (`closed_at`, `decision`
and the closer are set together, and the check constraint keeps them together). The decision
itself is a ledger entry (`decision_event_id`), except a dismissed report, which changes no
one's credit.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.db import UTCDateTime, utcnow


class CaseKind(StrEnum):
    FINDING = "finding"  # a pending finding, until confirmed or voided
    APPEAL = "appeal"  # the subject contests a confirmed record
    REPAIR = "repair"  # the subject asks for credit repair after the minimum period
    DISPUTE = "dispute"  # a disputed reservation's outcome
    REVIEW = "review"  # a formula-driven drop to C or D, held until reviewed
    REPORT = "report"  # a resident's report, dismissed


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


_KINDS = ", ".join(f"'{k.value}'" for k in CaseKind)


class CreditCase(SQLModel, table=True):
    __tablename__ = "credit_cases"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({_KINDS})", name="ck_credit_cases_kind"),
        sa.CheckConstraint(
            "(status = 'open' AND closed_at IS NULL AND decision IS NULL)"
            " OR (status = 'closed' AND closed_at IS NOT NULL AND decision IS NOT NULL)",
            name="ck_credit_cases_closed_once",
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"], ["reservations.id"], name="fk_credit_cases_reservation_id"
        ),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_credit_cases_report_id"),
        sa.ForeignKeyConstraint(
            ["opened_by_user_id"], ["users.id"], name="fk_credit_cases_opened_by_user_id"
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_user_id"], ["users.id"], name="fk_credit_cases_closed_by_user_id"
        ),
        # The database refuses a second appeal on one record and a second decision on one
        # dispute, whatever two browser tabs do at the same moment.
        sa.Index(
            "uq_credit_cases_one_appeal_per_record",
            "subject",
            "target_event_id",
            unique=True,
            sqlite_where=sa.text("kind = 'appeal'"),
            postgresql_where=sa.text("kind = 'appeal'"),
        ),
        sa.Index(
            "uq_credit_cases_one_dispute_decision",
            "reservation_id",
            unique=True,
            sqlite_where=sa.text("kind = 'dispute'"),
            postgresql_where=sa.text("kind = 'dispute'"),
        ),
        sa.Index("ix_credit_cases_kind_status", "kind", "status"),
        sa.Index("ix_credit_cases_subject", "subject"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=12)
    subject: str = Field(max_length=80)
    target_event_id: str | None = Field(default=None, max_length=200)
    reservation_id: int | None = Field(default=None)
    report_id: int | None = Field(default=None)
    status: str = Field(default=CaseStatus.OPEN.value, max_length=8)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    opened_by_user_id: int | None = Field(default=None)
    statement: str | None = Field(default=None, max_length=1000)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_user_id: int | None = Field(default=None)
    decision: str | None = Field(default=None, max_length=24)
    decision_reason: str | None = Field(default=None, max_length=500)
    decision_event_id: str | None = Field(default=None, max_length=200)


class CreditAccessLog(SQLModel, table=True):
    """A regulator opened a subject's names and contact data, with the reason given."""

    __tablename__ = "credit_access_log"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["regulator_user_id"], ["users.id"], name="fk_credit_access_log_regulator_user_id"
        ),
        sa.Index("ix_credit_access_log_regulator_subject_at", "regulator_user_id", "subject", "at"),
        sa.Index("ix_credit_access_log_subject", "subject"),
    )

    id: int | None = Field(default=None, primary_key=True)
    regulator_user_id: int
    subject: str = Field(max_length=80)
    reason: str = Field(max_length=500)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
