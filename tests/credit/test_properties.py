"""Properties over histories of every kind, for persons and platforms; the published code lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.events import CreditEvent, person_subject
from credit.explain import HINT_CODES, what_would_change
from credit.model import (
    GRADE_RANK,
    REASON_CODES,
    REVIEW_VALID_DAYS,
    WHY_NOT_CODES,
    CreditResult,
    score,
    score_platform,
    score_subject,
)
from tests.credit import builders as b
from tests.credit.builders import KEY, NOW, SELLER, buyer

PERSON = person_subject("seller-person", KEY)
SUBJECTS = st.sampled_from([PERSON, SELLER])
ages = st.floats(min_value=0, max_value=1500, allow_nan=False)
recent = st.floats(min_value=0, max_value=120, allow_nan=False)
KINDS = [
    "trade",
    "rating",
    "dispute",
    "wipe",
    "finding",
    "appeal",
    "appeal_result",
    "repair",
    "void",
    "grade_review",
    "compliance",
]


def event(
    subject: str,
    kind: str,
    i: int,
    age: float,
    *,
    detail: str | None = None,
    weight: float | None = None,
    cp: int | None = None,
    evidence: str | None = None,
) -> CreditEvent:
    return CreditEvent(
        subject,
        kind,
        weight,
        "xunhuan",
        None if cp is None else buyer(cp),
        NOW - timedelta(days=age),
        evidence,
        f"{kind}-{i}",
        detail,
    )


@st.composite
def histories(draw: st.DrawFn, subject: str, size: int = 40) -> list[CreditEvent]:
    """Random events of every kind; follow-ups aim at earlier findings or events."""
    events: list[CreditEvent] = []
    findings: list[str] = []
    trades: list[str] = []
    kinds = KINDS if subject.startswith("o:") else KINDS[:-1]
    # A bulk of clean trades and lost disputes, so that grades other than N are common.
    for j in range(draw(st.integers(0, 30))):
        events.append(
            event(
                subject,
                "trade_completed",
                1000 + j,
                draw(recent),
                cp=20 + j,
                evidence=f"t{1000 + j}",
            )
        )
    for j in range(draw(st.integers(0, 8))):
        events.append(
            event(subject, "dispute_outcome", 2000 + j, draw(recent), detail="lost_unresolved")
        )
    if subject.startswith("o:"):
        for j in range(draw(st.integers(0, 30))):
            result = draw(st.sampled_from(["pass", "pass", "pass", "fail"]))
            events.append(
                event(
                    subject,
                    "compliance",
                    3000 + j,
                    draw(recent),
                    evidence=f"o{j}",
                    detail=f"check=complaint;result={result}",
                )
            )
    for i in range(draw(st.integers(0, size))):
        kind = draw(st.sampled_from(kinds))
        cp = draw(st.integers(0, 12))
        age = draw(ages if kind in ("trade", "rating", "dispute", "wipe") else recent)
        target = draw(st.sampled_from([*findings, *(e.event_id for e in events), "nothing"]))
        if kind == "trade":
            events.append(event(subject, "trade_completed", i, age, cp=cp, evidence=f"t{i}"))
            trades.append(f"t{i}")
        elif kind == "rating":
            ref = draw(st.sampled_from([*trades, "unknown"]))
            events.append(
                event(
                    subject, "rating", i, age, weight=draw(st.integers(1, 5)), cp=cp, evidence=ref
                )
            )
        elif kind == "dispute":
            outcome = draw(st.sampled_from(["lost_unresolved", "lost_resolved", "won"]))
            events.append(event(subject, "dispute_outcome", i, age, detail=outcome, cp=cp))
        elif kind == "wipe":
            events.append(event(subject, "wipe_certificate", i, age, evidence=f"c{i}"))
        elif kind == "finding":
            tier = draw(st.sampled_from(["minor", "ordinary", "serious"]))
            status = draw(st.sampled_from(["pending", "confirmed"]))
            category = draw(st.sampled_from(["misdescription", "fraud"]))
            case = f"case-{draw(st.integers(0, 3))}"
            events.append(
                event(
                    subject,
                    "finding",
                    i,
                    age,
                    evidence=case,
                    detail=f"tier={tier};status={status};category={category}",
                )
            )
            findings.append(f"finding-{i}")
        elif kind == "appeal":
            events.append(event(subject, "appeal", i, age, detail=f"target={target}"))
        elif kind == "appeal_result":
            decision = draw(st.sampled_from(["upheld", "voided"]))
            events.append(
                event(
                    subject, "appeal_result", i, age, detail=f"target={target};decision={decision}"
                )
            )
        elif kind == "repair":
            decision = draw(st.sampled_from(["", ";decision=granted", ";decision=refused"]))
            events.append(event(subject, "repair", i, age, detail=f"target={target}{decision}"))
        elif kind == "void":
            events.append(event(subject, "void", i, age, detail=f"target={target}"))
        elif kind == "grade_review":
            grade = draw(st.sampled_from(["C", "D"]))
            decision = draw(st.sampled_from(["confirmed", "rejected"]))
            events.append(
                event(subject, "grade_review", i, age, detail=f"grade={grade};decision={decision}")
            )
        else:
            check = draw(st.sampled_from(["wipe", "complaint"]))
            result = draw(st.sampled_from(["pass", "pass", "fail"]))
            events.append(
                event(
                    subject,
                    "compliance",
                    i,
                    age,
                    evidence=f"o{i}",
                    cp=draw(st.one_of(st.none(), st.integers(0, 12))),
                    detail=f"check={check};result={result}",
                )
            )
    return events


@st.composite
def any_history(draw: st.DrawFn) -> list[CreditEvent]:
    return draw(histories(draw(SUBJECTS)))


def graded(result: CreditResult) -> list[tuple[str, float]]:
    """(grade, score) of each part: the result itself for a person."""
    if result.parts:
        return [(p.grade, p.score) for p in result.parts.values()]
    return [(result.grade, result.score)]


@settings(max_examples=200, deadline=None)
@given(any_history())
def test_scores_stay_between_0_and_100_and_codes_are_published(
    events: list[CreditEvent],
) -> None:
    result = score_subject(events, as_of=NOW)
    assert 0.0 <= result.score <= 100.0
    assert all(0.0 <= s <= 100.0 for _g, s in graded(result))
    assert set(result.reasons) <= set(REASON_CODES)
    assert {c.why_not for c in result.contributions if c.why_not} <= set(WHY_NOT_CODES)
    assert result.grade in ("A", "B", "C", "D", "N")


@settings(max_examples=40, deadline=None)
@given(any_history())
def test_every_hint_code_is_published(events: list[CreditEvent]) -> None:
    result = score_subject(events, as_of=NOW)
    assert {h.code for h in what_would_change(result, events, NOW)} <= set(HINT_CODES)


@settings(max_examples=150, deadline=None)
@given(any_history(), ages, st.integers(0, 20), st.sampled_from(["trade", "wipe", "pass"]))
def test_a_positive_event_never_lowers_a_score(
    events: list[CreditEvent], age: float, cp: int, kind: str
) -> None:
    subject = events[0].subject if events else SELLER
    if kind == "trade":
        extra = event(subject, "trade_completed", 999, age, cp=cp, evidence="new-trade")
    elif kind == "wipe" or subject == PERSON:
        extra = event(subject, "wipe_certificate", 999, age, evidence="new-cert")
    else:
        extra = event(
            subject,
            "compliance",
            999,
            age,
            evidence="new-check",
            detail="check=complaint;result=pass",
        )
    before = score_subject(events, as_of=NOW, subject=subject)
    after = score_subject([*events, extra], as_of=NOW, subject=subject)
    for (_g0, s0), (_g1, s1) in zip(graded(before), graded(after), strict=True):
        assert s1 >= s0 - 1e-9  # each part (a person has one)
    if all(p.confidence >= 20 for p in before.parts.values()):
        assert after.score >= before.score - 1e-9


@given(st.floats(min_value=0, max_value=3000, allow_nan=False))
def test_a_compliance_checks_weight_halves_every_180_days(age: float) -> None:
    def weight(days: float) -> float:
        result = score_subject(
            [event(SELLER, "compliance", 0, days, evidence="o", detail="check=wipe;result=pass")],
            as_of=NOW,
        )
        return result.contributions[0].decayed_weight

    assert weight(age + 180) == pytest.approx(weight(age) / 2)
    assert weight(180) == pytest.approx(0.5)


@settings(max_examples=150, deadline=None)
@given(any_history())
def test_no_counterparty_supplies_more_than_a_tenth_of_a_parts_positive_weight(
    events: list[CreditEvent],
) -> None:
    result = score_subject(events, as_of=NOW)
    by_event = {e.event_id: e for e in events}
    for part in ("behaviour", "compliance"):
        positive: dict[str | None, float] = {}
        for c in result.contributions:
            if c.part == part and c.counted_weight > 0:
                cp = by_event[c.event_id].counterparty
                positive[cp] = positive.get(cp, 0.0) + c.counted_weight
        total = sum(positive.values())
        for cp, supplied in positive.items():
            if cp is not None:
                assert supplied <= 0.1 * total + 1e-9


@settings(max_examples=150, deadline=None)
@given(
    any_history(),
    st.sampled_from(["minor", "ordinary", "serious"]),
    st.sampled_from(["misdescription", "fraud"]),
    recent,
)
def test_a_confirmed_finding_never_raises_the_grade(
    events: list[CreditEvent], tier: str, category: str, age: float
) -> None:
    subject = events[0].subject if events else SELLER
    new = event(
        subject,
        "finding",
        999,
        age,
        evidence="case-new",
        detail=f"tier={tier};status=confirmed;category={category}",
    )
    before = score_subject(events, as_of=NOW, subject=subject).grade
    after = score_subject([*events, new], as_of=NOW, subject=subject).grade
    if before != "N":
        assert after != "N" and GRADE_RANK[after] <= GRADE_RANK[before]


@settings(max_examples=150, deadline=None)
@given(any_history(), st.data())
def test_an_appeal_result_voided_never_lowers_the_grade(
    events: list[CreditEvent], data: st.DataObject
) -> None:
    found = [e.event_id for e in events if e.kind == "finding"]
    subject = events[0].subject if events else SELLER
    target = data.draw(st.sampled_from([*found, "nothing"]))
    answer = event(subject, "appeal_result", 999, 0, detail=f"target={target};decision=voided")
    before = score_subject(events, as_of=NOW, subject=subject).grade
    after = score_subject([*events, answer], as_of=NOW, subject=subject).grade
    if before == "N":
        assert after == "N"
    elif after != "N":  # N: what is left is too little to grade
        assert GRADE_RANK[after] >= GRADE_RANK[before]


def _voided(events: list[CreditEvent]) -> set[str]:
    return {
        e.details["target"]
        for e in events
        if e.kind == "void" or (e.kind == "appeal_result" and e.details["decision"] == "voided")
    }


@settings(max_examples=300, deadline=None)
@given(any_history())
def test_a_grade_is_never_c_or_d_without_a_confirmed_review_or_an_active_record(
    events: list[CreditEvent],
) -> None:
    result = score_subject(events, as_of=NOW)
    voided = _voided(events)
    confirmed = {
        e.details["grade"]
        for e in events
        if e.kind == "grade_review"
        and e.details["decision"] == "confirmed"
        and e.event_id not in voided
        and NOW - e.occurred_at < timedelta(days=REVIEW_VALID_DAYS)
    }
    active = {r.tier for r in result.records if r.status == "active"}
    if result.grade == "C":
        assert active & {"ordinary", "serious"} or confirmed
    if result.grade == "D":
        assert "serious" in active or "D" in confirmed
    if result.grade in ("C", "D") and not active & {"ordinary", "serious"}:
        assert "regulator_confirmed_grade" in result.reasons


def test_every_published_reason_code_can_be_emitted() -> None:
    rated = [e for k in range(25) for e in (b.trade(k, 15 * k), b.rating(k, 15 * k))]
    lost = [b.dispute(100 + i) for i in range(10)]
    ordinary = b.finding("case-1", "ordinary", age_days=5)
    checks = [b.compliance(i) for i in range(25)]
    fails = [b.compliance(100 + i, "fail") for i in range(10)]
    people = [
        [b.trade(0), b.trade(1), b.rating(0)],  # new_subject, counterparty_cap
        rated,
        [*rated, *lost[:2]],
        [*rated, *lost[:4], b.review("C")],
        [*rated, *lost],
        [
            *rated,
            b.finding("case-2", "serious"),
            b.finding("case-3", "minor"),
            ordinary,
            b.finding("case-4", "minor", status="pending"),
            b.appeal(ordinary.event_id),
        ],
    ]
    platforms = [
        [*rated, *lost[:2], *checks],  # behaviour_part_lower
        [*rated, *checks, *fails[:5]],  # compliance_fair_score, compliance_part_lower
        [*rated, *checks, *fails],
        [b.compliance(i, cp=1) for i in range(3)],
        [*rated, *checks, *fails[:2]],
    ]
    emitted = {code for events in people for code in score(events, as_of=NOW).reasons}
    emitted |= {code for events in platforms for code in score_platform(events, as_of=NOW).reasons}
    assert emitted == set(REASON_CODES)
