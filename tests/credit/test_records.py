"""The record layer: appeals, repairs, and the hold of a formula-only drop for a regulator."""

from __future__ import annotations

from datetime import timedelta

import pytest

from credit.events import CreditEvent
from credit.explain import what_would_change
from credit.model import score, score_subject
from tests.credit.builders import (
    NOW,
    appeal,
    buyer,
    dispute,
    finding,
    follow_up,
    rating,
    review,
    trade,
)


def rated_year() -> list[CreditEvent]:
    """Worked example 2 of test_model: R = 27.225731, score 97.3137, A."""
    return [e for k in range(25) for e in (trade(k, 15 * k), rating(k, 15 * k))]


def why_not(result_events: list[CreditEvent]) -> dict[str, str | None]:
    return {c.event_id: c.why_not for c in score(result_events, as_of=NOW).contributions}


# --- appeals --------------------------------------------------------------------------------


def test_an_appeal_in_time_marks_the_record_under_appeal_and_it_still_caps() -> None:
    found = finding("case-1", "ordinary", age_days=10)
    result = score([*rated_year(), found, appeal(found.event_id, age_days=2)], as_of=NOW)
    (record,) = result.records
    assert record.under_appeal and record.status == "active"
    assert result.grade == "C"
    assert {"active_ordinary_record", "record_under_appeal"} <= set(result.reasons)


def test_the_regulators_answer_ends_the_appeal_upheld_keeps_voided_restores() -> None:
    found = finding("case-1", "ordinary", age_days=10)
    filed = [*rated_year(), found, appeal(found.event_id, age_days=2)]
    upheld = score(
        [*filed, follow_up("appeal_result", found.event_id, 1, ";decision=upheld")], as_of=NOW
    )
    assert not upheld.records[0].under_appeal and upheld.grade == "C"
    assert "record_under_appeal" not in upheld.reasons
    voided = score(
        [*filed, follow_up("appeal_result", found.event_id, 1, ";decision=voided")], as_of=NOW
    )
    assert voided.records[0].status == "voided" and voided.grade == "A"


def test_a_voided_confirmation_does_not_bring_its_pending_finding_back() -> None:
    pending = finding("case-1", "ordinary", status="pending", age_days=12)
    found = finding("case-1", "ordinary", age_days=10)
    result = score(
        [
            *rated_year(),
            pending,
            found,
            appeal(found.event_id, age_days=2),
            follow_up("appeal_result", found.event_id, 1, ";decision=voided"),
        ],
        as_of=NOW,
    )
    assert [r.status for r in result.records] == ["voided"]
    assert "pending_finding" not in result.reasons and result.grade == "A"


@pytest.mark.parametrize(("days_after", "accepted"), [(15, True), (15.01, False), (30, False)])
def test_an_appeal_is_accepted_only_within_15_days_of_the_confirmation(
    days_after: float, accepted: bool
) -> None:
    found = finding("case-1", "ordinary", age_days=40)
    late = appeal(found.event_id, age_days=40 - days_after)
    result = score([*rated_year(), found, late], as_of=NOW)
    assert result.records[0].under_appeal is accepted
    assert why_not([*rated_year(), found, late])[late.event_id] == (
        "record_layer" if accepted else "appeal_after_deadline"
    )


def test_an_appeal_must_target_a_confirmed_finding() -> None:
    pending = finding("case-1", "ordinary", status="pending", age_days=5)
    events = [
        *rated_year(),
        pending,
        appeal(pending.event_id, 1),
        appeal("trade-3", 1),
        appeal("no-such-event", 1),
    ]
    reasons = why_not(events)
    for target in (pending.event_id, "trade-3", "no-such-event"):
        assert reasons[f"appeal-{target}-1"] == "appeal_target_not_a_record"
    assert not score(events, as_of=NOW).records[0].under_appeal


def test_an_appeal_after_the_answer_does_not_reopen_it() -> None:
    found = finding("case-1", "ordinary", age_days=10)
    answer = follow_up("appeal_result", found.event_id, 5, ";decision=upheld")
    again = appeal(found.event_id, age_days=2)
    events = [*rated_year(), found, answer, again]
    assert why_not(events)[again.event_id] == "appeal_already_decided"
    assert not score(events, as_of=NOW).records[0].under_appeal


def test_the_appeal_deadline_is_offered_until_an_appeal_is_filed() -> None:
    found = finding("case-1", "ordinary", age_days=3)
    result = score([*rated_year(), found], as_of=NOW)
    (record,) = result.records
    assert record.appeal_until == found.occurred_at + timedelta(days=15)
    hints = {h.code: h for h in what_would_change(result, [*rated_year(), found], NOW)}
    assert hints["appeal_possible_until"].on == record.appeal_until
    assert hints["appeal_possible_until"].zh.endswith("前可对一般失信记录提出申诉")
    filed = [*rated_year(), found, appeal(found.event_id, 1)]
    after = score(filed, as_of=NOW)
    assert after.records[0].appeal_until is None
    assert "appeal_possible_until" not in {h.code for h in what_would_change(after, filed, NOW)}
    old = score([*rated_year(), finding("case-2", "ordinary", age_days=16)], as_of=NOW)
    assert old.records[0].appeal_until is None


