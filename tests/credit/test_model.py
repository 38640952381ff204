from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.events import CreditEvent
from credit.explain import what_would_change
from credit.model import FORMULA_VERSION, ScoreBook, capped_total, score
from tests.credit.builders import NOW, SELLER, buyer, finding, follow_up, rating, trade


def test_worked_example_1_new_seller_three_trades_two_five_star_ratings() -> None:
    # 3 fresh trades (buyers 0, 1, 2) and 5-star ratings from buyers 0 and 1, all at age 0:
    # raw positive weight per buyer: b0 = 1 + 1 = 2, b1 = 2, b2 = 1; S = 0.
    # 10 % cap: R must satisfy R = sum(min(p, 0.1 R)). With three buyers each can supply at most
    # 0.1 R, so R <= 0.3 R, hence R = 0: fewer than ten buyers cannot lift the score yet.
    # score = 100 * (0 + 9) / (0 + 0 + 9 + 1) = 90.0; n = 0 < 20 -> N.
    events = [trade(0), trade(1), trade(2), rating(0), rating(1)]
    result = score(events, as_of=NOW)
    assert result.score == pytest.approx(90.0)
    assert result.confidence == pytest.approx(0.0)
    assert result.grade == "N"
    assert {"new_subject", "counterparty_cap"} <= set(result.reasons)
    assert result.formula_version == FORMULA_VERSION
    # 15 more clean trades from new buyers: weights 2, 2, 1 x 16 = 20, max share 2/20 = 10 %,
    # no cap binds, R = 20, n = 20, score = 100 * 29 / 30 = 96.7 -> A (14 trades give n = 19).
    (hint,) = what_would_change(result, events, NOW)
    assert (hint.code, hint.count, hint.target_grade) == ("more_clean_trades", 15, "A")
    assert hint.zh == "再完成 15 笔无纠纷交易可升至 A"


def twenty_five_rated_trades_over_a_year() -> list[CreditEvent]:
    return [e for k in range(25) for e in (trade(k, 15 * k), rating(k, 15 * k))]


def test_worked_example_2_twenty_five_rated_trades_over_a_year_decay() -> None:
    # Trade k (k = 0..24) happened 15 k days ago with a 5-star rating the same day, each buyer
    # different: each pair weighs 2 * 0.5 ** (15 k / 180) = 2 r ** k with r = 2 ** (-1/12)
    # = 0.943874. Sum r ** k = (1 - r ** 25) / (1 - r) = (1 - 0.235969) / 0.056126 = 13.612865,
    # so R = 27.225731 (largest buyer 2 <= 10 % of R = 2.72: no cap), S = 0.
    # score = 100 * (27.225731 + 9) / (27.225731 + 10) = 97.3137; n = 27.23 >= 20 -> A.
    result = score(twenty_five_rated_trades_over_a_year(), as_of=NOW)
    assert result.confidence == pytest.approx(27.225731, abs=1e-6)
    assert result.score == pytest.approx(97.3137, abs=1e-4)
    assert result.grade == "A"
    assert result.reasons == ["high_score"]
    oldest = next(c for c in result.contributions if c.event_id == "trade-24")
    assert oldest.decayed_weight == pytest.approx(0.5**2)  # 360 days = two half-lives


def test_worked_example_3_active_ordinary_record_caps_the_grade_at_c() -> None:
    # Example 2 plus a confirmed misdescription 30 days ago, published 6 months (ordinary tier):
    # S = 3 * 0.5 ** (30 / 180) = 3 * 0.890899 = 2.672696; R = 27.225731 as before.
    # score = 100 * (27.225731 + 9) / (27.225731 + 2.672696 + 10) = 3622.57 / 39.8984 = 90.7949,
    # n = 29.898; the score alone would give A, the active ordinary record makes it C.
    events = [
        *twenty_five_rated_trades_over_a_year(),
        finding("case-1", "ordinary", age_days=30, months=6),
    ]
    result = score(events, as_of=NOW)
    assert result.score == pytest.approx(90.7949, abs=1e-4)
    assert result.confidence == pytest.approx(29.898427, abs=1e-6)
    assert result.grade == "C"
    assert "active_ordinary_record" in result.reasons
    (record,) = result.records
    assert record.status == "active"
    assert (record.repair_from.date().isoformat(), record.published_until.date().isoformat()) == (
        "2027-01-02",
        "2027-04-02",
    )
    codes = [h.code for h in what_would_change(result, events, NOW)]
    assert codes == ["record_ends", "repair_possible_from"]


