"""The pricing core of consignment agreements: splits, markdowns, the term, payouts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.clock import CHINA
from market.consignment.errors import ConsignmentError
from market.consignment.terms import (
    FULL_BP,
    PRICE_MAX_FEN,
    TERM_MAX_DAYS,
    Agreement,
    CategoryRate,
    ConsignorRate,
    EndAction,
    MarkdownSchedule,
    MarkdownStep,
    PriceTier,
    RateSource,
    SplitPolicy,
    Status,
    expires_at,
    last_day,
    next_markdown,
    payable_now,
    price_at,
    sale_split,
    shop_rate,
    split_sale,
    state_at,
)
from market.listings.errors import ListingError

# 15:00 on 1 March 2026 in the shop (07:00 UTC); day 30 starts at 00:00 on 31 March there,
# which is 16:00 UTC on 30 March; day 60 starts at 00:00 on 30 April (16:00 UTC on 29 April).
INTAKE = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
DAY30 = datetime(2026, 3, 30, 16, 0, tzinfo=UTC)
DAY60 = datetime(2026, 4, 29, 16, 0, tzinfo=UTC)
US = timedelta(microseconds=1)
STEPS = (MarkdownStep(0, 10_000), MarkdownStep(30, 8_000), MarkdownStep(60, 6_000))
SHOP_POLICY = SplitPolicy(
    default_bp=3_000,
    tiers=(PriceTier(50_000, 3_000), PriceTier(200_000, 2_500), PriceTier(None, 2_000)),
    categories=(CategoryRate("电子产品", 1_500), CategoryRate("电子产品/手机", 1_200)),
    consignors=(ConsignorRate(7, 1_000),),
)


def at_shop(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant on a day of the term, on the shop's clock (day 0 = 1 March 2026)."""
    local = datetime.combine(INTAKE.astimezone(CHINA).date(), time(hour, minute), CHINA)
    return (local + timedelta(days=day)).astimezone(UTC)


def make_agreement(**overrides: Any) -> Agreement:
    fields: dict[str, Any] = {
        "list_price_fen": 128_800,
        "intake_at": INTAKE,
        "term_days": 90,
        "end_action": EndAction.DONATE,
        "split": SplitPolicy(default_bp=2_500),
        "category": "家具",
        "consignor_id": 1,
        "markdown": MarkdownSchedule(steps=STEPS),
    }
    fields.update(overrides)
    return Agreement(**fields)


# ---- the split ------------------------------------------------------------------------


def test_a_1288_yuan_sale_at_25_percent_gives_the_shop_322_and_the_consignor_966() -> None:
    split = sale_split(make_agreement(), 128_800)
    assert (split.shop_fen, split.consignor_fen) == (32_200, 96_600)
    assert (split.rate_bp, split.source) == (2_500, RateSource.DEFAULT)


def test_the_shops_share_rounds_down_to_the_fen_and_the_consignor_gets_the_rest() -> None:
    split = split_sale(
        SplitPolicy(default_bp=2_500), price_fen=999, category="图书", consignor_id=1
    )
    assert (split.shop_fen, split.consignor_fen) == (249, 750)  # 249.75 fen for the shop


def test_price_tiers_include_their_upper_bound_and_apply_to_the_whole_price() -> None:
    policy = SplitPolicy(default_bp=3_000, tiers=SHOP_POLICY.tiers)

    def shop(price: int) -> int:
        return split_sale(policy, price_fen=price, category="家具", consignor_id=1).shop_fen

    assert shop(50_000) == 15_000  # ¥500 exactly: 30 %
    assert shop(50_001) == 12_500  # ¥500.01: 25 % of the whole price
    assert shop(200_000) == 50_000  # ¥2,000: 25 %
    assert shop(300_000) == 60_000  # above ¥2,000: 20 %


def test_a_price_above_every_bounded_tier_falls_back_to_the_default() -> None:
    policy = SplitPolicy(default_bp=3_300, tiers=(PriceTier(50_000, 3_000),))
    rate = shop_rate(policy, price_fen=50_001, category="家具", consignor_id=1)
    assert rate == (3_300, RateSource.DEFAULT)