# --- repairs --------------------------------------------------------------------------------


def test_a_refused_repair_changes_nothing_but_shows_in_the_explanation() -> None:
    found = finding("case-1", "ordinary", age_days=100, months=12)
    refused = follow_up("repair", found.event_id, 1, ";decision=refused")
    plain = score([*rated_year(), found], as_of=NOW)
    result = score([*rated_year(), found, refused], as_of=NOW)
    assert (result.grade, result.score, result.records) == (plain.grade, plain.score, plain.records)
    (shown,) = [c for c in result.contributions if c.event_id == refused.event_id]
    assert (shown.counted, shown.why_not, shown.part) == (False, "repair_refused", "record")


def test_a_granted_repair_after_the_minimum_period_ends_the_record() -> None:
    found = finding("case-1", "ordinary", age_days=100, months=12)
    granted = follow_up("repair", found.event_id, 1, ";decision=granted")
    result = score([*rated_year(), found, granted], as_of=NOW)
    assert result.records[0].status == "repaired" and result.grade == "A"
    assert result.records[0].published_until == granted.occurred_at


# --- the hold of a formula-only drop (PIPL art. 24) ----------------------------------------


def lost_disputes(k: int) -> list[CreditEvent]:
    return [dispute(100 + i) for i in range(k)]


def test_worked_example_4_a_formula_drop_to_c_is_held_at_b_until_a_regulator_confirms() -> None:
    # Example 2 (R = 27.225731) plus 4 disputes lost unresolved today: S = 4 * 3 = 12.
    # score = 100 * (27.225731 + 9) / (27.225731 + 12 + 10) = 3622.5731 / 49.225731 = 73.5910,
    # n = 39.23 >= 20: the formula says C (60-74), no record, no review -> held at B.
    events = [*rated_year(), *lost_disputes(4)]
    held = score(events, as_of=NOW)
    assert held.score == pytest.approx(73.5910, abs=1e-4)
    assert (held.grade, held.formula_grade) == ("B", "C")
    assert held.reasons == ["fair_score", "regulator_confirmation_required"]
    # A regulator's confirmation of C (or of D, which allows C) written in the last 90 days.
    for confirmation in (review("C", age_days=10), review("D", age_days=89.9)):
        confirmed = score([*events, confirmation], as_of=NOW)
        assert (confirmed.grade, confirmed.formula_grade) == ("C", "C")
        assert confirmed.reasons == ["fair_score", "regulator_confirmed_grade"]
    # A rejection, or a confirmation older than 90 days, keeps the hold.
    for other in (review("C", "rejected", 1), review("C", age_days=90)):
        assert score([*events, other], as_of=NOW).grade == "B"
    expired = review("C", age_days=90)
    assert why_not([*events, expired])[expired.event_id] == "review_expired"


def test_the_regulators_latest_word_decides_the_hold() -> None:
    events = [*rated_year(), *lost_disputes(4)]  # formula C, as in worked example 4
    assert (
        score([*events, review("C", age_days=5), review("C", "rejected", 2)], as_of=NOW).grade
        == "B"
    )
    assert (
        score([*events, review("C", "rejected", 5), review("C", age_days=2)], as_of=NOW).grade
        == "C"
    )
    voided = review("C", age_days=5)
    undone = [*events, voided, follow_up("void", voided.event_id, 1)]
    assert score(undone, as_of=NOW).grade == "B"


def test_a_formula_d_needs_a_confirmed_d_and_a_confirmed_c_allows_only_c() -> None:
    # S = 30: score = 100 * 36.225731 / 67.225731 = 53.89 -> D by the formula.
    events = [*rated_year(), *lost_disputes(10)]
    assert score(events, as_of=NOW).formula_grade == "D"
    assert score(events, as_of=NOW).grade == "B"
    assert score([*events, review("C")], as_of=NOW).grade == "C"
    assert score([*events, review("D")], as_of=NOW).grade == "D"


def test_with_an_ordinary_record_the_grade_is_c_and_d_only_after_a_confirmed_d() -> None:
    record = finding("case-1", "ordinary", age_days=10, category="fraud")  # no weight, caps
    events = [*rated_year(), *lost_disputes(10), record]  # the formula alone says D
    result = score(events, as_of=NOW)
    assert (result.grade, result.formula_grade) == ("C", "D")
    assert "regulator_confirmation_required" in result.reasons
    assert score([*events, review("D")], as_of=NOW).grade == "D"
    assert score([*rated_year(), record], as_of=NOW).grade == "C"  # a good score: still C


def test_a_serious_record_gives_d_without_any_review() -> None:
    result = score([*rated_year(), finding("case-1", "serious", category="counterfeit")], as_of=NOW)
    assert (result.grade, result.formula_grade) == ("D", "D")
    assert "regulator_confirmation_required" not in result.reasons


def test_score_subject_scores_a_person_with_the_person_model() -> None:
    person = buyer(1)
    event = CreditEvent(person, "trade_completed", None, "xunhuan", buyer(2), NOW, "t", "t")
    result = score_subject([event], as_of=NOW)
    assert result.subject == person and result.parts == {}
    assert score_subject([], as_of=NOW, subject=person).subject == person
