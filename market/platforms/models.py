"""Partner platforms' API keys, idempotency records of their writes, and the audit of calls.

A key is shown once: `api_keys` keeps the SHA-256 of the whole key and its public prefix.
`api_idempotency` keeps the first answer to each (organization, Idempotency-Key) with the hash
of the body it answered; its unique constraint is what stops two concurrent requests with the
same key from both writing. `api_calls` is append-only, one row per call, written in a session
of its own so refused and failed calls are there too.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.db import UTCDateTime, utcnow

SCOPES = ("events:write", "subjects:read")


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    __table_args__ = (
        sa.UniqueConstraint("prefix", name="uq_api_keys_prefix"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name="fk_api_keys_organization_id"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(index=True)
    prefix: str = Field(max_length=8)
    key_hash: str = Field(max_length=64)  # sha256 hex of the whole key
    scopes: str = Field(max_length=100)  # space-separated, from SCOPES
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "api_idempotency"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "key", name="uq_api_idempotency_org_key"),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name="fk_api_idempotency_organization_id"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int
    key: str = Field(max_length=100)
    body_sha256: str = Field(max_length=64)
    status: int
    response: str = Field(sa_type=sa.Text)  # the exact JSON text first answered
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ApiCall(SQLModel, table=True):
    __tablename__ = "api_calls"
    __table_args__ = (
        sa.ForeignKeyConstraint(["api_key_id"], ["api_keys.id"], name="fk_api_calls_api_key_id"),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name="fk_api_calls_organization_id"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    api_key_id: int | None = Field(default=None, index=True)
    organization_id: int | None = None
    method: str = Field(max_length=10)
    path: str = Field(max_length=200)
    status: int
    reason: str | None = Field(default=None, max_length=40)
    idempotency_key: str | None = Field(default=None, max_length=100)
    remote_addr: str | None = Field(default=None, max_length=64)
