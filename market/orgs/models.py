"""Organizations: shops, flea-market organizers, schools, partner platforms, agencies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlmodel import Field, SQLModel

from market.db import UTCDateTime, utcnow


class OrgKind(StrEnum):
    CONSIGNMENT_SHOP = "consignment_shop"
    FLEA_MARKET_ORGANIZER = "flea_market_organizer"
    SCHOOL = "school"
    PARTNER_PLATFORM = "partner_platform"
    REGULATOR_AGENCY = "regulator_agency"

    @property
    def label(self) -> str:
        return str(ORG_KIND_LABELS[self])


ORG_KIND_LABELS = {
    OrgKind.CONSIGNMENT_SHOP: _l("寄卖店"),
    OrgKind.FLEA_MARKET_ORGANIZER: _l("跳蚤市场组织方"),
    OrgKind.SCHOOL: _l("学校"),
    OrgKind.PARTNER_PLATFORM: _l("合作平台"),
    OrgKind.REGULATOR_AGENCY: _l("监管机构"),
}


class OrganizationBase(SQLModel):
    name: str = Field(max_length=80)
    kind: str = Field(max_length=24, index=True)
    street: str | None = Field(default=None, max_length=8)
    address: str | None = Field(default=None, max_length=200)
    uscc: str | None = Field(default=None, max_length=18, unique=True)


class Organization(OrganizationBase, table=True):
    __tablename__ = "organizations"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def kind_enum(self) -> OrgKind:
        return OrgKind(self.kind)
