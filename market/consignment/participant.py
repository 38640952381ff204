"""Consignment takes part in a listing's life: a consigned listing is managed at the counter,
takes today's price before it is reserved, records its sale when the trade completes, and its
page shows the agreement's markdowns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from market.consignment import lifecycle
from market.consignment.models import ItemStatus
from market.consignment.services import item_of_listing
from market.listings.models import Listing
from market.listings.participants import Participant, register


def counter_lock(session: Session, listing: Listing) -> Any:
    """Consigned listings follow their agreement: edits, withdrawals and renewals are made at
    the counter, not on the listing pages. Shop stock is the shop's own again."""
    item = item_of_listing(session=session, listing_id=listing.id or 0)
    if item is not None and item.status != ItemStatus.SHOP_STOCK:
        return _l("寄卖品请在柜台管理。")
    return None


def _before_reserve(session: Session, listing: Listing) -> None:
    lifecycle.before_reservation(session=session, listing=listing)


def _on_trade_completed(session: Session, listing: Listing, reservation: Any) -> None:
    lifecycle.on_trade_completed(session=session, listing=listing, reservation=reservation)


def _listing_page(
    session: Session, listing: Listing, _config: Mapping[str, Any]
) -> Mapping[str, Any]:
    # markdowns and the end of the term that fell due
    return {"consigned": lifecycle.on_read(session=session, listing=listing)}


def init_app(app: Flask) -> None:
    register(
        app,
        Participant(
            name="consignment",
            lock=counter_lock,
            before_reserve=_before_reserve,
            on_trade_completed=_on_trade_completed,
            listing_page=_listing_page,
        ),
    )