def test_a_pending_finding_does_not_change_the_grade() -> None:
    base = twenty_five_rated_trades_over_a_year()
    pending = score([*base, finding("case-1", "serious", status="pending")], as_of=NOW)
    assert pending.grade == "A"
    assert "pending_finding" in pending.reasons


def test_a_voided_finding_restores_the_grade() -> None:
    base = twenty_five_rated_trades_over_a_year()
    found = finding("case-1", "ordinary")
    appeal = follow_up("appeal_result", found.event_id, extra=";decision=voided")
    assert score([*base, found], as_of=NOW).grade == "C"
    assert score([*base, found, appeal], as_of=NOW).grade == "A"


def test_a_record_stops_capping_after_its_period_or_a_timely_repair() -> None:
    base = twenty_five_rated_trades_over_a_year()
    found = finding("case-1", "ordinary", age_days=200, months=6)  # published until ~20 days ago
    assert score([*base, found], as_of=NOW).records[0].status == "ended"
    recent = finding("case-2", "ordinary", age_days=100, months=12)
    early = follow_up("repair", recent.event_id, age_days=50)  # before the 3-month minimum
    late = follow_up("repair", recent.event_id, age_days=1)
    assert score([*base, recent, early], as_of=NOW).grade == "C"
    assert score([*base, recent, late], as_of=NOW).records[0].status == "repaired"


def test_a_rating_without_its_completed_trade_does_not_count() -> None:
    result = score([trade(0), rating(7)], as_of=NOW)
    why = {c.event_id: c.why_not for c in result.contributions}
    assert why["rating-7"] == "no_completed_trade"


def test_events_of_two_subjects_are_refused() -> None:
    other = CreditEvent(buyer(1), "trade_completed", None, "xunhuan", buyer(2), NOW, "x", "x")
    with pytest.raises(ValueError):
        score([trade(0), other], as_of=NOW)


def test_score_book_rescoring_one_subject_matches_a_full_score() -> None:
    book = ScoreBook()
    events = twenty_five_rated_trades_over_a_year()
    for e in events:
        last = book.add(e, as_of=NOW)
    assert last.score == pytest.approx(score(events, as_of=NOW).score)
    assert book.result(SELLER) == last


# --- properties -----------------------------------------------------------------------------

ages = st.floats(min_value=0, max_value=1500, allow_nan=False)


@st.composite
def histories(draw: st.DrawFn) -> list[CreditEvent]:
    events: list[CreditEvent] = []
    for i in range(draw(st.integers(0, 30))):
        cp = draw(st.integers(0, 12))
        age = draw(ages)
        kind = draw(st.sampled_from(["trade", "rated", "dispute", "wipe"]))
        if kind in ("trade", "rated"):
            events.append(trade(i, age, cp=cp))
        if kind == "rated":
            events.append(rating(i, age, draw(st.integers(1, 5)), cp=cp))
        if kind == "dispute":
            events.append(
                CreditEvent(
                    SELLER,
                    "dispute_outcome",
                    None,
                    "xunhuan",
                    buyer(cp),
                    NOW - timedelta(days=age),
                    None,
                    f"d{i}",
                    "lost_unresolved",
                )
            )
        if kind == "wipe":
            events.append(
                CreditEvent(
                    SELLER,
                    "wipe_certificate",
                    None,
                    "xunhuan",
                    None,
                    NOW - timedelta(days=age),
                    f"c{i}",
                    f"w{i}",
                )
            )
    return events


