"""The trade flow: reserve, message, meet, confirm, complete, rate; cancel or dispute."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from market.accounts.models import User
from market.db import utcnow
from market.listings.catalog import Mode, Status
from market.listings.models import Listing
from market.listings.participants import participants_of
from market.trades.errors import AlreadyReserved, InvalidTransition, NotFound, NotOwner, TradeError
from market.trades.events import EventKind, emit
from market.trades.models import Message, Rating, Reservation, ReservationStatus

OPEN_STATES = (ReservationStatus.OPEN.value, ReservationStatus.RENTING.value)
MESSAGE_MAX = 1000


def reserve_listing(*, session: Session, listing_id: int, buyer: User) -> Reservation:
    """Reserve an active listing for `buyer`; exactly one of any number of racers wins.

    The conditional UPDATE is the arbiter: on PostgreSQL the second writer waits for the
    row lock and then finds the status changed; on SQLite writers queue on BEGIN IMMEDIATE.
    The partial unique index on open reservations backs it up.
    """
    listing = session.get(Listing, listing_id)
    if listing is None or listing.status == Status.DRAFT:
        raise NotFound(_l("物品不存在。"))
    if listing.owner_id == buyer.id:
        raise TradeError(_l("不能预订自己发布的物品。"))
    participants_of(session).before_reserve(session, listing)  # a consigned item's price of today
    claimed = session.execute(
        sa.update(Listing)
        .where(
            col(Listing.id) == listing_id,
            col(Listing.status) == Status.ACTIVE.value,
            or_(col(Listing.expires_at).is_(None), col(Listing.expires_at) > utcnow()),
        )
        .values(status=Status.RESERVED.value, updated_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise AlreadyReserved(_l("手慢了，这件物品已被预订或已下架。"))
    reservation = Reservation(
        listing_id=listing_id,
        buyer_id=buyer.id or 0,
        seller_id=listing.owner_id,
        price_fen=listing.price_fen,
        deposit_fen=listing.deposit_fen,
    )
    try:
        participants_of(session).on_reserved(session, listing, reservation)
    except Exception:
        session.rollback()  # the claim above is undone, as when nothing was reserved
        raise
    session.add(reservation)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise AlreadyReserved(_l("手慢了，这件物品已被预订或已下架。")) from exc
    return reservation


def get_reservation(*, session: Session, reservation_id: int, user: User) -> Reservation:
    """The reservation, if `user` is its buyer or seller."""
    reservation = session.get(Reservation, reservation_id)
    if reservation is None:
        raise NotFound(_l("预订不存在。"))
    if user.id not in (reservation.buyer_id, reservation.seller_id):
        raise NotOwner(_l("只有买卖双方可以查看此预订。"))
    return reservation


def _lock(*, session: Session, reservation_id: int, user: User) -> Reservation:
    reservation = get_reservation(session=session, reservation_id=reservation_id, user=user)
    session.refresh(reservation, with_for_update=True)
    return reservation


def other_party(reservation: Reservation, user: User) -> int:
    return reservation.seller_id if user.id == reservation.buyer_id else reservation.buyer_id


def send_message(*, session: Session, reservation_id: int, sender: User, body: str) -> Message:
    reservation = get_reservation(session=session, reservation_id=reservation_id, user=sender)
    text = body.strip()
    if not text:
        raise TradeError(_l("消息不能为空。"), field="body")
    if len(text) > MESSAGE_MAX:
        raise TradeError(_l("消息最多%(n)d个字符。", n=MESSAGE_MAX), field="body")
    if reservation.status == ReservationStatus.CANCELLED:
        raise InvalidTransition(_l("预订已取消，不能再发送消息。"))
    message = Message(
        reservation_id=reservation_id,
        sender_id=sender.id or 0,
        recipient_id=other_party(reservation, sender),
        body=text,
    )
    session.add(message)
    session.commit()
    return message


def messages_of(*, session: Session, reservation: Reservation, reader: User) -> list[Message]:
    """The conversation, marking what `reader` received as read."""
    session.execute(
        sa.update(Message)
        .where(
            col(Message.reservation_id) == reservation.id,
            col(Message.recipient_id) == reader.id,
            col(Message.read_at).is_(None),
        )
        .values(read_at=utcnow())
    )
    session.commit()
    query = select(Message).where(Message.reservation_id == reservation.id)
    return list(session.exec(query.order_by(col(Message.created_at), col(Message.id))))


def unread_count(*, session: Session, user: User) -> int:
    return session.exec(
        select(func.count())
        .select_from(Message)
        .where(Message.recipient_id == user.id, col(Message.read_at).is_(None))
    ).one()


def set_meeting(
    *, session: Session, reservation_id: int, user: User, meet_time: str, meet_place: str
) -> Reservation:
    reservation = _lock(session=session, reservation_id=reservation_id, user=user)
    if reservation.status != ReservationStatus.OPEN:
        raise InvalidTransition(_l("当前状态下不能修改约定。"))
    time_text, place_text = meet_time.strip(), meet_place.strip()
    if not time_text or len(time_text) > 40:
        raise TradeError(_l("请填写见面时间（最多40个字符）。"), field="meet_time")
    if not place_text or len(place_text) > 100:
        raise TradeError(_l("请填写见面地点（最多100个字符）。"), field="meet_place")
    reservation.meet_time, reservation.meet_place = time_text, place_text
    session.add(reservation)
    session.commit()
    return reservation


def cancel_reservation(
    *, session: Session, reservation_id: int, user: User, reason: str
) -> Reservation:
    """Either side cancels before completion; the listing goes back on the market."""
    reservation = _lock(session=session, reservation_id=reservation_id, user=user)
    if reservation.status != ReservationStatus.OPEN:
        raise InvalidTransition(_l("只有进行中的预订可以取消。"))
    text = reason.strip()
    if not text or len(text) > 200:
        raise TradeError(_l("请填写取消原因（最多200个字符）。"), field="reason")
    reservation.status = ReservationStatus.CANCELLED.value
    reservation.cancelled_at, reservation.cancelled_by = utcnow(), user.id
    reservation.cancel_reason = text
    listing = session.get(Listing, reservation.listing_id, with_for_update=True)
    assert listing is not None
    listing.status, listing.updated_at = Status.ACTIVE.value, utcnow()
    emit(
        session=session,
        kind=EventKind.CANCELLATION,
        subject_user_id=user.id or 0,
        counterparty_user_id=other_party(reservation, user),
        reservation_id=reservation.id,
        listing_id=listing.id,
        by="buyer" if user.id == reservation.buyer_id else "seller",
        reason=text,
    )
    session.commit()
    return reservation


def confirm_handover(*, session: Session, reservation_id: int, user: User) -> Reservation:
    """Record one side's confirmation; when both have confirmed the trade completes.

    A rental instead starts: it completes when the seller confirms the return.
    """
    reservation = _lock(session=session, reservation_id=reservation_id, user=user)
    if reservation.status != ReservationStatus.OPEN:
        raise InvalidTransition(_l("当前状态下不能确认交接。"))
    now = utcnow()
    if user.id == reservation.buyer_id:
        reservation.buyer_confirmed_at = reservation.buyer_confirmed_at or now
    else:
        reservation.seller_confirmed_at = reservation.seller_confirmed_at or now
    if reservation.buyer_confirmed_at and reservation.seller_confirmed_at:
        listing = session.get(Listing, reservation.listing_id, with_for_update=True)
        assert listing is not None
        if listing.mode == Mode.RENT:
            reservation.status = ReservationStatus.RENTING.value
            reservation.rental_start = now
        else:
            _complete(session=session, reservation=reservation, listing=listing)
    session.add(reservation)
    session.commit()
    return reservation


def confirm_return(
    *, session: Session, reservation_id: int, user: User, deposit_returned_fen: int
) -> Reservation:
    """The seller takes a rented item back and records the deposit returned."""
    reservation = _lock(session=session, reservation_id=reservation_id, user=user)
    if user.id != reservation.seller_id:
        raise NotOwner(_l("只有出租方可以确认归还。"))
    if reservation.status != ReservationStatus.RENTING:
        raise InvalidTransition(_l("这不是进行中的租赁。"))
    if not 0 <= deposit_returned_fen <= reservation.deposit_fen:
        raise TradeError(_l("退还押金不能超过所收押金。"), field="deposit_returned")
    reservation.rental_end = utcnow()
    reservation.deposit_returned_fen = deposit_returned_fen
    listing = session.get(Listing, reservation.listing_id, with_for_update=True)
    assert listing is not None
    _complete(session=session, reservation=reservation, listing=listing)
    listing.status = Status.ACTIVE.value  # a rental item goes back on offer
    session.add(reservation)
    session.commit()
    return reservation


def _complete(*, session: Session, reservation: Reservation, listing: Listing) -> None:
    reservation.status = ReservationStatus.COMPLETED.value
    reservation.completed_at = utcnow()
    listing.status, listing.updated_at = Status.COMPLETED.value, utcnow()
    participants_of(session).on_trade_completed(session, listing, reservation)
    emit(
        session=session,
        kind=EventKind.TRADE_COMPLETED,
        subject_user_id=reservation.seller_id,
        counterparty_user_id=reservation.buyer_id,
        reservation_id=reservation.id,
        listing_id=listing.id,
        mode=listing.mode,
        category=listing.category,
        venue=listing.venue,
        price_fen=reservation.price_fen,
    )


def rate(*, session: Session, reservation_id: int, rater: User, stars: int, comment: str) -> Rating:
    """Rate the other side of a completed trade, once."""
    reservation = get_reservation(session=session, reservation_id=reservation_id, user=rater)
    if reservation.status != ReservationStatus.COMPLETED:
        raise InvalidTransition(_l("交易完成后才能评价。"))
    if not 1 <= stars <= 5:
        raise TradeError(_l("请选择1到5星。"), field="stars")
    text = comment.strip()
    if len(text) > 500:
        raise TradeError(_l("评价最多500个字符。"), field="comment")
    rating = Rating(
        reservation_id=reservation_id,
        rater_id=rater.id or 0,
        ratee_id=other_party(reservation, rater),
        stars=stars,
        comment=text,
    )
    session.add(rating)
    emit(
        session=session,
        kind=EventKind.RATING,
        subject_user_id=rating.ratee_id,
        counterparty_user_id=rater.id,
        reservation_id=reservation_id,
        stars=stars,
        rater_role="buyer" if rater.id == reservation.buyer_id else "seller",
    )
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise InvalidTransition(_l("您已经评价过这笔交易。")) from exc
    return rating


def open_dispute(*, session: Session, reservation_id: int, user: User, text: str) -> Reservation:
    """Either side disputes a trade; it goes to the regulator's queue."""
    reservation = _lock(session=session, reservation_id=reservation_id, user=user)
    if reservation.status == ReservationStatus.CANCELLED or reservation.disputed_at:
        raise InvalidTransition(_l("此预订不能再发起纠纷。"))
    body = text.strip()
    if not body or len(body) > 1000:
        raise TradeError(_l("请说明纠纷情况（最多1000个字符）。"), field="text")
    reservation.disputed_at, reservation.dispute_text = utcnow(), body
    emit(
        session=session,
        kind=EventKind.DISPUTE_OPENED,
        subject_user_id=other_party(reservation, user),
        counterparty_user_id=user.id,
        reservation_id=reservation.id,
        text=body,
    )
    session.add(reservation)
    session.commit()
    return reservation


