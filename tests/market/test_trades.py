from __future__ import annotations

import threading
from collections import Counter

import pytest
from flask import Flask
from sqlmodel import Session, select

from market.accounts.models import User
from market.db import get_engine
from market.listings.models import Listing
from market.trades import services as trades
from market.trades.errors import AlreadyReserved, InvalidTransition, NotOwner, TradeError
from market.trades.models import DomainEvent, Reservation
from tests.builders import app_session, make_listing, make_user


def _people(session: Session) -> tuple[User, User, User]:
    return make_user(session), make_user(session), make_user(session)


def test_fifty_concurrent_reservations_yield_exactly_one(app: Flask, ctx: Session) -> None:
    seller = make_user(ctx)
    buyers = [make_user(ctx) for _ in range(50)]
    listing = make_listing(ctx, seller)
    listing_id = listing.id or 0
    barrier = threading.Barrier(len(buyers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(buyer: User) -> None:
        with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
            barrier.wait()
            try:
                trades.reserve_listing(session=session, listing_id=listing_id, buyer=buyer)
                result = "won"
            except AlreadyReserved:
                result = "lost"
            except Exception as exc:  # noqa: BLE001 - any other outcome fails the test below
                result = f"error: {exc!r}"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(b,)) for b in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert Counter(outcomes) == {"won": 1, "lost": 49}
    with app_session(app) as session:
        assert len(session.exec(select(Reservation)).all()) == 1
        assert session.get(Listing, listing_id).status == "reserved"  # type: ignore[union-attr]


def test_the_seller_cannot_reserve_their_own_listing(ctx: Session) -> None:
    seller = make_user(ctx)
    listing = make_listing(ctx, seller)
    with pytest.raises(TradeError):
        trades.reserve_listing(session=ctx, listing_id=listing.id or 0, buyer=seller)


def test_a_sale_completes_when_both_confirm_and_emits_one_event(ctx: Session) -> None:
    seller, buyer, _ = _people(ctx)
    listing = make_listing(ctx, seller)
    r = trades.reserve_listing(session=ctx, listing_id=listing.id or 0, buyer=buyer)
    trades.confirm_handover(session=ctx, reservation_id=r.id or 0, user=buyer)
    assert ctx.get(Reservation, r.id).status == "open"  # type: ignore[union-attr]
    assert ctx.exec(select(DomainEvent)).all() == []
    trades.confirm_handover(session=ctx, reservation_id=r.id or 0, user=seller)
    ctx.expire_all()
    assert ctx.get(Reservation, r.id).status == "completed"  # type: ignore[union-attr]
    assert ctx.get(Listing, listing.id).status == "completed"  # type: ignore[union-attr]
    events = ctx.exec(select(DomainEvent)).all()
    assert [(e.kind, e.subject_user_id, e.counterparty_user_id) for e in events] == [
        ("trade_completed", seller.id, buyer.id)
    ]


def test_each_side_rates_once_after_completion(ctx: Session) -> None:
    seller, buyer, stranger = _people(ctx)
    listing = make_listing(ctx, seller, mode="give", price_fen=0)
    r = trades.reserve_listing(session=ctx, listing_id=listing.id or 0, buyer=buyer)
    with pytest.raises(InvalidTransition):
        trades.rate(session=ctx, reservation_id=r.id or 0, rater=buyer, stars=5, comment="")
    for user in (buyer, seller):
        trades.confirm_handover(session=ctx, reservation_id=r.id or 0, user=user)
    trades.rate(session=ctx, reservation_id=r.id or 0, rater=buyer, stars=5, comment="很好")
    trades.rate(session=ctx, reservation_id=r.id or 0, rater=seller, stars=4, comment="准时")
    with pytest.raises(InvalidTransition):
        trades.rate(session=ctx, reservation_id=r.id or 0, rater=buyer, stars=1, comment="改评")
    with pytest.raises(NotOwner):
        trades.rate(session=ctx, reservation_id=r.id or 0, rater=stranger, stars=1, comment="")
    with pytest.raises(TradeError):
        trades.rate(session=ctx, reservation_id=r.id or 0, rater=seller, stars=6, comment="")
    assert trades.ratings_summary(session=ctx, user_id=seller.id or 0) == (1, 5.0)
    kinds = [e.kind for e in ctx.exec(select(DomainEvent))]
    assert kinds == ["trade_completed", "rating", "rating"]


def test_cancelling_puts_the_listing_back_and_lets_another_reserve(ctx: Session) -> None:
    seller, buyer, other = _people(ctx)
    listing = make_listing(ctx, seller)
    r = trades.reserve_listing(session=ctx, listing_id=listing.id or 0, buyer=buyer)
    with pytest.raises(AlreadyReserved):
        trades.reserve_listing(session=ctx, listing_id=listing.id or 0, buyer=other)
    with pytest.raises(TradeError):
        trades.cancel_reservation(session=ctx, reservation_id=r.id or 0, user=buyer, reason=" ")
    trades.cancel_reservation(
        session=ctx, reservation_id=r.id or 0, user=buyer, reason="时间不合适"
    )
    second = trades.reserve_listing(session=ctx, listing_id=listing.id or 0, buyer=other)
    assert second.buyer_id == other.id
    event = ctx.exec(select(DomainEvent)).one()
    assert (event.kind, event.payload["by"], event.payload["reason"]) == (
        "cancellation",
        "buyer",
        "时间不合适",
    )


def test_a_rental_records_start_end_and_deposit_return(ctx: Session) -> None:
    seller, renter, _ = _people(ctx)
    listing = make_listing(ctx, seller, mode="rent", price_fen=1000, deposit_fen=20000)
    r = trades.reserve_listing(session=ctx, listing_id=listing.id or 0, buyer=renter)
    for user in (renter, seller):
        trades.confirm_handover(session=ctx, reservation_id=r.id or 0, user=user)
    ctx.expire_all()
    rental = ctx.get(Reservation, r.id)
    assert rental is not None and rental.status == "renting" and rental.rental_start
    with pytest.raises(NotOwner):
        trades.confirm_return(
            session=ctx, reservation_id=r.id or 0, user=renter, deposit_returned_fen=20000
        )
    with pytest.raises(TradeError):
        trades.confirm_return(
            session=ctx, reservation_id=r.id or 0, user=seller, deposit_returned_fen=30000
        )
    trades.confirm_return(
        session=ctx, reservation_id=r.id or 0, user=seller, deposit_returned_fen=20000
    )
    ctx.expire_all()
    done = ctx.get(Reservation, r.id)
    assert done is not None and done.status == "completed"
    assert done.rental_end and done.deposit_returned_fen == 20000
    assert ctx.get(Listing, listing.id).status == "active"  # type: ignore[union-attr]


def test_messages_count_as_unread_until_the_recipient_opens_them(ctx: Session) -> None:
    seller, buyer, stranger = _people(ctx)
    listing = make_listing(ctx, seller)
    r = trades.reserve_listing(session=ctx, listing_id=listing.id or 0, buyer=buyer)
    trades.send_message(
        session=ctx, reservation_id=r.id or 0, sender=buyer, body="周六下午可以吗？"
    )
    trades.send_message(session=ctx, reservation_id=r.id or 0, sender=buyer, body="在学府街")
    assert trades.unread_count(session=ctx, user=seller) == 2
    assert trades.unread_count(session=ctx, user=buyer) == 0
    with pytest.raises(NotOwner):
        trades.send_message(session=ctx, reservation_id=r.id or 0, sender=stranger, body="hi")
    with pytest.raises(TradeError):
        trades.send_message(session=ctx, reservation_id=r.id or 0, sender=buyer, body="x" * 1001)
    thread = trades.messages_of(session=ctx, reservation=r, reader=seller)
    assert [m.body for m in thread] == ["周六下午可以吗？", "在学府街"]
    assert trades.unread_count(session=ctx, user=seller) == 0


def test_a_dispute_is_emitted_against_the_other_side(ctx: Session) -> None:
    seller, buyer, _ = _people(ctx)
    listing = make_listing(ctx, seller)
    r = trades.reserve_listing(session=ctx, listing_id=listing.id or 0, buyer=buyer)
    trades.open_dispute(session=ctx, reservation_id=r.id or 0, user=buyer, text="货不对板")
    event = ctx.exec(select(DomainEvent)).one()
    assert (event.kind, event.subject_user_id, event.counterparty_user_id) == (
        "dispute_opened",
        seller.id,
        buyer.id,
    )


def test_a_listing_past_its_sixty_days_cannot_be_reserved(ctx: Session) -> None:
    from datetime import timedelta

    from market.db import utcnow

    seller, buyer, _ = _people(ctx)
    old = make_listing(ctx, seller, expires_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(AlreadyReserved):
        trades.reserve_listing(session=ctx, listing_id=old.id or 0, buyer=buyer)