def test_the_consignors_own_rate_beats_category_which_beats_price_tier_and_default() -> None:
    def rate(category: str, consignor: int) -> tuple[int, RateSource]:
        return shop_rate(SHOP_POLICY, price_fen=300_000, category=category, consignor_id=consignor)

    assert rate("电子产品/手机", 7) == (1_000, RateSource.CONSIGNOR)
    assert rate("电子产品/手机", 1) == (1_200, RateSource.CATEGORY)  # the most specific prefix
    assert rate("电子产品/电脑", 1) == (1_500, RateSource.CATEGORY)
    assert rate("电子产品", 1) == (1_500, RateSource.CATEGORY)
    assert rate("家具", 1) == (2_000, RateSource.PRICE_TIER)
    plain = SplitPolicy(default_bp=3_000)
    assert shop_rate(plain, price_fen=1, category="家具", consignor_id=1) == (
        3_000,
        RateSource.DEFAULT,
    )


def test_a_category_prefix_matches_whole_path_segments_only() -> None:
    policy = SplitPolicy(default_bp=3_000, categories=(CategoryRate("电子", 1_000),))
    assert shop_rate(policy, price_fen=100, category="电子产品/手机", consignor_id=1)[1] == (
        RateSource.DEFAULT
    )


def test_money_is_refused_as_a_float() -> None:
    with pytest.raises(TypeError):
        split_sale(SHOP_POLICY, price_fen=1288.0, category="家具", consignor_id=1)  # type: ignore[arg-type]


rates = st.integers(0, FULL_BP)
bounds = st.lists(st.integers(1, PRICE_MAX_FEN), unique=True, max_size=4).map(sorted)
policies = st.builds(
    SplitPolicy,
    default_bp=rates,
    tiers=st.tuples(bounds, st.booleans(), st.lists(rates, min_size=5, max_size=5)).map(
        lambda t: tuple(
            PriceTier(b, r) for b, r in zip([*t[0], *([None] if t[1] else [])], t[2], strict=False)
        )
    ),
    categories=st.dictionaries(st.sampled_from(["电子产品", "电子产品/手机", "图书"]), rates).map(
        lambda d: tuple(CategoryRate(p, r) for p, r in d.items())
    ),
    consignors=st.dictionaries(st.integers(1, 4), rates).map(
        lambda d: tuple(ConsignorRate(c, r) for c, r in d.items())
    ),
)


@settings(max_examples=300)
@given(
    policy=policies,
    price=st.integers(0, PRICE_MAX_FEN),
    category=st.sampled_from(["电子产品", "电子产品/手机", "电子产品/电脑", "图书", "家具"]),
    consignor=st.integers(1, 6),
)
def test_the_two_shares_always_add_up_to_the_sale_price(
    policy: SplitPolicy, price: int, category: str, consignor: int
) -> None:
    split = split_sale(policy, price_fen=price, category=category, consignor_id=consignor)
    assert split.shop_fen + split.consignor_fen == price
    assert 0 <= split.shop_fen <= price
    # never more than the stated rate, and less by under one fen
    assert split.shop_fen * FULL_BP <= price * split.rate_bp < (split.shop_fen + 1) * FULL_BP


# ---- markdowns ------------------------------------------------------------------------


def test_the_list_price_holds_until_the_first_markdown_starts_at_midnight_in_shanghai() -> None:
    agreement = make_agreement()
    assert price_at(agreement, INTAKE) == 128_800
    assert price_at(agreement, DAY30 - US) == 128_800  # 23:59:59.999999 on 30 March, shop time
    assert price_at(agreement, DAY30) == 103_000  # 80 % = ¥1,030.40, priced at ¥1,030
    assert price_at(agreement, DAY60 - US) == 103_000
    assert price_at(agreement, DAY60) == 77_200  # 60 % = ¥772.80, priced at ¥772
    assert price_at(agreement, at_shop(89, 23, 59)) == 77_200


def test_the_shops_calendar_day_not_the_utc_date_decides_the_markdown() -> None:
    agreement = make_agreement()
    # 20:00 on 30 March in the shop is still day 29; 07:00 on 31 March is day 30,
    # though both instants fall on 30 March in UTC.
    assert price_at(agreement, datetime(2026, 3, 30, 12, 0, tzinfo=UTC)) == 128_800
    assert price_at(agreement, datetime(2026, 3, 30, 23, 0, tzinfo=UTC)) == 103_000


def test_an_intake_late_in_the_evening_still_counts_that_evening_as_day_0() -> None:
    late = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)  # 23:30 in the shop
    agreement = make_agreement(
        intake_at=late, markdown=MarkdownSchedule(steps=(STEPS[0], MarkdownStep(1, 9_000)))
    )
    assert price_at(agreement, late + timedelta(minutes=29)) == 128_800
    assert price_at(agreement, late + timedelta(minutes=30)) == 115_900


