"""Price a consignment agreement: the shop's split, markdowns, the term and payouts.

Pure functions over frozen dataclasses; no Flask request and no database. Money is integer
fen, rates are integer basis points (10,000 bp = 100 %), instants are UTC-aware datetimes.
A shop works on China Standard Time (Asia/Shanghai, no daylight saving): a markdown or an
expiry takes effect at 00:00 there, on the intake's local date plus a number of days.
Constructing an agreement validates it, so every `Agreement` that exists is a valid one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from flask_babel import lazy_gettext as _l

from market import clock
from market.consignment.errors import ConsignmentError

FULL_BP = 10_000  # 100 %
PRICE_MAX_FEN = 100_000_000  # ¥1,000,000, the same ceiling as market.listings.models
TERM_MAX_DAYS = 365  # a longer term is a typo at the counter, not a consignment


class EndAction(StrEnum):
    RETURN = "return"
    DONATE = "donate"
    SHOP_STOCK = "shop_stock"

    @property
    def label(self) -> str:
        return str(END_ACTION_LABELS[self])


END_ACTION_LABELS = {
    EndAction.RETURN: _l("退还寄卖人"),
    EndAction.DONATE: _l("捐赠"),
    EndAction.SHOP_STOCK: _l("转为本店库存"),
}


class RateSource(StrEnum):
    """Which rule set the shop's rate, for the receipt to say why."""

    CONSIGNOR = "consignor"
    CATEGORY = "category"
    PRICE_TIER = "price_tier"
    DEFAULT = "default"


