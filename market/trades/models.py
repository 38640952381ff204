"""Reservations, their messages, ratings, reports, and the outbox of domain events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.db import UTCDateTime, utcnow


class ReservationStatus(StrEnum):
    OPEN = "open"  # reserved; buyer and seller arrange the handover
    RENTING = "renting"  # a rental handed over, waiting for the return
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Reservation(SQLModel, table=True):
    __tablename__ = "reservations"
    # One open reservation per listing, enforced by the database as well as the service.
    __table_args__ = (
        sa.Index(
            "uq_reservations_one_open_per_listing",
            "listing_id",
            unique=True,
            sqlite_where=sa.text("status IN ('open', 'renting')"),
            postgresql_where=sa.text("status IN ('open', 'renting')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listings.id", index=True)
    buyer_id: int = Field(foreign_key="users.id", index=True)
    seller_id: int = Field(foreign_key="users.id", index=True)
    status: str = Field(default=ReservationStatus.OPEN.value, max_length=12)
    price_fen: int = Field(default=0)  # agreed at reservation: the price, or rent per day
    meet_time: str | None = Field(default=None, max_length=40)
    meet_place: str | None = Field(default=None, max_length=100)
    buyer_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    seller_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_by: int | None = Field(default=None, foreign_key="users.id")
    cancel_reason: str | None = Field(default=None, max_length=200)
    disputed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dispute_text: str | None = Field(default=None, max_length=1000)
    rental_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rental_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deposit_fen: int = Field(default=0)
    deposit_returned_fen: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Message(SQLModel, table=True):
    __tablename__ = "messages"

    id: int | None = Field(default=None, primary_key=True)
    reservation_id: int = Field(foreign_key="reservations.id", index=True)
    sender_id: int = Field(foreign_key="users.id")
    recipient_id: int = Field(foreign_key="users.id", index=True)
    body: str = Field(max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Rating(SQLModel, table=True):
    __tablename__ = "ratings"
    __table_args__ = (sa.UniqueConstraint("reservation_id", "rater_id"),)

    id: int | None = Field(default=None, primary_key=True)
    reservation_id: int = Field(foreign_key="reservations.id", index=True)
    rater_id: int = Field(foreign_key="users.id")
    ratee_id: int = Field(foreign_key="users.id", index=True)
    stars: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReportReason(StrEnum):
    FRAUD = "fraud"
    COUNTERFEIT = "counterfeit"
    MISDESCRIPTION = "misdescription"
    PROHIBITED = "prohibited"
    DATA_NOT_CLEARED = "data_not_cleared"


class Report(SQLModel, table=True):
    __tablename__ = "reports"

    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int = Field(foreign_key="users.id", index=True)
    listing_id: int | None = Field(default=None, foreign_key="listings.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    reason: str = Field(max_length=24)
    text: str = Field(max_length=2000)
    photo_key: str | None = Field(default=None, max_length=64)
    # For "personal data not cleared": the listing's wipe certificate, for the regulator.
    certificate_id: str | None = Field(
        default=None, max_length=36, foreign_key="wipe_certificates.id"
    )
    status: str = Field(default="open", max_length=12, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DomainEvent(SQLModel, table=True):
    """The outbox: every trade event, written in the same transaction as the change."""

    __tablename__ = "domain_events"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40, index=True)
    subject_user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    counterparty_user_id: int | None = Field(default=None, foreign_key="users.id")
    reservation_id: int | None = Field(default=None, foreign_key="reservations.id")
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
