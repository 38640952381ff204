"""Market days, stall applications and the listings a stall holder brings.

A listing keeps its own venue; `stall_listings` is the only link between a listing and a day,
and whether that link is shown depends on the time alone (see `services.phase`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.db import UTCDateTime, utcnow

TITLE_MAX = 80
PLACE_MAX = 200
RULES_MAX = 2000
NOTE_MAX = 200
STALLS_MAX = 500


class DayStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # withdrawn by the applicant
    REVOKED = "revoked"  # an approval the organizer took back


class MarketDay(SQLModel, table=True):
    __tablename__ = "market_days"
    __table_args__ = (
        sa.CheckConstraint("stalls BETWEEN 1 AND 500", name="ck_market_days_stalls"),
        sa.CheckConstraint("fee_fen >= 0", name="ck_market_days_fee"),
        sa.CheckConstraint("closes_at > opens_at", name="ck_market_days_hours"),
        sa.Index("ix_market_days_status_date", "status", "market_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organizations.id", index=True)
    title: str = Field(max_length=TITLE_MAX)
    market_date: date  # the day in China time
    opens_at: datetime = Field(sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime)
    apply_by: datetime = Field(sa_type=UTCDateTime)
    street: str = Field(max_length=8)
    place: str = Field(max_length=PLACE_MAX)
    stalls: int
    fee_fen: int = Field(default=0)
    rules: str = Field(default="", max_length=RULES_MAX)
    min_grade: str | None = Field(default=None, max_length=1)
    status: str = Field(default=DayStatus.DRAFT.value, max_length=12)
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StallApplication(SQLModel, table=True):
    __tablename__ = "stall_applications"
    __table_args__ = (
        sa.UniqueConstraint(
            "market_day_id", "applicant_id", name="uq_stall_applications_day_applicant"
        ),
        # Two approved holders never share a stall, whatever two organizers click at once.
        sa.Index(
            "uq_stall_applications_one_holder_per_stall",
            "market_day_id",
            "stall_no",
            unique=True,
            sqlite_where=sa.text("status = 'approved'"),
            postgresql_where=sa.text("status = 'approved'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    market_day_id: int = Field(foreign_key="market_days.id", index=True)
    applicant_id: int = Field(foreign_key="users.id", index=True)
    status: str = Field(default=ApplicationStatus.PENDING.value, max_length=12)
    stall_no: int | None = Field(default=None)
    note: str = Field(default="", max_length=NOTE_MAX)  # the organizer's note to the applicant
    applied_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    checked_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StallListing(SQLModel, table=True):
    __tablename__ = "stall_listings"
    __table_args__ = (
        sa.UniqueConstraint(
            "application_id", "listing_id", name="uq_stall_listings_application_listing"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="stall_applications.id", index=True)
    listing_id: int = Field(foreign_key="listings.id", index=True)
