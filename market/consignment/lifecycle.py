"""Markdowns, expiries and sales of consigned items.

The agreement (market.consignment.terms) decides every price; this module makes the listing
follow it. `xunhuan consignment tick` stores what fell due; a page shows it already
(`on_read` computes it on copies and writes nothing), so a missed run never shows a stale price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from market.accounts.models import User
from market.consignment import terms
from market.consignment.errors import ItemNotForSale, ItemNotFound
from market.consignment.models import ConsignmentItem, ConsignmentSale, Consignor, ItemStatus
from market.consignment.services import agreement_of, item_for_staff, item_of_listing, shop_of
from market.db import utcnow
from market.listings import devices
from market.listings.catalog import Status
from market.listings.models import Listing
from market.listings.services import LIFETIME
from market.money import format_fen
from market.notifications import N_, notify
from market.trades.models import Reservation

SELLABLE = (ItemStatus.ON_SALE.value, ItemStatus.SHOP_STOCK.value)


@dataclass(frozen=True)
class OnRead:
    """What the listing page shows of a consigned item."""

    code: str
    listing: Listing  # as it stands now (a copy when something fell due since the tick)
    status: ItemStatus
    price_fen: int
    next_markdown_on: date | None
    next_price_fen: int | None
    last_day: date


def refresh(*, session: Session, item: ConsignmentItem, now: datetime) -> bool:
    """Bring the item and its listing to `now`: the current price, or the end action.

    Returns whether anything changed (not committed). A reserved listing keeps its price and
    waits: the trade either completes (a sale) or is cancelled (back on sale, then this runs).
    """
    listing = session.get(Listing, item.listing_id)
    if listing is None or not _bring_to(session, item, listing, now):
        return False
    session.add_all([item, listing])
    return True


def _bring_to(session: Session, item: ConsignmentItem, listing: Listing, now: datetime) -> bool:
    if item.status != ItemStatus.ON_SALE:
        return False
    if listing.status in (Status.RESERVED, Status.COMPLETED):
        return False
    agreement = agreement_of(item)
    if terms.state_at(agreement, now).status == terms.Status.EXPIRED:
        _end(item, listing, agreement, now)
        if listing.status == Status.ACTIVE and devices.refusal(session=session, listing=listing):
            listing.status = Status.DRAFT.value  # shop stock goes on sale through the wipe gate
        return True
    price = terms.price_at(agreement, now)
    if listing.status == Status.ACTIVE and listing.price_fen != price:
        listing.price_fen, listing.updated_at = price, now
        return True
    return False


def _end(
    item: ConsignmentItem, listing: Listing, agreement: terms.Agreement, now: datetime
) -> None:
    action = terms.EndAction(item.end_action)
    item.ended_at = now
    listing.updated_at = now
    if action == terms.EndAction.SHOP_STOCK:
        # The shop owns it now, at the last price of the term, on its ordinary listing life.
        item.status = ItemStatus.SHOP_STOCK.value
        last = terms.expires_at(agreement) - timedelta(microseconds=1)
        listing.price_fen = terms.price_at(agreement, last)
        listing.status, listing.expires_at = Status.ACTIVE.value, now + LIFETIME
        return
    item.status = (
        ItemStatus.TO_RETURN.value if action == terms.EndAction.RETURN else ItemStatus.DONATED.value
    )
    listing.status = Status.WITHDRAWN.value


def on_read(*, session: Session, listing: Listing) -> OnRead | None:
    """What a consigned listing shows now, markdowns and end of term included; None for others.

    What fell due since the tick is computed on copies outside the session: nothing is written.
    """
    item = item_of_listing(session=session, listing_id=listing.id or 0)
    if item is None:
        return None
    now = utcnow()
    due_item, due_listing = ConsignmentItem(**item.model_dump()), Listing(**listing.model_dump())
    if _bring_to(session, due_item, due_listing, now):
        item, listing = due_item, due_listing
    agreement = agreement_of(item)
    upcoming = terms.next_markdown(agreement, now) if item.status == ItemStatus.ON_SALE else None
    return OnRead(
        code=item.code,
        listing=listing,
        status=item.status_enum,
        price_fen=listing.price_fen,
        next_markdown_on=upcoming.on if upcoming else None,
        next_price_fen=upcoming.price_fen if upcoming else None,
        last_day=terms.last_day(agreement),
    )


def tick(
    *, session: Session, now: datetime | None = None, organization_id: int | None = None
) -> list[int]:
    """Apply every due markdown and expiry (of one shop, or all); return the changed listings."""
    when = now or utcnow()
    query = select(ConsignmentItem).where(ConsignmentItem.status == ItemStatus.ON_SALE.value)
    if organization_id is not None:
        query = query.where(ConsignmentItem.organization_id == organization_id)
    items = session.exec(query).all()
    changed = [i.listing_id for i in items if refresh(session=session, item=i, now=when)]
    session.commit()
    return changed


# ---- sales ------------------------------------------------------------------------------


def _record_sale(
    *,
    session: Session,
    item: ConsignmentItem,
    price_fen: int,
    channel: str,
    now: datetime,
    staff_id: int | None = None,
    reservation_id: int | None = None,
) -> ConsignmentSale:
    if item.status == ItemStatus.SHOP_STOCK:
        # The shop's own stock now: the whole price is the shop's.
        rate, source, shop_fen = terms.FULL_BP, "shop_stock", price_fen
    else:
        split = terms.sale_split(agreement_of(item), price_fen)
        rate, source, shop_fen = split.rate_bp, split.source.value, split.shop_fen
    sale = ConsignmentSale(
        item_id=item.id or 0,
        organization_id=item.organization_id,
        consignor_id=item.consignor_id,
        price_fen=price_fen,
        rate_bp=rate,
        rate_source=source,
        shop_fen=shop_fen,
        consignor_fen=price_fen - shop_fen,
        channel=channel,
        reservation_id=reservation_id,
        recorded_by=staff_id,
        sold_at=now,
    )
    item.status, item.ended_at = ItemStatus.SOLD.value, now
    session.add_all([sale, item])
    consignor = session.get(Consignor, item.consignor_id)
    if consignor is not None and consignor.user_id is not None and sale.consignor_fen:
        notify(
            session,
            user_id=consignor.user_id,
            message=N_("您寄卖的物品 %(code)s 已售出，您的分成 ¥%(amount)s 已计入余额。"),
            params={"code": item.code, "amount": format_fen(sale.consignor_fen)},
            link="/my/consignments",
        )
    return sale


def sell_at_counter(
    *, session: Session, staff: User, item_id: int, now: datetime | None = None
) -> ConsignmentSale:
    """Sell an item of the staff's shop at its current price, split by its agreement."""
    when = now or utcnow()
    item = item_for_staff(session=session, user=staff, item_id=item_id)
    session.refresh(item, with_for_update=True)
    refresh(session=session, item=item, now=when)
    # populate_existing: a listing already loaded in this session may be stale; the locked
    # row is the truth (an online reservation may have just taken it).
    listing = session.get(Listing, item.listing_id, with_for_update=True, populate_existing=True)
    if listing is None:
        raise ItemNotFound(_l("找不到这个寄卖编号。"))
    if listing.status == Status.RESERVED:
        session.rollback()
        raise ItemNotForSale(_l("这件物品已被线上预订，请在交易中确认交接。"))
    if item.status not in SELLABLE or listing.status != Status.ACTIVE:
        status = item.status_enum.label
        session.commit()  # keep an end action that was just applied
        raise ItemNotForSale(_l("这件物品不能出售（%(status)s）。", status=status))
    sale = _record_sale(
        session=session,
        item=item,
        price_fen=listing.price_fen,
        channel="counter",
        now=when,
        staff_id=staff.id,
    )
    listing.status, listing.updated_at = Status.COMPLETED.value, when
    session.add(listing)
    session.commit()
    return sale


