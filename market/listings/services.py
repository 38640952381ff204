"""Queries over listings (the full listing service comes with the listings issue)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from market.listings.catalog import Status
from market.listings.models import Listing, ListingPhoto


def latest_active(*, session: Session, limit: int = 24) -> list[Listing]:
    query = (
        select(Listing)
        .where(Listing.status == Status.ACTIVE.value)
        .order_by(col(Listing.published_at).desc(), col(Listing.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def cover_photos(*, session: Session, listing_ids: list[int]) -> dict[int, str]:
    """The first photo's image key of each listing, in one query."""
    if not listing_ids:
        return {}
    rows = session.exec(
        select(ListingPhoto)
        .where(col(ListingPhoto.listing_id).in_(listing_ids))
        .order_by(col(ListingPhoto.listing_id), col(ListingPhoto.position))
    )
    covers: dict[int, str] = {}
    for photo in rows:
        covers.setdefault(photo.listing_id, photo.image_key)
    return covers


def photos_of(*, session: Session, listing_id: int) -> list[ListingPhoto]:
    query = select(ListingPhoto).where(ListingPhoto.listing_id == listing_id)
    return list(session.exec(query.order_by(col(ListingPhoto.position))))
