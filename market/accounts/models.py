"""Accounts and roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlmodel import Field, SQLModel

from market.db import UTCDateTime, utcnow


class Role(StrEnum):
    RESIDENT = "resident"
    SHOP_STAFF = "shop_staff"
    MARKET_ORGANIZER = "market_organizer"
    SCHOOL_COORDINATOR = "school_coordinator"
    REGULATOR = "regulator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.RESIDENT: _l("居民"),
    Role.SHOP_STAFF: _l("寄卖店店员"),
    Role.MARKET_ORGANIZER: _l("跳蚤市场组织方"),
    Role.SCHOOL_COORDINATOR: _l("学校旧书角协调人"),
    Role.REGULATOR: _l("监管人员"),
    Role.ADMIN: _l("管理员"),
}

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
