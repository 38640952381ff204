"""Consignors' balances, payouts, statements, and the staff's view of the day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, func, select

from market.accounts.models import User
from market.consignment import terms
from market.consignment.errors import ConsignmentError
from market.consignment.models import (
    ConsignmentItem,
    ConsignmentPayout,
    ConsignmentSale,
    Consignor,
    ItemStatus,
)
from market.consignment.services import consignor_for_staff, profile_of, shop_of
from market.db import utcnow
from market.listings.models import Listing
from market.money import format_fen

METHODS = ("cash", "transfer")
REFERENCE_MAX = 60
NEAR_EXPIRY = timedelta(days=7)


def consignors_of(*, session: Session, organization_id: int) -> list[Consignor]:
    """A shop's consignors, the first registered first."""
    return list(
        session.exec(
            select(Consignor)
            .where(Consignor.organization_id == organization_id)
            .order_by(col(Consignor.id))
        )
    )


def balance_of(*, session: Session, consignor_id: int) -> int:
    """What the shop owes the consignor: their shares of sales less what was paid out."""
    earned = session.exec(
        select(func.coalesce(func.sum(ConsignmentSale.consignor_fen), 0)).where(
            ConsignmentSale.consignor_id == consignor_id
        )
    ).one()
    paid = session.exec(
        select(func.coalesce(func.sum(ConsignmentPayout.amount_fen), 0)).where(
            ConsignmentPayout.consignor_id == consignor_id
        )
    ).one()
    return int(earned) - int(paid)


def pay_out(
    *, session: Session, staff: User, consignor_id: int, method: str, reference: str
) -> ConsignmentPayout:
    """Pay the consignor's whole balance, once it reaches the shop's minimum payout."""
    consignor = consignor_for_staff(session=session, user=staff, consignor_id=consignor_id)
    session.refresh(consignor, with_for_update=True)  # two counters can't pay the same balance
    if method not in METHODS:
        raise ConsignmentError(_l("请选择付款方式。"), field="method")
    ref = " ".join(reference.split())
    if method == "transfer" and not ref:
        raise ConsignmentError(_l("转账请填写转账流水号。"), field="reference")
    if len(ref) > REFERENCE_MAX:
        raise ConsignmentError(_l("流水号最多%(n)d个字符。", n=REFERENCE_MAX), field="reference")
    balance = balance_of(session=session, consignor_id=consignor.id or 0)
    minimum = profile_of(session=session, org_id=consignor.organization_id).minimum_payout_fen
    amount = terms.payable_now(max(balance, 0), minimum_fen=minimum)
    if amount <= 0:
        session.rollback()
        raise ConsignmentError(
            _l("余额未达到本店最低结算金额 ¥%(min)s。", min=format_fen(minimum)),
            field="method",
        )
    payout = ConsignmentPayout(
        organization_id=consignor.organization_id,
        consignor_id=consignor.id or 0,
        amount_fen=amount,
        method=method,
        reference=ref,
        paid_by=staff.id or 0,
    )
    session.add(payout)
    session.commit()
    return payout


@dataclass
class Statement:
    consignor: Consignor
    items: list[tuple[ConsignmentItem, Listing]]
    sales: list[ConsignmentSale]
    payouts: list[ConsignmentPayout]
    earned_fen: int
    shop_fen: int
    paid_fen: int
    balance_fen: int
    minimum_fen: int


def statement(*, session: Session, consignor: Consignor) -> Statement:
    items = list(
        session.exec(
            select(ConsignmentItem, Listing)
            .join(Listing, col(Listing.id) == ConsignmentItem.listing_id)
            .where(ConsignmentItem.consignor_id == consignor.id)
            .order_by(col(ConsignmentItem.id))
        ).all()
    )
    sales = list(
        session.exec(
            select(ConsignmentSale)
            .where(ConsignmentSale.consignor_id == consignor.id)
            .order_by(col(ConsignmentSale.sold_at))
        )
    )
    payouts = list(
        session.exec(
            select(ConsignmentPayout)
            .where(ConsignmentPayout.consignor_id == consignor.id)
            .order_by(col(ConsignmentPayout.paid_at))
        )
    )
    earned = sum(s.consignor_fen for s in sales)
    paid = sum(p.amount_fen for p in payouts)
    house = profile_of(session=session, org_id=consignor.organization_id)
    return Statement(
        consignor=consignor,
        items=[(i, lst) for i, lst in items],
        sales=sales,
        payouts=payouts,
        earned_fen=earned,
        shop_fen=sum(s.shop_fen for s in sales),
        paid_fen=paid,
        balance_fen=earned - paid,
        minimum_fen=house.minimum_payout_fen,
    )


# ---- the staff's day ----------------------------------------------------------------------


@dataclass
class Dashboard:
    intake_today: list[ConsignmentItem]
    near_expiry: list[ConsignmentItem]
    to_return: list[ConsignmentItem]
    sales_today: list[ConsignmentSale]
    payouts_due: list[tuple[Consignor, int]]
    titles: dict[int, str]


def dashboard(*, session: Session, staff: User, now: datetime | None = None) -> Dashboard:
    shop = shop_of(session=session, user=staff)
    when = now or utcnow()
    start = terms.day_start(terms.shop_day(when))
    items = ConsignmentItem
    mine = items.organization_id == shop.id
    intake_today = list(
        session.exec(
            select(items).where(mine, col(items.intake_at) >= start).order_by(col(items.id).desc())
        )
    )
    near = list(
        session.exec(
            select(items)
            .where(
                mine,
                items.status == ItemStatus.ON_SALE.value,
                col(items.expires_at) <= when + NEAR_EXPIRY,
            )
            .order_by(col(items.expires_at))
        )
    )
    to_return = list(
        session.exec(select(items).where(mine, items.status == ItemStatus.TO_RETURN.value))
    )
    # A term that ended since the tick shows as ended here already (the tick stores it).
    ended = [i for i in near if i.expires_at <= when]
    near = [i for i in near if i.expires_at > when]
    to_return += [i for i in ended if i.end_action == terms.EndAction.RETURN.value]
    sales = list(
        session.exec(
            select(ConsignmentSale)
            .where(
                ConsignmentSale.organization_id == shop.id, col(ConsignmentSale.sold_at) >= start
            )
            .order_by(col(ConsignmentSale.sold_at).desc())
        )
    )
    minimum = profile_of(session=session, org_id=shop.id or 0).minimum_payout_fen
    due = []
    for consignor in session.exec(select(Consignor).where(Consignor.organization_id == shop.id)):
        balance = balance_of(session=session, consignor_id=consignor.id or 0)
        if balance > 0 and terms.payable_now(balance, minimum_fen=minimum):
            due.append((consignor, balance))
    ids = {i.id or 0 for i in [*intake_today, *near, *to_return]} | {s.item_id for s in sales}
    return Dashboard(intake_today, near, to_return, sales, due, titles_of(session, ids))


def titles_of(session: Session, item_ids: set[int]) -> dict[int, str]:
    """The listing title of each item, by item id, in one query."""
    if not item_ids:
        return {}
    rows = session.exec(
        select(ConsignmentItem.id, Listing.title)
        .join(Listing, col(Listing.id) == ConsignmentItem.listing_id)
        .where(col(ConsignmentItem.id).in_(item_ids))
    ).all()
    return {int(item_id or 0): title for item_id, title in rows}
