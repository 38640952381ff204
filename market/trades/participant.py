"""Trades take part in the listing's pages: the seller's completed trades and ratings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlmodel import Session

from market.listings.models import Listing
from market.listings.participants import Participant, register
from market.trades.services import completed_trades, ratings_summary


def _listing_page(
    session: Session, listing: Listing, _config: Mapping[str, Any]
) -> Mapping[str, Any]:
    return {
        "seller_trades": completed_trades(session=session, user_id=listing.owner_id),
        "seller_rating": ratings_summary(session=session, user_id=listing.owner_id),
    }


def _seller_page(session: Session, user_id: int, _config: Mapping[str, Any]) -> Mapping[str, Any]:
    return {
        "trades_count": completed_trades(session=session, user_id=user_id),
        "rating": ratings_summary(session=session, user_id=user_id),
    }


def init_app(app: Flask) -> None:
    register(app, Participant(name="trades", listing_page=_listing_page, seller_page=_seller_page))
