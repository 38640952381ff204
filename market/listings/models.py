"""Listings of idle items and their photos."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.db import UTCDateTime, utcnow

TITLE_MAX = 60
DESCRIPTION_MAX = 4000
PRICE_MAX_FEN = 100_000_000  # 1,000,000 yuan: nothing in a district second-hand market costs more


class ListingBase(SQLModel):
    title: str = Field(max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    category: str = Field(max_length=24, index=True)
    mode: str = Field(default="sell", max_length=8)
    price_fen: int = Field(default=0, ge=0)  # the price, or the rent per day
    deposit_fen: int = Field(default=0, ge=0)  # rentals only
    grade: str = Field(max_length=2)
    street: str = Field(max_length=8, index=True)
    venue: str = Field(default="online", max_length=24)
    # Why a device-like item stores no personal data (market.listings.devices.REASONS), or "".
    no_data_reason: str = Field(default="", max_length=16)
    no_data_note: str = Field(default="", max_length=200)


class Listing(ListingBase, table=True):
    __tablename__ = "listings"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", index=True)
    status: str = Field(default="draft", max_length=12, index=True)
    condition: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    disclosures: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ListingPhoto(SQLModel, table=True):
    __tablename__ = "listing_photos"

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listings.id", index=True)
    position: int = Field(default=0)
    image_key: str = Field(max_length=64)
