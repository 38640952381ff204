"""Accounts and roles."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from market.db import UTCDateTime, utcnow
from market.roles import ROLE_LABELS, Role

__all__ = [  # Role and its labels live in market.roles, below the access checks
    "ROLE_LABELS",
    "ROLE_ORG_KINDS",
    "LoginThrottle",
    "PasswordReset",
    "PendingRegistration",
    "Role",
    "User",
    "UserBase",
    "UserSession",
]


# Roles whose work is done for an organization; the user must belong to one of these kinds.
ROLE_ORG_KINDS = {
    Role.SHOP_STAFF: "consignment_shop",
    Role.MARKET_ORGANIZER: "flea_market_organizer",
    Role.SCHOOL_COORDINATOR: "school",
    Role.REGULATOR: "regulator_agency",
}


class UserBase(SQLModel):
    display_name: str = Field(max_length=40)
    home_street: str | None = Field(default=None, max_length=8)
    locale: str | None = Field(default=None, max_length=10)


class User(UserBase, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    mobile: str | None = Field(default=None, max_length=11, unique=True, index=True)
    email: str | None = Field(default=None, max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.RESIDENT.value, max_length=24, index=True)
    organization_id: int | None = Field(default=None, foreign_key="organizations.id", index=True)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The privacy notice version the person agreed to, and when (PIPL art. 14, 17).
    consent_version: str | None = Field(default=None, max_length=20)
    consented_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the mobile (or e-mail) was proven with a one-time code; None for accounts
    # an administrator created from the command line.
    identifier_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # Flask-Login's user protocol, written out so the model needs no mixin.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, *roles: Role) -> bool:
        return self.role_enum in roles or self.role_enum is Role.ADMIN


class UserSession(SQLModel, table=True):
    """One login on one device; the browser holds only the random token whose hash is here.

    Ending a row (logout, password change, deletion, the sessions page) refuses its cookie and
    its remember-me token from the next request on, which a signed cookie alone cannot do.
    """

    __tablename__ = "user_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    user_agent: str = Field(default="", max_length=200)
    ip_masked: str = Field(default="", max_length=48)
    remember: bool = Field(default=False)
    remember_hash: str | None = Field(default=None, max_length=64, unique=True)
    remember_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PendingRegistration(SQLModel, table=True):
    """A registration waiting for its one-time code; it becomes a user only once verified,
    so nobody can hold a number they cannot receive messages on."""

    __tablename__ = "pending_registrations"

    id: int | None = Field(default=None, primary_key=True)
    identifier_kind: str = Field(max_length=6)
    identifier: str = Field(max_length=254, index=True)
    display_name: str = Field(max_length=40)
    home_street: str | None = Field(default=None, max_length=8)
    password_hash: str = Field(max_length=255)
    consent_version: str = Field(max_length=20)
    consented_at: datetime = Field(sa_type=UTCDateTime)
    code_hash: str = Field(max_length=64)
    code_expires_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    sends: int = Field(default=1)
    last_sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoginThrottle(SQLModel, table=True):
    """Failed logins for one identifier, shared by every worker; known or not, so a lockout
    says nothing about whether an account exists. `key` is an HMAC of the identifier: the
    table holds no number somebody merely typed."""

    __tablename__ = "login_throttles"

    key: str = Field(primary_key=True, max_length=64)
    failures: int = Field(default=0)
    last_failure_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PasswordReset(SQLModel, table=True):
    """A password reset waiting for the code sent to the account's number. One is kept for an
    unknown identifier too (with no user and no code sent), so the pages read the same."""

    __tablename__ = "password_resets"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    code_hash: str = Field(max_length=64)
    code_expires_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