class Status(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"


# ---- the split -------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceTier:
    """Rate for a sale price up to `up_to_fen` inclusive; None means no upper bound."""

    up_to_fen: int | None
    rate_bp: int


@dataclass(frozen=True)
class CategoryRate:
    """Rate for a category and everything under it: "电子产品" covers "电子产品/手机"."""

    prefix: str
    rate_bp: int


@dataclass(frozen=True)
class ConsignorRate:
    consignor_id: int
    rate_bp: int


@dataclass(frozen=True)
class SplitPolicy:
    """A shop's rules for its share of a sale.

    The first rule that applies wins: the consignor's own rate, then the most specific
    category prefix, then the first price tier the sale price falls in (the tier's rate
    applies to the whole price, not marginally), then the default.
    """

    default_bp: int
    tiers: tuple[PriceTier, ...] = ()
    categories: tuple[CategoryRate, ...] = ()
    consignors: tuple[ConsignorRate, ...] = ()

    def __post_init__(self) -> None:
        rates = [self.default_bp] + [r.rate_bp for r in self.tiers + self.categories]
        rates += [r.rate_bp for r in self.consignors]
        if any(not 0 <= rate <= FULL_BP for rate in rates):
            raise ConsignmentError(_l("分成比例须在 0% 到 100% 之间。"), field="split")
        bounds = [t.up_to_fen for t in self.tiers]
        if bounds and bounds[-1] is None:
            bounds.pop()
        finite = [b for b in bounds if b is not None]
        if any(b > PRICE_MAX_FEN for b in finite):
            raise ConsignmentError(_l("价格档位的上限不能超过 1,000,000 元。"), field="split")
        if len(finite) != len(bounds) or any(b <= a for a, b in pairwise([0, *finite])):
            raise ConsignmentError(
                _l("价格档位的上限须大于 0 并逐档递增，只有最后一档可以不设上限。"),
                field="split",
            )
        prefixes = [c.prefix.strip("/") for c in self.categories]
        if any(not p for p in prefixes) or len(set(prefixes)) != len(prefixes):
            raise ConsignmentError(_l("分类分成的分类须填写，且不能重复。"), field="split")
        ids = [c.consignor_id for c in self.consignors]
        if len(set(ids)) != len(ids):
            raise ConsignmentError(_l("每位寄卖人只能有一个专属分成。"), field="split")


@dataclass(frozen=True)
class Split:
    """A sale divided to the fen: `shop_fen + consignor_fen == price_fen` always."""

    price_fen: int
    rate_bp: int
    source: RateSource
    shop_fen: int
    consignor_fen: int


def shop_rate(
    policy: SplitPolicy, *, price_fen: int, category: str, consignor_id: int
) -> tuple[int, RateSource]:
    """The shop's rate for this sale and the rule it came from (order in SplitPolicy)."""
    for own in policy.consignors:
        if own.consignor_id == consignor_id:
            return own.rate_bp, RateSource.CONSIGNOR
    covering = [
        c for c in policy.categories if f"{category}/".startswith(f"{c.prefix.strip('/')}/")
    ]
    if covering:
        best = max(covering, key=lambda c: len(c.prefix.strip("/")))
        return best.rate_bp, RateSource.CATEGORY
    for tier in policy.tiers:
        if tier.up_to_fen is None or price_fen <= tier.up_to_fen:
            return tier.rate_bp, RateSource.PRICE_TIER
    return policy.default_bp, RateSource.DEFAULT


def split_sale(policy: SplitPolicy, *, price_fen: int, category: str, consignor_id: int) -> Split:
    """Divide a sale price: the shop's share rounds down to the fen, the consignor gets the rest.

    Rounding down means the shop never takes more than its stated percentage.
    """
    _check_fen(price_fen, "price_fen")
    rate, source = shop_rate(
        policy, price_fen=price_fen, category=category, consignor_id=consignor_id
    )
    shop = price_fen * rate // FULL_BP
    return Split(price_fen, rate, source, shop, price_fen - shop)


# ---- markdowns ------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkdownStep:
    """From `day` days after intake on, the price is `percent_bp` of the list price."""

    day: int
    percent_bp: int


@dataclass(frozen=True)
class MarkdownSchedule:
    """Markdown steps, a do-not-discount flag, and an optional floor price.

    Steps start at day 0 with 100 %, days strictly increase, percentages (1-100 %) never
    rise. A marked-down price rounds down to the whole yuan, since shops price in whole yuan,
    but not below ¥1 unless the list price is lower; it never goes below the floor.
    """

    steps: tuple[MarkdownStep, ...] = (MarkdownStep(0, FULL_BP),)
    do_not_discount: bool = False
    floor_fen: int | None = None

    def __post_init__(self) -> None:
        if not self.steps or self.steps[0] != MarkdownStep(0, FULL_BP):
            raise ConsignmentError(_l("降价计划须从第 0 天、原价 100% 开始。"), field="steps")
        if any(not 100 <= s.percent_bp <= FULL_BP for s in self.steps):
            raise ConsignmentError(_l("每一步的价格比例须在 1% 到 100% 之间。"), field="steps")
        for n, (before, step) in enumerate(pairwise(self.steps), start=2):
            if step.day <= before.day:
                raise ConsignmentError(
                    _l("降价天数须逐步增加：第 %(n)d 步不晚于上一步。", n=n), field="steps"
                )
            if step.percent_bp > before.percent_bp:
                raise ConsignmentError(
                    _l("降价比例不能回升：第 %(n)d 步高于上一步。", n=n), field="steps"
                )


@dataclass(frozen=True)
class NextMarkdown:
    on: date  # the shop's calendar day
    at: datetime  # 00:00 that day in Asia/Shanghai, as UTC
    price_fen: int


# ---- the agreement --------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    """What the consignor and the shop sign for one item at intake."""

    list_price_fen: int
    intake_at: datetime
    term_days: int
    end_action: EndAction
    split: SplitPolicy
    category: str
    consignor_id: int
    markdown: MarkdownSchedule = field(default_factory=MarkdownSchedule)

    def __post_init__(self) -> None:
        _check_aware(self.intake_at, "intake_at")
        _check_fen(self.list_price_fen, "list_price_fen")
        if not 0 < self.list_price_fen <= PRICE_MAX_FEN:
            raise ConsignmentError(_l("寄卖价格须大于 0，且不超过 1,000,000 元。"), field="price")
        floor = self.markdown.floor_fen
        if floor is not None:
            _check_fen(floor, "floor_fen")
        if floor is not None and not 0 < floor <= self.list_price_fen:
            raise ConsignmentError(_l("最低价须大于 0，且不高于寄卖价格。"), field="floor")
        if not 0 < self.term_days <= TERM_MAX_DAYS:
            raise ConsignmentError(
                _l("寄卖期须为 1 到 %(n)d 天。", n=TERM_MAX_DAYS), field="term_days"
            )
        last = self.markdown.steps[-1].day
        if self.term_days <= last:
            raise ConsignmentError(
                _l("寄卖期须长于最后一次降价的天数（第 %(day)d 天）。", day=last),
                field="term_days",
            )
        if self.end_action not in {a.value for a in EndAction}:
            raise ConsignmentError(_l("请选择到期后的处理方式。"), field="end_action")
        object.__setattr__(self, "end_action", EndAction(self.end_action))


def shop_day(when: datetime) -> date:
    """The calendar day in the shop at an instant."""
    _check_aware(when, "when")
    return clock.china_day(when)


def day_start(day: date) -> datetime:
    """00:00 of a shop's calendar day, as a UTC instant."""
    return clock.day_start(day)


def _day_index(agreement: Agreement, when: datetime) -> int:
    return (shop_day(when) - shop_day(agreement.intake_at)).days


def _price_for(agreement: Agreement, percent_bp: int) -> int:
    listed = agreement.list_price_fen
    if agreement.markdown.do_not_discount or percent_bp == FULL_BP:
        return listed
    whole_yuan = listed * percent_bp // (FULL_BP * 100) * 100
    price = min(listed, max(100, whole_yuan))
    return max(price, agreement.markdown.floor_fen or 0)


def price_at(agreement: Agreement, when: datetime) -> int:
    """The price at an instant: the last step begun by then, so a missed run changes nothing."""
    index = _day_index(agreement, when)
    percent = FULL_BP
    for step in agreement.markdown.steps:
        if step.day <= index:
            percent = step.percent_bp
    return _price_for(agreement, percent)


def next_markdown(agreement: Agreement, when: datetime) -> NextMarkdown | None:
    """The next step after `when` that lowers the price; None if none is left."""
    if agreement.markdown.do_not_discount:
        return None
    index, current = _day_index(agreement, when), price_at(agreement, when)
    for step in agreement.markdown.steps:
        price = _price_for(agreement, step.percent_bp)
        if step.day > index and price < current:
            on = shop_day(agreement.intake_at) + timedelta(days=step.day)
            return NextMarkdown(on=on, at=day_start(on), price_fen=price)
    return None


def sale_split(agreement: Agreement, price_fen: int) -> Split:
    """Divide a sale of this agreement's item with the shop's rules it was signed under."""
    return split_sale(
        agreement.split,
        price_fen=price_fen,
        category=agreement.category,
        consignor_id=agreement.consignor_id,
    )


# ---- the term -------------------------------------------------------------------------


@dataclass(frozen=True)
class TermState:
    """Active or expired; `end_action` is set only once it is due."""

    status: Status
    expires_at: datetime
    days_left: int
    end_action: EndAction | None


def last_day(agreement: Agreement) -> date:
    """The last calendar day the item is on sale: the intake day counts as day 1 of the term."""
    return shop_day(agreement.intake_at) + timedelta(days=agreement.term_days - 1)


def expires_at(agreement: Agreement) -> datetime:
    """00:00 (Asia/Shanghai) on the day after the last day, as UTC."""
    return day_start(last_day(agreement) + timedelta(days=1))


def state_at(agreement: Agreement, when: datetime) -> TermState:
    """Whether the term has run out at `when`; a sale ends an agreement before this matters."""
    _check_aware(when, "when")
    end = expires_at(agreement)
    if when >= end:
        return TermState(Status.EXPIRED, end, 0, agreement.end_action)
    return TermState(Status.ACTIVE, end, (last_day(agreement) - shop_day(when)).days + 1, None)


# ---- payouts --------------------------------------------------------------------------


def payable_now(balance_fen: int, *, minimum_fen: int) -> int:
    """The whole balance once it reaches the shop's minimum payout, else nothing."""
    _check_fen(balance_fen, "balance_fen", negative=True)
    _check_fen(minimum_fen, "minimum_fen")
    return balance_fen if balance_fen >= minimum_fen else 0


def _check_fen(value: object, name: str, *, negative: bool = False) -> None:
    # Money is integer fen: a float here is a bug upstream, not a price to round.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int of fen, not {type(value).__name__}")
    if value < 0 and not negative:
        raise ValueError(f"{name} must not be negative")


def _check_aware(when: datetime, name: str) -> None:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
