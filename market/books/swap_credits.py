"""Swap credits: +1 for a book given, -1 for a book taken, grants by a coordinator.

The table is append-only; a balance is the sum of a person's moves at one school. Taking
costs the credit when the book is reserved (so two takes can't both spend the last one) and a
cancelled take is refunded. The giver earns their credit when the coordinator records the
hand-in at the corner, or else when the trade completes: once per book either way.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, func, select

from market.accounts.models import User
from market.books.corner import access
from market.books.errors import BookError, NoCredit, NotThroughCorner
from market.books.models import CornerBook, CornerMember, CreditMove
from market.db import utcnow
from market.listings.catalog import Status
from market.listings.errors import NotFound
from market.listings.models import Listing
from market.trades import services as trades
from market.trades.events import EventKind
from market.trades.models import DomainEvent, Reservation, ReservationStatus

TAKING = "books.taking"  # session.info: the (listing, taker) a take is reserving right now
GRANT_LIMIT = 20


def balance(*, session: Session, school_id: int, user_id: int) -> int:
    return session.exec(
        select(func.coalesce(func.sum(CreditMove.delta), 0)).where(
            CreditMove.school_id == school_id, CreditMove.user_id == user_id
        )
    ).one()


def balances(*, session: Session, school_id: int) -> dict[int, int]:
    rows = session.exec(
        select(CreditMove.user_id, func.sum(CreditMove.delta))
        .where(CreditMove.school_id == school_id)
        .group_by(col(CreditMove.user_id))
    )
    return {user_id: int(total) for user_id, total in rows}


def history(*, session: Session, school_id: int, user_id: int) -> list[CreditMove]:
    query = select(CreditMove).where(
        CreditMove.school_id == school_id, CreditMove.user_id == user_id
    )
    return list(
        session.exec(query.order_by(col(CreditMove.created_at).desc(), col(CreditMove.id).desc()))
    )


def _lock_member(session: Session, school_id: int, user_id: int) -> CornerMember | None:
    # PostgreSQL: the member row is the lock that queues one person's takes. SQLite: every
    # transaction already holds the write lock from BEGIN IMMEDIATE (market/db.py).
    return session.exec(
        select(CornerMember)
        .where(CornerMember.school_id == school_id, CornerMember.user_id == user_id)
        .with_for_update()
    ).first()


def corner_listing(*, session: Session, school_id: int, listing_id: int) -> Listing:
    """A listing this school's corner holds: one with its corner-book row, not merely its venue."""
    book = session.get(CornerBook, listing_id)
    listing = session.get(Listing, listing_id) if book is not None else None
    if book is None or listing is None or book.school_id != school_id:
        raise NotFound(_l("旧书角没有这本书。"))
    return listing


def take_book(*, session: Session, taker: User, school_id: int, listing_id: int) -> Reservation:
    """Spend one credit and reserve the book through the normal trade flow."""
    corner = access(session=session, school_id=school_id, user=taker)
    listing = corner_listing(session=session, school_id=school_id, listing_id=listing_id)
    if listing.owner_id == taker.id:
        raise BookError(_l("这是您自己送来的书。"))
    book = session.get(CornerBook, listing_id)
    if listing.status != Status.ACTIVE or book is None or book.handed_out_at is not None:
        raise BookError(_l("这本书已被领走或已下架。"))
    if _lock_member(session, school_id, taker.id or 0) is None and not corner.coordinator:
        raise BookError(_l("请先用班级加入码加入本校旧书角。"))
    if balance(session=session, school_id=school_id, user_id=taker.id or 0) < 1:
        session.rollback()
        raise NoCredit(_l("交换积分不足：领一本书需要1分。送一本书到旧书角就能得到1分。"))
    session.add(
        CreditMove(
            school_id=school_id,
            user_id=taker.id or 0,
            delta=-1,
            kind="take",
            listing_id=listing_id,
            reason="",
            recorded_by=taker.id,
        )
    )
    session.info[TAKING] = (listing_id, taker.id)
    try:
        return trades.reserve_listing(session=session, listing_id=listing_id, buyer=taker)
    finally:
        session.info.pop(TAKING, None)


def _give_credit(session: Session, book: CornerBook, listing: Listing, **extra: Any) -> None:
    already = session.exec(
        select(CreditMove.id).where(CreditMove.listing_id == listing.id, CreditMove.kind == "give")
    ).first()
    if already is None:
        session.add(
            CreditMove(
                school_id=book.school_id,
                user_id=listing.owner_id,
                delta=1,
                kind="give",
                listing_id=listing.id,
                **extra,
            )
        )


def hand_in(*, session: Session, coordinator: User, school_id: int, listing_id: int) -> CornerBook:
    """The coordinator has the book at the corner: its giver earns one credit (once)."""
    access(session=session, school_id=school_id, user=coordinator, coordinator=True)
    listing = corner_listing(session=session, school_id=school_id, listing_id=listing_id)
    book = session.get(CornerBook, listing_id, with_for_update=True)
    if book is None:
        raise NotFound(_l("旧书角没有这本书。"))
    if listing.status not in (Status.ACTIVE, Status.RESERVED):
        raise BookError(_l("这本书已不在架上。"))
    if book.handed_in_at is None:
        book.handed_in_at, book.handed_in_by = utcnow(), coordinator.id
        session.add(book)
        _give_credit(session, book, listing, recorded_by=coordinator.id, reason="")
    session.commit()
    return book


