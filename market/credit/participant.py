"""Credit takes part in the listing's pages: the seller's and the venue's grades."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlmodel import Session

from market.credit.services import org_grade, user_grade
from market.listings import venues
from market.listings.models import Listing
from market.listings.participants import Participant, register


def _listing_page(
    session: Session, listing: Listing, config: Mapping[str, Any]
) -> Mapping[str, Any]:
    venue_org = venues.organization(session=session, venue=listing.venue)
    return {
        "venue_credit": org_grade(session=session, org=venue_org) if venue_org else None,
        "seller_credit": user_grade(session=session, config=config, user_id=listing.owner_id),
    }


def _seller_page(session: Session, user_id: int, config: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"credit": user_grade(session=session, config=config, user_id=user_id)}


def init_app(app: Flask) -> None:
    register(app, Participant(name="credit", listing_page=_listing_page, seller_page=_seller_page))
