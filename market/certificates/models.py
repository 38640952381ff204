"""Station keys of shops, and the wipe certificates they upload."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.db import UTCDateTime, utcnow


class StationKey(SQLModel, table=True):
    """A wipe station's Ed25519 public key, registered by a shop; its upload token is hashed."""

    __tablename__ = "station_keys"

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organizations.id", index=True)
    label: str = Field(max_length=60)
    key_id: str = Field(max_length=64, unique=True)
    public_key_pem: str = Field(max_length=400)
    token_hash: str = Field(max_length=64, unique=True)
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WipeCertificate(SQLModel, table=True):
    """A signed certificate as uploaded; `body` is kept byte-for-byte meaningful (canonical)."""

    __tablename__ = "wipe_certificates"

    id: str = Field(primary_key=True, max_length=36)  # the certificate's own UUID
    organization_id: int = Field(foreign_key="organizations.id", index=True)
    station_key_id: int = Field(foreign_key="station_keys.id")
    listing_id: int | None = Field(default=None, foreign_key="listings.id", index=True)
    body: dict[str, Any] = Field(sa_type=sa.JSON)
    body_sha256: str = Field(max_length=64)
    result: str = Field(max_length=12)
    level: str = Field(max_length=12)
    device_model: str = Field(default="", max_length=120)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
