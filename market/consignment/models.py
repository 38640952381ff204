"""Consignment shops: the shop's profile and rules, consignors, items, sales and payouts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Field, SQLModel

from market.db import UTCDateTime, utcnow

CODE_PREFIX = "K-"


class ItemStatus(StrEnum):
    ON_SALE = "on_sale"
    SOLD = "sold"
    TO_RETURN = "to_return"  # the term ran out; waiting for the consignor to collect it
    RETURNED = "returned"
    DONATED = "donated"
    SHOP_STOCK = "shop_stock"

    @property
    def label(self) -> str:
        return str(ITEM_STATUS_LABELS[self])


ITEM_STATUS_LABELS = {
    ItemStatus.ON_SALE: _l("寄卖中"),
    ItemStatus.SOLD: _l("已售出"),
    ItemStatus.TO_RETURN: _l("到期待取回"),
    ItemStatus.RETURNED: _l("已退还"),
    ItemStatus.DONATED: _l("已捐赠"),
    ItemStatus.SHOP_STOCK: _l("已转为本店库存"),
}


class ShopProfile(SQLModel, table=True):
    """What a consignment shop adds to its organization: hours, words, and its house rules."""

    __tablename__ = "consignment_shops"

    organization_id: int = Field(foreign_key="organizations.id", primary_key=True)
    opening_hours: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=500)
    minimum_payout_fen: int = Field(default=5_000, ge=0)
    default_rate_bp: int = Field(default=3_000, ge=0)
    # [[up_to_fen | null, rate_bp], ...] and [[category_prefix, rate_bp], ...]
    tiers: list[Any] = Field(default_factory=list, sa_type=sa.JSON)
    category_rates: list[Any] = Field(default_factory=list, sa_type=sa.JSON)
    term_days: int = Field(default=90)
    steps: list[Any] = Field(
        default_factory=lambda: [[0, 10_000], [30, 8_000], [60, 6_000]], sa_type=sa.JSON
    )
    end_action: str = Field(default="return", max_length=12)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Consignor(SQLModel, table=True):
    """Someone who leaves items at one shop: a walk-in recorded by mobile, linked to a
    resident's account only when they enter the claim code printed on their agreement."""

    __tablename__ = "consignors"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "mobile", name="uq_consignors_shop_mobile"),
        sa.UniqueConstraint("organization_id", "user_id", name="uq_consignors_shop_user"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organizations.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    mobile: str | None = Field(default=None, max_length=11, index=True)
    name: str = Field(max_length=40)
    rate_bp: int | None = Field(default=None, ge=0)  # this consignor's own split, if agreed
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # SHA-256 of the single-use claim code given at intake; None once used (or never issued).
    claim_code_hash: str | None = Field(default=None, max_length=64, unique=True, index=True)


class ConsignmentItem(SQLModel, table=True):
    """One consigned item and the agreement signed for it; its listing is what buyers see."""

    __tablename__ = "consignment_items"
    __table_args__ = (sa.UniqueConstraint("listing_id", name="uq_consignment_items_listing_id"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organizations.id", index=True)
    consignor_id: int = Field(foreign_key="consignors.id", index=True)
    listing_id: int = Field(foreign_key="listings.id")
    intake_by: int = Field(foreign_key="users.id")
    intake_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    list_price_fen: int = Field(ge=0)
    category: str = Field(max_length=24)
    term_days: int
    end_action: str = Field(max_length=12)
    split: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    steps: list[Any] = Field(default_factory=list, sa_type=sa.JSON)
    do_not_discount: bool = Field(default=False)
    floor_fen: int | None = Field(default=None)
    accepted_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=ItemStatus.ON_SALE.value, max_length=12, index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def code(self) -> str:
        return item_code(self.id or 0)

    @property
    def status_enum(self) -> ItemStatus:
        return ItemStatus(self.status)


class ConsignmentSale(SQLModel, table=True):
    """A sale of a consigned item, divided by the agreement's split."""

    __tablename__ = "consignment_sales"
    __table_args__ = (sa.UniqueConstraint("item_id", name="uq_consignment_sales_item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="consignment_items.id")
    organization_id: int = Field(foreign_key="organizations.id", index=True)
    consignor_id: int = Field(foreign_key="consignors.id", index=True)
    price_fen: int = Field(ge=0)
    rate_bp: int
    rate_source: str = Field(max_length=12)
    shop_fen: int
    consignor_fen: int
    channel: str = Field(max_length=8)  # "counter" or "online"
    reservation_id: int | None = Field(default=None, foreign_key="reservations.id")
    recorded_by: int | None = Field(default=None, foreign_key="users.id")
    sold_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ConsignmentPayout(SQLModel, table=True):
    """Money paid to a consignor: cash at the counter, or a transfer with its reference."""

    __tablename__ = "consignment_payouts"
    __table_args__ = (sa.CheckConstraint("amount_fen > 0", name="ck_consignment_payouts_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organizations.id", index=True)
    consignor_id: int = Field(foreign_key="consignors.id", index=True)
    amount_fen: int = Field(gt=0)
    method: str = Field(max_length=8)  # "cash" or "transfer"
    reference: str = Field(default="", max_length=60)
    paid_by: int = Field(foreign_key="users.id")
    paid_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def item_code(item_id: int) -> str:
    """The printable code of an item: K- and its number, at least six digits."""
    return f"{CODE_PREFIX}{item_id:06d}"


def parse_code(text: str) -> int | None:
    """The item id a typed or scanned code names; accepts 'K-000123', 'k000123' or '123'."""
    raw = "".join(text.split()).upper()
    raw = raw.removeprefix("K").removeprefix("-")
    if not raw.isdecimal() or not 0 < int(raw) < 2**31:
        return None
    return int(raw)
