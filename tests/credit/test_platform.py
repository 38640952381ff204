"""The platform model: a behaviour part and a compliance part; the lower grade wins."""

from __future__ import annotations

import pytest

from credit.events import CreditEvent
from credit.explain import what_would_change
from credit.model import ScoreBook, score_platform, score_subject
from tests.credit.builders import (
    NOW,
    SELLER,
    compliance,
    dispute,
    finding,
    rating,
    review,
    trade,
    wipe,
)


def rated_year() -> list[CreditEvent]:
    """Worked example 2 of test_model: R = 27.225731, S = 0, score 97.3137, A."""
    return [e for k in range(25) for e in (trade(k, 15 * k), rating(k, 15 * k))]


def checks(passes: int, fails: int = 0, fail_age: float = 0) -> list[CreditEvent]:
    return [
        *(compliance(i) for i in range(passes)),
        *(compliance(100 + i, "fail", fail_age) for i in range(fails)),
    ]


def test_worked_example_5_a_platform_takes_the_lower_of_behaviour_and_compliance() -> None:
    # Behaviour part: worked example 2 of test_model -> score 97.3137, n = 27.23, A.
    # Compliance part: 20 passed checks today (+1 each, no counterparty) = 20; 2 failed checks
    # 180 days ago (-3 each, one half-life) = S = 2 * 3 * 0.5 = 3; 4 wipe certificates 360 days
    # ago (+0.5 each, two half-lives) = 4 * 0.5 * 0.25 = 0.5. R = 20.5, S = 3, n = 23.5.
    # score = 100 * (20.5 + 9) / (20.5 + 3 + 10) = 2950 / 33.5 = 88.0597 -> B.
    # Platform: min(A, B) = B; the score and confidence shown are the compliance part's.
    events = [*rated_year(), *checks(20, 2, fail_age=180), *(wipe(i, 360) for i in range(4))]
    result = score_subject(events, as_of=NOW)
    behaviour, part = result.parts["behaviour"], result.parts["compliance"]
    assert behaviour.score == pytest.approx(97.3137, abs=1e-4) and behaviour.grade == "A"
    assert part.score == pytest.approx(88.0597, abs=1e-4)
    assert part.confidence == pytest.approx(23.5)
    assert part.grade == "B"
    assert (result.grade, result.formula_grade) == ("B", "B")
    assert result.score == pytest.approx(88.0597, abs=1e-4)
    assert result.confidence == pytest.approx(23.5)
    assert result.reasons == ["high_score", "compliance_good_score", "compliance_part_lower"]
    certificate = next(c for c in result.contributions if c.event_id == "wipe-0")
    assert certificate.part == "compliance"
    assert certificate.decayed_weight == pytest.approx(0.125)
    # Clean trades cannot lift it; (29.5 + k) / (33.5 + k) >= 0.9 needs k >= 6.5: 7 more passed
    # checks give 36.5 / 40.5 = 90.12 -> A (6 give 35.5 / 39.5 = 89.87).
    hints = what_would_change(result, events, NOW)
    assert [(h.code, h.count, h.target_grade) for h in hints] == [
        ("compliance_part", None, None),
        ("more_compliance_passes", 7, "A"),
    ]
    assert hints[0].zh == "合规部分（数据清除、投诉处理）把等级压在 B"
    assert hints[1].en == "7 more passed compliance checks lift the grade to A"


def test_a_part_with_too_little_data_does_not_lower_the_grade() -> None:
    result = score_platform(rated_year(), as_of=NOW)
    assert result.parts["compliance"].grade == "N"
    assert result.grade == "A"
    assert result.score == pytest.approx(97.3137, abs=1e-4)
    assert "compliance_new_subject" in result.reasons
    only_checks = score_platform(checks(25), as_of=NOW)
    assert only_checks.parts["behaviour"].grade == "N" and only_checks.grade == "A"
    both_new = score_platform([trade(0), compliance(0)], as_of=NOW)
    assert both_new.grade == "N"


def test_the_behaviour_part_holding_the_grade_down_is_named_with_the_trades_that_lift_it() -> None:
    # Behaviour: 25 rated trades and 2 lost disputes today: S = 6,
    # 100 * 36.225731 / 43.225731 = 83.81 -> B; compliance: 25 passes -> 97.14, A.
    events = [*rated_year(), dispute(100), dispute(101), *checks(25)]
    result = score_platform(events, as_of=NOW)
    assert (result.parts["behaviour"].grade, result.parts["compliance"].grade) == ("B", "A")
    assert result.grade == "B" and "behaviour_part_lower" in result.reasons
    codes = [h.code for h in what_would_change(result, events, NOW)]
    assert codes == ["behaviour_part", "more_clean_trades"]


def test_records_cap_both_parts() -> None:
    events = [*rated_year(), *checks(25), finding("case-1", "ordinary", age_days=20)]
    result = score_platform(events, as_of=NOW)
    assert {p.grade for p in result.parts.values()} == {"C"}
    assert result.grade == "C"
    serious = score_platform(
        [*checks(25), finding("case-2", "serious", category="fraud")], as_of=NOW
    )
    assert serious.grade == "D"


def test_a_compliance_drop_is_held_at_b_until_a_regulator_confirms_it() -> None:
    # Compliance: 25 passes, 5 fails today: 100 * 34 / 50 = 68 -> C by the formula.
    events = [*rated_year(), *checks(25, 5)]
    held = score_platform(events, as_of=NOW)
    assert (held.grade, held.formula_grade) == ("B", "C")
    assert {"compliance_part_lower", "regulator_confirmation_required"} <= set(held.reasons)
    assert score_platform([*events, review("C")], as_of=NOW).grade == "C"


def test_the_score_book_scores_platforms_with_the_platform_model() -> None:
    book = ScoreBook()
    for event in [*rated_year(), *checks(25, 5)]:
        last = book.add(event, as_of=NOW)
    assert set(last.parts) == {"behaviour", "compliance"}
    book.recompute_all(as_of=NOW)
    assert book.result(SELLER) == last