def hand_out(
    *, session: Session, coordinator: User, school_id: int, listing_id: int
) -> Reservation:
    """The taker collects a handed-in book at the corner: the coordinator confirms the handover
    for both sides (the giver left the book with the corner; the taker is at the desk)."""
    access(session=session, school_id=school_id, user=coordinator, coordinator=True)
    listing = corner_listing(session=session, school_id=school_id, listing_id=listing_id)
    book = session.get(CornerBook, listing_id)
    if book is None or book.handed_in_at is None:
        raise BookError(_l("这本书还没有交到旧书角，请让送书和领书的同学自己当面交接。"))
    reservation = session.exec(
        select(Reservation).where(
            Reservation.listing_id == listing.id,
            Reservation.status == ReservationStatus.OPEN.value,
        )
    ).first()
    if reservation is None:
        raise BookError(_l("这本书还没有人领取。"))
    book.handed_out_at, book.handed_out_by = utcnow(), coordinator.id
    session.add(book)
    for side in (reservation.seller_id, reservation.buyer_id):
        party = session.get(User, side)
        assert party is not None
        reservation = trades.confirm_handover(
            session=session, reservation_id=reservation.id or 0, user=party
        )
    return reservation


def grant(
    *,
    session: Session,
    coordinator: User,
    school_id: int,
    user_id: int,
    amount: int,
    reason: str,
) -> CreditMove:
    """A coordinator's grant (or correction, when negative) with its reason."""
    access(session=session, school_id=school_id, user=coordinator, coordinator=True)
    text = " ".join(reason.split())
    if not text or len(text) > 200:
        raise BookError(_l("请写明原因（最多200个字符）。"), field="reason")
    if amount == 0 or abs(amount) > GRANT_LIMIT:
        raise BookError(
            _l("积分数需在 -%(n)d 到 %(n)d 之间且不为 0。", n=GRANT_LIMIT), field="amount"
        )
    if _lock_member(session, school_id, user_id) is None:
        raise BookError(_l("这个人不是本校旧书角的成员。"), field="user_id")
    if balance(session=session, school_id=school_id, user_id=user_id) + amount < 0:
        session.rollback()
        raise BookError(_l("扣减后积分会小于0。"), field="amount")
    move = CreditMove(
        school_id=school_id,
        user_id=user_id,
        delta=amount,
        kind="grant",
        reason=text,
        recorded_by=coordinator.id,
    )
    session.add(move)
    session.commit()
    return move


# The normal trade flow (market/trades) knows nothing of credits; these hooks (registered as a
# listing participant in market.books.listing) keep the two in step from its reservations and
# outbox events, in the same transaction as the trade step.


def _school_of_listing(session: Session, listing_id: int | None) -> tuple[Listing, int] | None:
    """A corner book's listing and school; None for every other listing (even at school:ID)."""
    listing = session.get(Listing, listing_id) if listing_id else None
    if listing is None or not listing.venue.startswith("school:"):
        return None
    book = session.get(CornerBook, listing.id)
    return None if book is None else (listing, book.school_id)


def _on_reservation(session: Session, reservation: Reservation) -> None:
    found = _school_of_listing(session, reservation.listing_id)
    if found and session.info.get(TAKING) != (reservation.listing_id, reservation.buyer_id):
        raise NotThroughCorner(_l("旧书角的书请在学校旧书角页面用交换积分领取。"))


def _on_event(session: Session, event: DomainEvent) -> None:
    payload = event.payload or {}
    found = _school_of_listing(session, payload.get("listing_id"))
    if found is None:
        return
    listing, school_id = found
    if event.kind == EventKind.TRADE_COMPLETED.value:
        book = session.get(CornerBook, listing.id)
        if book is not None:
            _give_credit(session, book, listing, reservation_id=event.reservation_id, reason="")
    elif event.kind == EventKind.CANCELLATION.value and event.reservation_id:
        reservation = session.get(Reservation, event.reservation_id)
        if reservation is None:
            return
        spent = session.exec(
            select(func.coalesce(func.sum(CreditMove.delta), 0)).where(
                CreditMove.listing_id == listing.id,
                CreditMove.user_id == reservation.buyer_id,
                col(CreditMove.kind).in_(("take", "refund")),
            )
        ).one()
        if spent < 0:
            session.add(
                CreditMove(
                    school_id=school_id,
                    user_id=reservation.buyer_id,
                    delta=1,
                    kind="refund",
                    listing_id=listing.id,
                    reservation_id=reservation.id,
                    reason="",
                )
            )


def on_reserved(session: Session, _listing: Listing, reservation: Reservation) -> None:
    with session.no_autoflush:
        _on_reservation(session, reservation)


def on_recorded(session: Session, event: DomainEvent) -> None:
    with session.no_autoflush:
        _on_event(session, event)