def before_reservation(*, session: Session, listing: Listing) -> None:
    """Bring a consigned listing to today's price (or its end) before a reservation takes it.

    Flushed, not committed: the reservation commits it, or its refusal rolls it back and the
    next read applies it again.
    """
    item = item_of_listing(session=session, listing_id=listing.id or 0)
    if item is not None and refresh(session=session, item=item, now=utcnow()):
        session.flush()


def on_trade_completed(*, session: Session, listing: Listing, reservation: Reservation) -> None:
    """Record an online sale of a consigned item at the reserved price (caller commits).

    A consigned item that may no longer be sold (returned, donated, already sold) refuses,
    so the whole trade completion rolls back.
    """
    item = item_of_listing(session=session, listing_id=listing.id or 0)
    if item is None:
        return
    if item.status not in SELLABLE:
        raise ItemNotForSale(
            _l("这件寄卖品不能再出售（%(status)s），请联系寄卖店。", status=item.status_enum.label)
        )
    _record_sale(
        session=session,
        item=item,
        price_fen=reservation.price_fen,
        channel="online",
        now=utcnow(),
        reservation_id=reservation.id,
    )


def mark_collected(*, session: Session, staff: User, item_id: int) -> ConsignmentItem:
    """The consignor took back an item: early (its listing is withdrawn) or after the term."""
    item = item_for_staff(session=session, user=staff, item_id=item_id)
    listing = session.get(Listing, item.listing_id)
    if item.status == ItemStatus.ON_SALE and listing and listing.status == Status.ACTIVE:
        listing.status, listing.updated_at = Status.WITHDRAWN.value, utcnow()
        session.add(listing)
    elif item.status != ItemStatus.TO_RETURN:
        raise ItemNotForSale(_l("这件物品不能退还（%(status)s）。", status=item.status_enum.label))
    item.status, item.ended_at = ItemStatus.RETURNED.value, item.ended_at or utcnow()
    session.add(item)
    session.commit()
    return item


def items_of_shop(
    *, session: Session, staff: User, statuses: tuple[str, ...] | None = None
) -> list[ConsignmentItem]:
    shop = shop_of(session=session, user=staff)
    query = select(ConsignmentItem).where(ConsignmentItem.organization_id == shop.id)
    if statuses:
        query = query.where(col(ConsignmentItem.status).in_(statuses))
    return list(session.exec(query.order_by(col(ConsignmentItem.id).desc())))
