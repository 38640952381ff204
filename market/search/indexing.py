"""Keep the search index in step with the database: after every commit that touched listings.

The unit of work (market.db) runs `IndexListings` after every commit: it collects the ids of
listings (and of listings whose photos) changed in a flush; after the commit they are read
back and upserted into the index. A failure to index never undoes a saved listing: it is
logged, and `xunhuan reindex` repairs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from market.listings.models import Listing, ListingPhoto
from market.privacy import mask_text
from market.trades.models import Reservation

log = logging.getLogger(__name__)
PENDING = "xunhuan.listings_to_index"


def document(listing: Listing, thumb: str) -> dict[str, Any]:
    """The search document of a listing."""
    return {
        "id": listing.id,
        # Of two writes for one listing the index keeps the higher version.
        "version": int(listing.updated_at.timestamp() * 1_000_000),
        # Indexed as everyone but the owner sees them, so a masked number finds nothing.
        "title": mask_text(listing.title),
        "description": mask_text(listing.description),
        "category": listing.category,
        "grade": listing.grade,
        "mode": listing.mode,
        "status": listing.status,
        "street": listing.street,
        "venue": listing.venue,
        "price_fen": listing.price_fen,
        "published_at": listing.published_at,
        "owner_id": listing.owner_id,
        "thumb": thumb,
    }


def documents(
    session: Session, listing_ids: Iterable[int] | None = None
) -> Iterable[dict[str, Any]]:
    """Documents for these listings (all when None), with their cover photo, in batches."""
    query = select(Listing).order_by(col(Listing.id))
    if listing_ids is not None:
        query = query.where(col(Listing.id).in_(list(listing_ids)))
    batch: list[Listing] = []
    for listing in session.exec(query.execution_options(yield_per=2000)):
        batch.append(listing)
        if len(batch) == 2000:
            yield from _with_covers(session, batch)
            batch = []
    yield from _with_covers(session, batch)


def _with_covers(session: Session, listings: list[Listing]) -> Iterable[dict[str, Any]]:
    if not listings:
        return
    ids = [listing.id for listing in listings]
    first = (
        select(ListingPhoto.listing_id, sa.func.min(ListingPhoto.position).label("position"))
        .where(col(ListingPhoto.listing_id).in_(ids))
        .group_by(col(ListingPhoto.listing_id))
        .subquery()
    )
    rows = session.execute(
        select(ListingPhoto.listing_id, ListingPhoto.image_key).join(
            first,
            sa.and_(
                col(ListingPhoto.listing_id) == first.c.listing_id,
                col(ListingPhoto.position) == first.c.position,
            ),
        )
    )
    covers = {listing_id: key for listing_id, key in rows}
    for listing in listings:
        yield document(listing, covers.get(listing.id or 0, ""))


class IndexListings:
    """The after-commit step that upserts the listings a commit changed into the index."""

    def __init__(self, index: Any) -> None:
        self.index = index

    def collect(self, session: OrmSession) -> None:
        pending: set[int] = session.info.setdefault(PENDING, set())
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, Listing) and obj.id is not None:
                pending.add(obj.id)
            elif isinstance(obj, ListingPhoto | Reservation):
                # A reservation changes its listing's status with a conditional UPDATE,
                # which the unit of work does not see as a dirty Listing.
                pending.add(obj.listing_id)

    def run(self, session: OrmSession) -> None:
        pending: set[int] = session.info.pop(PENDING, set())
        if not pending:
            return
        try:
            with Session(session.get_bind()) as reader:
                docs = list(documents(reader, pending))
            self.index.upsert(docs)
        except Exception:  # noqa: BLE001 - the listing is saved; the index is repaired by reindex
            log.exception("could not index listings %s", sorted(pending))

    def forget(self, session: OrmSession) -> None:
        session.info.pop(PENDING, None)
