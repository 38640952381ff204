"""Listings of idle items and their photos."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from market.db import UTCDateTime, utcnow


class ListingBase(SQLModel):
    title: str = Field(max_length=60)
    description: str = Field(default="", max_length=4000)
    category: str = Field(max_length=24, index=True)
    mode: str = Field(default="sell", max_length=8)
    price_fen: int = Field(default=0, ge=0)
    grade: str = Field(max_length=2)
    street: str = Field(max_length=8, index=True)
    venue: str = Field(default="online", max_length=24)


class Listing(ListingBase, table=True):
    __tablename__ = "listings"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", index=True)
    status: str = Field(default="draft", max_length=12, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ListingPhoto(SQLModel, table=True):
    __tablename__ = "listing_photos"

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listings.id", index=True)
    position: int = Field(default=0)
    image_key: str = Field(max_length=64)
