"""What the pages read: upcoming days, a day's stalls and listings, applications, the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from market.accounts.models import User
from market.db import utcnow
from market.fleamarkets.models import (
    ApplicationStatus,
    DayStatus,
    MarketDay,
    StallApplication,
    StallListing,
)
from market.fleamarkets.services import day_end, day_start
from market.listings.catalog import Status
from market.listings.models import Listing
from market.trades.models import Reservation, ReservationStatus

# Drafts and withdrawn listings are their owner's business; sold ones stay as history.
SHOWN = (Status.ACTIVE.value, Status.RESERVED.value, Status.COMPLETED.value)
Q_MAX = 60


def upcoming(*, session: Session, now: datetime | None = None) -> list[MarketDay]:
    """Published days not yet closed, soonest first."""
    return list(
        session.exec(
            select(MarketDay)
            .where(
                MarketDay.status == DayStatus.PUBLISHED.value,
                col(MarketDay.closes_at) > (now or utcnow()),
            )
            .order_by(col(MarketDay.opens_at), col(MarketDay.id))
        )
    )


def days_of(*, session: Session, organization_id: int) -> list[MarketDay]:
    return list(
        session.exec(
            select(MarketDay)
            .where(MarketDay.organization_id == organization_id)
            .order_by(col(MarketDay.market_date).desc(), col(MarketDay.id).desc())
        )
    )


def applications_of(*, session: Session, user_id: int) -> list[tuple[StallApplication, MarketDay]]:
    rows = session.exec(
        select(StallApplication, MarketDay)
        .join(MarketDay, col(MarketDay.id) == StallApplication.market_day_id)
        .where(StallApplication.applicant_id == user_id)
        .order_by(col(MarketDay.opens_at).desc())
    )
    return [(a, d) for a, d in rows]


def application_for(*, session: Session, day_id: int, user_id: int) -> StallApplication | None:
    return session.exec(
        select(StallApplication).where(
            StallApplication.market_day_id == day_id, StallApplication.applicant_id == user_id
        )
    ).first()


@dataclass
class Entry:
    """One application as its organizer or the public page sees it."""

    application: StallApplication
    holder: User
    listings: list[Listing] = field(default_factory=list)


def _listings_by_application(
    session: Session, application_ids: list[int], *, q: str = "", statuses: tuple[str, ...] = ()
) -> dict[int, list[Listing]]:
    if not application_ids:
        return {}
    query = (
        select(StallListing.application_id, Listing)
        .join(Listing, col(Listing.id) == StallListing.listing_id)
        .where(col(StallListing.application_id).in_(application_ids))
        .order_by(col(Listing.id))
    )
    if statuses:
        query = query.where(col(Listing.status).in_(statuses))
    if q:
        needle = q.lower()
        query = query.where(
            or_(
                func.lower(Listing.title).contains(needle, autoescape=True),
                func.lower(Listing.description).contains(needle, autoescape=True),
            )
        )
    out: dict[int, list[Listing]] = {}
    for application_id, listing in session.exec(query):
        out.setdefault(application_id, []).append(listing)
    return out


def entries(
    *, session: Session, day_id: int, statuses: tuple[str, ...] | None = None
) -> list[Entry]:
    """A day's applications with their applicants and listings, by stall then by time."""
    query = (
        select(StallApplication, User)
        .join(User, col(User.id) == StallApplication.applicant_id)
        .where(StallApplication.market_day_id == day_id)
        .order_by(
            col(StallApplication.stall_no).is_(None),
            col(StallApplication.stall_no),
            col(StallApplication.applied_at),
            col(StallApplication.id),
        )
    )
    if statuses:
        query = query.where(col(StallApplication.status).in_(statuses))
    rows = [Entry(a, u) for a, u in session.exec(query)]
    listings = _listings_by_application(session, [e.application.id or 0 for e in rows])
    for entry in rows:
        entry.listings = listings.get(entry.application.id or 0, [])
    return rows


def stalls(*, session: Session, day_id: int, q: str = "") -> list[Entry]:
    """Approved stalls with the listings they bring; with `q`, only stalls with a match."""
    q = " ".join(q.split())[:Q_MAX]
    rows = entries(session=session, day_id=day_id, statuses=(ApplicationStatus.APPROVED.value,))
    listings = _listings_by_application(
        session, [e.application.id or 0 for e in rows], q=q, statuses=SHOWN
    )
    for entry in rows:
        entry.listings = listings.get(entry.application.id or 0, [])
    return [e for e in rows if e.listings] if q else rows


def current_stall(
    *, session: Session, listing_id: int, now: datetime | None = None
) -> tuple[MarketDay, int] | None:
    """The next open day (and stall) a listing is brought to, while that day has not closed."""
    row = session.exec(
        select(MarketDay, StallApplication.stall_no)
        .join(StallApplication, col(StallApplication.market_day_id) == MarketDay.id)
        .join(StallListing, col(StallListing.application_id) == StallApplication.id)
        .where(
            StallListing.listing_id == listing_id,
            StallApplication.status == ApplicationStatus.APPROVED.value,
            MarketDay.status == DayStatus.PUBLISHED.value,
            col(MarketDay.closes_at) > (now or utcnow()),
        )
        .order_by(col(MarketDay.opens_at))
    ).first()
    if row is None or row[1] is None:
        return None
    return row[0], row[1]


@dataclass(frozen=True)
class Report:
    approved: int
    checked_in: int
    listings_brought: int
    trades_completed: int

    def bars(self) -> list[tuple[str, int]]:
        return [
            ("approved", self.approved),
            ("checked_in", self.checked_in),
            ("listings_brought", self.listings_brought),
            ("trades_completed", self.trades_completed),
        ]


def report(*, session: Session, day: MarketDay) -> Report:
    """Stalls approved and checked in, listings they brought, and those listings' trades
    completed on the market date (China time), by the reservation's completion time."""
    approved = (
        select(StallApplication.id)
        .where(
            StallApplication.market_day_id == day.id,
            StallApplication.status == ApplicationStatus.APPROVED.value,
        )
        .scalar_subquery()
    )
    counts = session.exec(
        select(func.count(), func.count(col(StallApplication.checked_in_at))).where(
            StallApplication.market_day_id == day.id,
            StallApplication.status == ApplicationStatus.APPROVED.value,
        )
    ).one()
    brought = select(StallListing.listing_id).where(col(StallListing.application_id).in_(approved))
    listings_brought = session.exec(
        select(func.count(func.distinct(StallListing.listing_id))).where(
            col(StallListing.application_id).in_(approved)
        )
    ).one()
    trades = session.exec(
        select(func.count())
        .select_from(Reservation)
        .where(
            col(Reservation.listing_id).in_(brought),
            Reservation.status == ReservationStatus.COMPLETED.value,
            col(Reservation.completed_at) >= day_start(day),
            col(Reservation.completed_at) < day_end(day),
        )
    ).one()
    return Report(int(counts[0]), int(counts[1]), int(listings_brought), int(trades))