def rating_by(*, session: Session, reservation_id: int, rater_id: int) -> Rating | None:
    """The rating this person gave in this trade, if any."""
    return session.exec(
        select(Rating).where(Rating.reservation_id == reservation_id, Rating.rater_id == rater_id)
    ).first()


def listings_by_id(*, session: Session, ids: set[int]) -> dict[int, Listing]:
    """The listings with these ids, by id."""
    if not ids:
        return {}
    rows = session.exec(select(Listing).where(col(Listing.id).in_(ids)))
    return {listing.id or 0: listing for listing in rows}


def reservations_of(*, session: Session, user: User) -> list[Reservation]:
    query = select(Reservation).where(
        or_(Reservation.buyer_id == user.id, Reservation.seller_id == user.id)
    )
    return list(session.exec(query.order_by(col(Reservation.created_at).desc())))


def ratings_summary(*, session: Session, user_id: int) -> tuple[int, float | None]:
    count, average = session.exec(
        select(func.count(), func.avg(Rating.stars)).where(Rating.ratee_id == user_id)
    ).one()
    return count, (round(float(average), 1) if average is not None else None)


def completed_trades(*, session: Session, user_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Reservation)
        .where(
            Reservation.status == ReservationStatus.COMPLETED.value,
            or_(Reservation.seller_id == user_id, Reservation.buyer_id == user_id),
        )
    ).one()


def completed_at_venue(*, session: Session, venue: str) -> int:
    """Completed trades of listings offered at `venue` (a shop, market or book corner)."""
    return session.exec(
        select(func.count())
        .select_from(Reservation)
        .join(Listing, col(Listing.id) == Reservation.listing_id)
        .where(Reservation.status == ReservationStatus.COMPLETED.value, Listing.venue == venue)
    ).one()