@settings(max_examples=150, deadline=None)
@given(histories())
def test_score_stays_between_0_and_100(events: list[CreditEvent]) -> None:
    assert 0.0 <= score(events, as_of=NOW).score <= 100.0


@settings(max_examples=150, deadline=None)
@given(histories(), ages, st.integers(0, 20), st.booleans())
def test_adding_a_positive_event_never_lowers_the_score(
    events: list[CreditEvent], age: float, cp: int, wipe: bool
) -> None:
    extra = (
        CreditEvent(
            SELLER,
            "wipe_certificate",
            None,
            "xunhuan",
            None,
            NOW - timedelta(days=age),
            "new-cert",
            "new-cert",
        )
        if wipe
        else trade(999, age, cp=cp)
    )
    before = score(events, as_of=NOW).score
    assert score([*events, extra], as_of=NOW).score >= before - 1e-9


@given(st.floats(min_value=0, max_value=3000, allow_nan=False))
def test_an_events_weight_halves_every_180_days(age: float) -> None:
    def weight(days: float) -> float:
        result = score([trade(0, days)], as_of=NOW)
        return result.contributions[0].decayed_weight

    assert weight(age + 180) == pytest.approx(weight(age) / 2)
    assert weight(180) == pytest.approx(0.5)


@settings(max_examples=100, deadline=None)
@given(histories())
def test_an_active_serious_record_gives_d_whatever_the_behaviour(events: list[CreditEvent]) -> None:
    serious = finding("case-9", "serious", age_days=10, category="counterfeit")
    assert score([*events, serious], as_of=NOW).grade == "D"
    assert score([*twenty_five_rated_trades_over_a_year(), serious], as_of=NOW).grade == "D"


@settings(max_examples=150, deadline=None)
@given(histories())
def test_no_counterparty_supplies_more_than_a_tenth_of_positive_weight(
    events: list[CreditEvent],
) -> None:
    result = score(events, as_of=NOW)
    by_event = {e.event_id: e for e in events}
    positive: dict[str | None, float] = {}
    for c in result.contributions:
        if c.counted_weight > 0:
            cp = by_event[c.event_id].counterparty
            positive[cp] = positive.get(cp, 0.0) + c.counted_weight
    total = sum(positive.values())
    for cp, supplied in positive.items():
        if cp is not None:
            assert supplied <= 0.1 * total + 1e-9


@given(
    st.lists(st.floats(min_value=0, max_value=50, allow_nan=False), max_size=30),
    st.floats(min_value=0, max_value=50, allow_nan=False),
)
def test_capped_total_is_a_fixed_point_with_every_share_at_most_a_tenth(
    weights: list[float], free: float
) -> None:
    r = capped_total(free, weights)
    assert r == pytest.approx(free + sum(min(p, 0.1 * r) for p in weights), abs=1e-6)


OTHER_BUYERS = [trade(i) for i in range(100, 120)]


@given(st.floats(min_value=0, max_value=6.99, allow_nan=False), st.integers(1, 5))
def test_a_second_rating_by_the_same_buyer_within_a_week_does_not_count(
    gap_days: float, stars: int
) -> None:
    # Buyer 0 bought twice (t0 10 days ago, t1 later) and rates both within the week; 20 other
    # buyers keep buyer 0 under the 10 % cap.
    events = [
        *OTHER_BUYERS,
        trade(0, 10),
        trade(1, 10 - gap_days, cp=0),
        rating(0, 10),
        rating(1, 10 - gap_days, stars, cp=0),
    ]
    why = {c.event_id: c.why_not for c in score(events, as_of=NOW).contributions}
    assert why["rating-0"] is None
    assert why["rating-1"] == "one_rating_per_counterparty_per_week"


def test_a_rating_a_week_later_counts_again() -> None:
    events = [*OTHER_BUYERS, trade(0, 10), trade(1, 3, cp=0), rating(0, 10), rating(1, 3, cp=0)]
    assert all(c.counted for c in score(events, as_of=NOW).contributions)