def test_a_tick_missed_for_45_days_shows_the_price_the_schedule_gives_today() -> None:
    agreement = make_agreement()
    stored = price_at(agreement, at_shop(20, 3))  # the last tick that ran: day 20, ¥1,288
    assert stored == 128_800
    # Nothing ran from day 20 to day 65; the 80 % step on day 30 was never applied.
    today = at_shop(65, 9)
    daily = [price_at(agreement, at_shop(day, 3)) for day in range(0, 66)]
    assert price_at(agreement, today) == daily[-1] == 77_200
    assert next_markdown(agreement, today) is None
    # Reading on day 45 without any tick since intake: the 80 % price and the next step.
    nxt = next_markdown(agreement, at_shop(45, 10))
    assert price_at(agreement, at_shop(45, 10)) == 103_000
    assert nxt is not None
    assert (nxt.on.isoformat(), nxt.at, nxt.price_fen) == ("2026-04-30", DAY60, 77_200)


def test_next_markdown_names_the_date_and_price_of_the_coming_step() -> None:
    nxt = next_markdown(make_agreement(), INTAKE)
    assert nxt is not None
    assert (nxt.on.isoformat(), nxt.at, nxt.price_fen) == ("2026-03-31", DAY30, 103_000)


def test_a_floor_holds_the_price_and_ends_the_markdowns_once_reached() -> None:
    agreement = make_agreement(markdown=MarkdownSchedule(steps=STEPS, floor_fen=110_000))
    assert price_at(agreement, DAY30) == 110_000
    assert price_at(agreement, DAY60) == 110_000
    nxt = next_markdown(agreement, INTAKE)
    assert nxt is not None and nxt.price_fen == 110_000
    assert next_markdown(agreement, DAY30) is None


def test_do_not_discount_keeps_the_list_price_and_announces_no_markdown() -> None:
    agreement = make_agreement(markdown=MarkdownSchedule(steps=STEPS, do_not_discount=True))
    assert price_at(agreement, DAY60 + timedelta(days=10)) == 128_800
    assert next_markdown(agreement, INTAKE) is None


def test_a_marked_down_price_is_whole_yuan_but_never_below_one_yuan() -> None:
    steps = (STEPS[0], MarkdownStep(1, 100))  # 1 %
    cheap = make_agreement(list_price_fen=150, markdown=MarkdownSchedule(steps=steps))
    assert price_at(cheap, at_shop(1)) == 100
    tiny = make_agreement(list_price_fen=50, markdown=MarkdownSchedule(steps=steps))
    assert price_at(tiny, at_shop(1)) == 50
    assert next_markdown(tiny, INTAKE) is None  # nothing would change


def test_the_time_must_carry_a_timezone() -> None:
    with pytest.raises(ValueError, match="timezone"):
        price_at(make_agreement(), datetime(2026, 3, 31))  # naive: the point of the test


step_days = st.lists(st.integers(1, TERM_MAX_DAYS - 1), unique=True, max_size=5).map(sorted)


@st.composite
def agreements(draw: st.DrawFn) -> Agreement:
    days = draw(step_days)
    percents = sorted(
        draw(st.lists(st.integers(100, FULL_BP), min_size=len(days), max_size=len(days))),
        reverse=True,
    )
    steps = (
        MarkdownStep(0, FULL_BP),
        *(MarkdownStep(d, p) for d, p in zip(days, percents, strict=True)),
    )
    price = draw(st.integers(1, PRICE_MAX_FEN))
    floor = draw(st.none() | st.integers(1, price))
    return make_agreement(
        list_price_fen=price,
        intake_at=draw(
            st.datetimes(datetime(2020, 1, 1), datetime(2035, 1, 1), timezones=st.just(UTC))
        ),
        term_days=draw(st.integers((days or [0])[-1] + 1, TERM_MAX_DAYS)),
        markdown=MarkdownSchedule(
            steps=steps, floor_fen=floor, do_not_discount=draw(st.booleans())
        ),
    )


offsets = st.integers(-2 * 86_400, 400 * 86_400).map(lambda s: timedelta(seconds=s))


@settings(max_examples=300)
@given(agreement=agreements(), first=offsets, later=offsets)
def test_the_price_never_rises_never_passes_the_floor_and_starts_at_the_list_price(
    agreement: Agreement, first: timedelta, later: timedelta
) -> None:
    early, late = sorted([agreement.intake_at + first, agreement.intake_at + later])
    before, after = price_at(agreement, early), price_at(agreement, late)
    assert agreement.list_price_fen >= before >= after > 0
    assert after >= (agreement.markdown.floor_fen or 0)
    first_markdown = agreement.markdown.steps[1:2]
    if not first_markdown or early < at_day(agreement, first_markdown[0].day):
        assert before == agreement.list_price_fen


def at_day(agreement: Agreement, day: int) -> datetime:
    local_day = agreement.intake_at.astimezone(CHINA).date() + timedelta(days=day)
    return datetime.combine(local_day, time(0), CHINA).astimezone(UTC)


@settings(max_examples=200)
@given(agreement=agreements(), offset=offsets)
def test_the_next_markdown_is_exactly_when_and_what_the_price_becomes(
    agreement: Agreement, offset: timedelta
) -> None:
    now = agreement.intake_at + offset
    nxt = next_markdown(agreement, now)
    if nxt is None:
        assert price_at(agreement, now + timedelta(days=TERM_MAX_DAYS + 3)) == price_at(
            agreement, now
        )
        return
    assert nxt.at > now
    assert nxt.at.astimezone(CHINA).time() == time(0)
    assert price_at(agreement, nxt.at - US) == price_at(agreement, now) > nxt.price_fen
    assert price_at(agreement, nxt.at) == nxt.price_fen


# ---- the term -------------------------------------------------------------------------


def test_a_90_day_term_ends_at_midnight_after_its_90th_calendar_day() -> None:
    agreement = make_agreement()
    end = datetime(2026, 5, 29, 16, 0, tzinfo=UTC)  # 00:00 on 30 May in the shop
    assert last_day(agreement).isoformat() == "2026-05-29"
    assert expires_at(agreement) == end
    assert state_at(agreement, INTAKE).days_left == 90
    running = state_at(agreement, end - US)
    assert (running.status, running.days_left, running.end_action) == (Status.ACTIVE, 1, None)
    over = state_at(agreement, end)
    assert (over.status, over.end_action, over.expires_at) == (
        Status.EXPIRED,
        EndAction.DONATE,
        end,
    )


@pytest.mark.parametrize("action", list(EndAction))
def test_an_expired_agreement_carries_the_end_action_that_was_signed(action: EndAction) -> None:
    agreement = make_agreement(end_action=action.value)
    assert agreement.end_action is action
    assert state_at(agreement, DAY60 + timedelta(days=60)).end_action is action
    assert action.label


# ---- validation -----------------------------------------------------------------------


def schedule(*steps: tuple[int, int]) -> dict[str, Any]:
    return {"markdown": MarkdownSchedule(steps=tuple(MarkdownStep(d, p) for d, p in steps))}


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        (lambda: schedule(), "steps", "第 0 天、原价 100%"),
        (lambda: schedule((0, 9_000), (30, 8_000)), "steps", "第 0 天、原价 100%"),
        (lambda: schedule((1, 10_000)), "steps", "第 0 天"),
        (lambda: schedule((0, 10_000), (30, 8_000), (30, 6_000)), "steps", "第 3 步不晚于"),
        (lambda: schedule((0, 10_000), (30, 6_000), (60, 8_000)), "steps", "第 3 步高于"),
        (lambda: schedule((0, 10_000), (30, 0)), "steps", "1% 到 100%"),
        (lambda: schedule((0, 10_000), (30, 10_100)), "steps", "1% 到 100%"),
        (lambda: {"term_days": 60}, "term_days", "第 60 天"),
        (lambda: {"term_days": 0}, "term_days", "1 到 365 天"),
        (lambda: {"term_days": 366}, "term_days", "1 到 365 天"),
        (lambda: {"list_price_fen": 0}, "price", "1,000,000 元"),
        (lambda: {"list_price_fen": PRICE_MAX_FEN + 1}, "price", "1,000,000 元"),
        (lambda: {"markdown": MarkdownSchedule(floor_fen=0)}, "floor", "最低价"),
        (lambda: {"markdown": MarkdownSchedule(floor_fen=128_801)}, "floor", "不高于寄卖价格"),
        (lambda: {"split": SplitPolicy(default_bp=10_001)}, "split", "0% 到 100%"),
        (lambda: {"split": SplitPolicy(default_bp=-1)}, "split", "0% 到 100%"),
        (
            lambda: {"split": replace(SHOP_POLICY, consignors=(ConsignorRate(7, 10_001),))},
            "split",
            "0% 到 100%",
        ),
        (
            lambda: {"split": replace(SHOP_POLICY, tiers=(PriceTier(500, 1), PriceTier(500, 1)))},
            "split",
            "逐档递增",
        ),
        (
            lambda: {"split": replace(SHOP_POLICY, tiers=(PriceTier(None, 1), PriceTier(500, 1)))},
            "split",
            "只有最后一档",
        ),
        (lambda: {"split": replace(SHOP_POLICY, tiers=(PriceTier(0, 1),))}, "split", "大于 0"),
        (
            lambda: {"split": replace(SHOP_POLICY, categories=(CategoryRate("", 1),))},
            "split",
            "分类须填写",
        ),
        (
            lambda: {
                "split": replace(
                    SHOP_POLICY, categories=(CategoryRate("图书", 1), CategoryRate("图书/", 2))
                )
            },
            "split",
            "不能重复",
        ),
        (
            lambda: {
                "split": replace(SHOP_POLICY, consignors=(ConsignorRate(7, 1), ConsignorRate(7, 2)))
            },
            "split",
            "一个专属分成",
        ),
        (lambda: {"end_action": "burn"}, "end_action", "到期后的处理方式"),
    ],
)
def test_the_counter_is_told_in_chinese_what_is_wrong_and_where(
    overrides: Any, field: str, says: str
) -> None:
    with pytest.raises(ConsignmentError) as caught:
        make_agreement(**overrides())
    assert caught.value.field == field
    assert says in str(caught.value.message)
    assert isinstance(caught.value, ListingError) and caught.value.status == 400


def test_the_extremes_of_each_rule_are_accepted() -> None:
    agreement = make_agreement(
        list_price_fen=PRICE_MAX_FEN,
        term_days=61,
        split=SplitPolicy(default_bp=0, tiers=(PriceTier(1, FULL_BP), PriceTier(None, 0))),
        markdown=MarkdownSchedule(steps=STEPS, floor_fen=PRICE_MAX_FEN),
    )
    assert price_at(agreement, DAY60) == PRICE_MAX_FEN
    make_agreement(list_price_fen=1, term_days=TERM_MAX_DAYS, **schedule((0, 10_000), (1, 100)))


def test_the_price_ceiling_is_the_same_as_for_listings() -> None:
    from market.listings.models import PRICE_MAX_FEN as LISTING_MAX

    assert PRICE_MAX_FEN == LISTING_MAX


raw_steps = st.lists(st.tuples(st.integers(-3, 400), st.integers(-100, 10_100)), max_size=5)


@settings(max_examples=400)
@given(tail=raw_steps, start_right=st.booleans())
def test_a_schedule_is_accepted_exactly_when_it_follows_every_rule(
    tail: list[tuple[int, int]], start_right: bool
) -> None:
    steps = [(0, FULL_BP), *tail] if start_right else tail
    valid = (
        bool(steps)
        and steps[0] == (0, FULL_BP)
        and all(100 <= p <= FULL_BP for _, p in steps)
        and all(b[0] > a[0] and b[1] <= a[1] for a, b in zip(steps, steps[1:], strict=False))
    )
    try:
        MarkdownSchedule(steps=tuple(MarkdownStep(d, p) for d, p in steps))
    except ConsignmentError as error:
        assert not valid
        assert error.field == "steps"
    else:
        assert valid


@settings(max_examples=100)
@given(days=step_days.filter(bool), term=st.integers(1, TERM_MAX_DAYS))
def test_a_term_must_outlast_the_last_markdown(days: list[int], term: int) -> None:
    steps = (MarkdownStep(0, FULL_BP), *(MarkdownStep(d, 5_000) for d in days))
    build = {"term_days": term, "markdown": MarkdownSchedule(steps=steps)}
    if term > days[-1]:
        make_agreement(**build)
    else:
        with pytest.raises(ConsignmentError, match=f"第 {days[-1]} 天"):
            make_agreement(**build)


# ---- payouts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("balance", "minimum", "payable"),
    [
        (4_999, 5_000, 0),  # ¥49.99 waits for the ¥50 minimum
        (5_000, 5_000, 5_000),
        (96_600, 5_000, 96_600),  # the whole balance, not the minimum
        (1, 0, 1),
        (0, 0, 0),
        (-300, 0, 0),  # a refunded sale left the consignor owing: nothing to pay
    ],
)
def test_the_whole_balance_is_payable_once_it_reaches_the_minimum(
    balance: int, minimum: int, payable: int
) -> None:
    assert payable_now(balance, minimum_fen=minimum) == payable


def test_a_negative_minimum_payout_is_a_bug_not_a_rule() -> None:
    with pytest.raises(ValueError):
        payable_now(100, minimum_fen=-1)
