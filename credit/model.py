"""Score and grade per DOMAIN.md "Credit": a decayed Beta reputation capped by confirmed records.

A person has one part, the behaviour. A platform (an "o:" subject, `score_platform`) has two:
the behaviour over its orders (trades, ratings, disputes, findings) and the compliance part
over compliance checks and wipe certificates; its grade is the lower of the two parts' grades.
Records confirmed by a regulator cap every part. A drop to C or D by the formula alone is held
at B until a regulator's `grade_review` confirms it (PIPL art. 24: no judgement by automation
alone); `CreditResult.formula_grade` keeps the unheld grade.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from credit.errors import InvalidEvent, MixedSubjects
from credit.events import TIER_MONTHS, CreditEvent

FORMULA_VERSION = "beta-decay-2 (2026-11)"
HALF_LIFE_DAYS = 180.0
PRIOR_M, PRIOR_MU = 10.0, 0.9
A0, B0 = PRIOR_M * PRIOR_MU, PRIOR_M * (1 - PRIOR_MU)
MIN_CONFIDENCE = 20.0
COUNTERPARTY_SHARE = 0.10
RATING_WINDOW = timedelta(days=7)
APPEAL_DAYS = 15
REVIEW_VALID_DAYS = 90
GRADE_RANK = {"D": 0, "C": 1, "B": 2, "A": 3}
# A failed compliance check weighs like a dispute lost without the seller resolving it.
WEIGHTS = {
    "trade_completed": 1.0,
    "wipe_certificate": 0.5,
    "dispute_lost": -3.0,
    "misdescription": -3.0,
    "compliance_pass": 1.0,
    "compliance_fail": -3.0,
}
PARTS = ("behaviour", "compliance")
_BANDS = ("low_score", "fair_score", "good_score", "high_score")
_PART_REASONS = ("counterparty_cap", "new_subject", *_BANDS)
# Every code a result's `reasons` may hold (the API's enum and the pages' labels come from here).
REASON_CODES = (
    "active_serious_record",
    "active_ordinary_record",
    "active_minor_record",
    "pending_finding",
    "record_under_appeal",
    *_PART_REASONS,
    *(f"compliance_{code}" for code in _PART_REASONS),
    "behaviour_part_lower",
    "compliance_part_lower",
    "regulator_confirmation_required",
    "regulator_confirmed_grade",
)
# What other platforms may be told: nothing a regulator has not confirmed (an unreviewed finding,
# a formula-only drop waiting for review) leaves the marketplace (PIPL art. 24).
SHARED_REASON_CODES = tuple(
    c for c in REASON_CODES if c not in ("pending_finding", "regulator_confirmation_required")
)
# Every `Contribution.why_not`.
WHY_NOT_CODES = (
    "after_as_of",
    "voided",
    "no_completed_trade",
    "not_the_buyer",
    "trade_already_rated",
    "one_rating_per_counterparty_per_week",
    "counterparty_cap",
    "record_layer",
    "repair_before_minimum_period",
    "repair_refused",
    "appeal_target_not_a_record",
    "appeal_after_deadline",
    "appeal_already_decided",
    "review_expired",
)


def rating_weight(stars: float) -> float:
    """4-5 stars +1, 3 stars -0.5, 1-2 stars -1."""
    return 1.0 if stars >= 4 else -0.5 if stars == 3 else -1.0


def decay(age_days: float) -> float:
    """Half the weight every 180 days; events from the future weigh nothing (they are skipped)."""
    return 0.5 ** (max(age_days, 0.0) / HALF_LIFE_DAYS)


def add_months(when: datetime, months: int) -> datetime:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def _lower(a: str, b: str) -> str:
    return a if GRADE_RANK[a] <= GRADE_RANK[b] else b


def _higher(a: str, b: str) -> str:
    return a if GRADE_RANK[a] >= GRADE_RANK[b] else b


@dataclass(frozen=True)
class Contribution:
    """One event's part in the score; `counted_weight` is after anti-gaming caps.

    `part` is "behaviour" or "compliance" for events the formula weighs, else "record".
    """

    event_id: str
    kind: str
    raw_weight: float
    decayed_weight: float
    counted: bool
    why_not: str | None
    counted_weight: float = 0.0
    part: str = "behaviour"


@dataclass(frozen=True)
class Record:
    """A regulator's finding; while `status == "active"` it caps the grade.

    `under_appeal`: an appeal was filed in time and the regulator has not answered yet (the
    record still caps). `appeal_until`: the last day an appeal may be filed, while it may.
    """

    finding_id: str
    tier: str
    category: str
    status: str  # pending | active | repaired | ended | voided
    published_from: datetime
    repair_from: datetime
    published_until: datetime
    under_appeal: bool = False
    appeal_until: datetime | None = None


@dataclass(frozen=True)
class Part:
    """One part of a platform's score (behaviour or compliance), graded on its own."""

    name: str
    score: float
    grade: str
    confidence: float
    formula_grade: str
    reasons: list[str]


@dataclass(frozen=True)
class CreditResult:
    """Score, grade and everything needed to explain them.

    `formula_grade` is the grade before the hold for a regulator's review (None only for
    results built outside this module); `parts` is filled for platforms only.
    """

    subject: str | None
    score: float
    grade: str
    confidence: float
    reasons: list[str]
    formula_version: str
    as_of: datetime
    contributions: list[Contribution] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    formula_grade: str | None = None
    parts: dict[str, Part] = field(default_factory=dict)


@dataclass
class _Layer:
    """What every part shares: the events, the records and the regulator's reviews."""

    subject: str | None
    events: list[CreditEvent]  # all, in time order
    present: list[CreditEvent]  # up to as_of
    voided: set[str]
    skipped: dict[str, str]
    records: list[Record]
    cap: str  # the best grade the active records allow
    floor: str  # the worst grade a valid confirmed review allows ("B": none)

    def reasons(self) -> list[str]:
        active = {rec.tier for rec in self.records if rec.status == "active"}
        out = [f"active_{t}_record" for t in ("serious", "ordinary", "minor") if t in active]
        if any(rec.status == "pending" for rec in self.records):
            out.append("pending_finding")
        if any(rec.under_appeal and rec.status == "active" for rec in self.records):
            out.append("record_under_appeal")
        return out


def score_subject(
    events: Iterable[CreditEvent], *, as_of: datetime, subject: str | None = None
) -> CreditResult:
    """Score with the platform model for "o:" subjects, the person model otherwise.

    `subject` names whom an empty event list is about (it must match the events' subject).
    """
    evs = list(events)
    who = subject or (evs[0].subject if evs else None)
    if who is not None and who.startswith("o:"):
        return score_platform(evs, as_of=as_of, subject=who)
    return score(evs, as_of=as_of, subject=who)


def score(
    events: Iterable[CreditEvent], *, as_of: datetime, subject: str | None = None
) -> CreditResult:
    """Score one subject's events with the person model as of `as_of` (aware).

    Events after `as_of` are ignored.
    """
    layer = _layer(events, as_of, subject)
    part, weighed = _part("behaviour", layer, as_of, _raw_weight)
    reasons = [
        *layer.reasons(),
        *part.reasons,
        *_hold_reasons(part.grade, part.formula_grade, layer),
    ]
    return CreditResult(
        layer.subject,
        part.score,
        part.grade,
        part.confidence,
        reasons,
        FORMULA_VERSION,
        as_of,
        _contributions(layer, [weighed]),
        layer.records,
        part.formula_grade,
    )


def score_platform(
    events: Iterable[CreditEvent], *, as_of: datetime, subject: str | None = None
) -> CreditResult:
    """Score a platform: the lower grade of its behaviour and compliance parts.

    A part that is N (too little data) does not lower the grade; both N give N. The score and
    confidence shown are those of the lower-scoring part with enough data (else the behaviour).
    """
    layer = _layer(events, as_of, subject)
    behaviour, b_weighed = _part("behaviour", layer, as_of, _behaviour_weight)
    compliance, c_weighed = _part("compliance", layer, as_of, _compliance_weight)
    parts = (behaviour, compliance)
    graded = [p for p in parts if p.grade != "N"]
    grade = formula = "N"
    if graded:
        grade = min((p.grade for p in graded), key=GRADE_RANK.__getitem__)
        formula = min((p.formula_grade for p in graded), key=GRADE_RANK.__getitem__)
    confident = [p for p in parts if p.confidence >= MIN_CONFIDENCE]
    shown = min(confident, key=lambda p: p.score) if confident else behaviour
    reasons = [
        *layer.reasons(),
        *behaviour.reasons,
        *(f"compliance_{code}" for code in compliance.reasons),
    ]
    if len(graded) == 2 and behaviour.formula_grade != compliance.formula_grade:
        low = min(parts, key=lambda p: GRADE_RANK[p.formula_grade])
        reasons.append(f"{low.name}_part_lower")
    reasons += _hold_reasons(grade, formula, layer)
    return CreditResult(
        layer.subject,
        shown.score,
        grade,
        shown.confidence,
        reasons,
        FORMULA_VERSION,
        as_of,
        _contributions(layer, [b_weighed, c_weighed]),
        layer.records,
        formula,
        {p.name: p for p in parts},
    )


def _layer(events: Iterable[CreditEvent], as_of: datetime, subject: str | None) -> _Layer:
    if as_of.tzinfo is None:
        raise InvalidEvent("as_of must be timezone-aware")
    evs = sorted(events, key=lambda e: (e.occurred_at, e.event_id))
    subjects = {e.subject for e in evs} | ({subject} if subject else set())
    if len(subjects) > 1:
        raise MixedSubjects(f"{len(subjects)} subjects in one score")
    skipped = {e.event_id: "after_as_of" for e in evs if e.occurred_at > as_of}
    present = [e for e in evs if e.occurred_at <= as_of]
    voided = _voided(present)
    for e in present:
        if e.event_id in voided:
            skipped[e.event_id] = "voided"
    records = _records(present, voided, as_of, skipped)
    active = {rec.tier for rec in records if rec.status == "active"}
    cap = (
        "D"
        if "serious" in active
        else "C"
        if "ordinary" in active
        else "B"
        if "minor" in active
        else "A"
    )
    floor = _review_floor(present, voided, as_of, skipped)
    return _Layer(next(iter(subjects), None), evs, present, voided, skipped, records, cap, floor)


def _voided(events: Sequence[CreditEvent]) -> set[str]:
    out = set()
    for e in events:
        f = e.details
        if e.kind == "void" or (e.kind == "appeal_result" and f["decision"] == "voided"):
            out.add(f["target"])
    return out


def _review_floor(
    events: Sequence[CreditEvent], voided: set[str], as_of: datetime, skipped: dict[str, str]
) -> str:
    """The worst grade the regulator's latest valid word allows the formula to give.

    A confirmed review allows its grade (a confirmed D also allows C); a rejection takes back
    any confirmation of that grade or a worse one.
    """
    floor = "B"
    valid = timedelta(days=REVIEW_VALID_DAYS)
    for e in events:
        if e.kind != "grade_review" or e.event_id in voided:
            continue
        if as_of - e.occurred_at >= valid:
            skipped[e.event_id] = "review_expired"
            continue
        f = e.details
        if f["decision"] == "confirmed":
            floor = f["grade"]
        elif GRADE_RANK[floor] <= GRADE_RANK[f["grade"]]:
            floor = {"D": "C", "C": "B"}[f["grade"]]
    return floor


def _records(
    events: Sequence[CreditEvent], voided: set[str], as_of: datetime, skipped: dict[str, str]
) -> list[Record]:
    findings = [e for e in events if e.kind == "finding"]
    # A confirmation closes its case's pending finding for good, even if it is voided later.
    confirmed = [e for e in findings if e.details["status"] == "confirmed"]
    superseded = {e.details["supersedes"] for e in confirmed if "supersedes" in e.details}
    confirmed_cases = {e.evidence for e in confirmed if "supersedes" not in e.details}
    decided: dict[str, datetime] = {}
    for e in events:
        if e.kind == "appeal_result":
            decided.setdefault(e.details["target"], e.occurred_at)
    live = [e for e in events if e.event_id not in voided]
    appealed = _appeals(live, {e.event_id: e for e in findings}, decided, skipped)
    granted: dict[str, list[CreditEvent]] = defaultdict(list)
    for e in live:
        if e.kind == "repair":
            if e.details.get("decision", "granted") == "refused":
                skipped[e.event_id] = "repair_refused"
            else:
                granted[e.details["target"]].append(e)
    deadline = timedelta(days=APPEAL_DAYS)
    out = []
    for e in findings:
        f = e.details
        low, high = TIER_MONTHS[f["tier"]]
        start = e.occurred_at
        repair_from, until = add_months(start, low), add_months(start, int(f.get("months", high)))
        for rep in granted.get(e.event_id, []):
            if rep.occurred_at < repair_from:
                skipped[rep.event_id] = "repair_before_minimum_period"
        timely = [r for r in granted.get(e.event_id, []) if repair_from <= r.occurred_at < until]
        status = "active"
        if e.event_id in voided:
            status = "voided"
        elif f["status"] == "pending":
            if e.event_id in superseded or e.evidence in confirmed_cases:
                continue  # superseded by the regulator's confirmation of it (or of its case)
            status = "pending"
        elif timely:
            status, until = "repaired", timely[0].occurred_at
        elif as_of >= until:
            status = "ended"
        under_appeal = e.event_id in appealed and e.event_id not in decided
        appeal_until = None
        if (
            status == "active"
            and e.event_id not in appealed
            and e.event_id not in decided
            and as_of <= start + deadline
        ):
            appeal_until = start + deadline
        out.append(
            Record(
                e.event_id,
                f["tier"],
                f["category"],
                status,
                start,
                repair_from,
                until,
                under_appeal and status != "voided",
                appeal_until,
            )
        )
    return out


def _appeals(
    events: Sequence[CreditEvent],
    findings: dict[str, CreditEvent],
    decided: dict[str, datetime],
    skipped: dict[str, str],
) -> set[str]:
    """The findings with an appeal filed within 15 days of their confirmation."""
    accepted = set()
    deadline = timedelta(days=APPEAL_DAYS)
    for e in events:
        if e.kind != "appeal":
            continue
        target = findings.get(e.details["target"])
        why = None
        if (
            target is None
            or target.details["status"] != "confirmed"
            or e.occurred_at < target.occurred_at
        ):
            why = "appeal_target_not_a_record"
        elif e.occurred_at - target.occurred_at > deadline:
            why = "appeal_after_deadline"
        elif (answered := decided.get(target.event_id)) is not None and answered <= e.occurred_at:
            why = "appeal_already_decided"
        if why is not None:
            skipped[e.event_id] = why
        elif target is not None:
            accepted.add(target.event_id)
    return accepted


Weights = dict[str, tuple[float, float, str | None]]  # event_id -> (raw, decayed, counterparty)
Weigh = Callable[[CreditEvent], float | None]


@dataclass(frozen=True)
class _Weighed:
    weigh: Weigh
    part: str
    weights: Weights
    counted: dict[str, float]


def _part(name: str, layer: _Layer, as_of: datetime, weigh: Weigh) -> tuple[Part, _Weighed]:
    weights = _behaviour(layer.present, layer.voided, layer.skipped, as_of, weigh)
    r, s, counted = _apply_cap(weights)
    sc = 100.0 * (r + A0) / (r + s + A0 + B0)
    n = r + s
    reasons = []
    if r + 1e-9 < sum(d for _r, d, _c in weights.values() if d > 0):
        reasons.append("counterparty_cap")
    if n < MIN_CONFIDENCE:
        reasons.append("new_subject")
    reasons.append(_BANDS[(sc >= 60) + (sc >= 75) + (sc >= 90)])
    grade, formula = _part_grade(sc, n, layer.cap, layer.floor)
    return Part(name, sc, grade, n, formula, reasons), _Weighed(weigh, name, weights, counted)


def _part_grade(sc: float, n: float, cap: str, floor: str) -> tuple[str, str]:
    """(grade, formula grade): records cap both; the hold lifts a drop below B to the floor."""
    if n < MIN_CONFIDENCE:
        grade = cap if cap in ("C", "D") else "N"
        return grade, grade
    by_score = "D" if sc < 60 else "C" if sc < 75 else "B" if sc < 90 else "A"
    return _lower(cap, _higher(by_score, floor)), _lower(cap, by_score)


def _hold_reasons(grade: str, formula: str, layer: _Layer) -> list[str]:
    if grade == "N":
        return []
    out = []
    if GRADE_RANK[grade] > GRADE_RANK[formula]:
        # PIPL art. 24: a drop to C or D by the formula alone awaits a regulator's review.
        out.append("regulator_confirmation_required")
    if GRADE_RANK[grade] < GRADE_RANK[_lower(layer.cap, "B")]:
        out.append("regulator_confirmed_grade")
    return out


def _contributions(layer: _Layer, parts: Sequence[_Weighed]) -> list[Contribution]:
    out = []
    for e in layer.events:
        why = layer.skipped.get(e.event_id)
        found = next((p for p in parts if p.weigh(e) is not None), None)
        if found is None:
            out.append(
                Contribution(
                    e.event_id, e.kind, 0.0, 0.0, False, why or "record_layer", 0.0, "record"
                )
            )
            continue
        raw, dec = found.weights.get(e.event_id, (0.0, 0.0, None))[:2]
        cw = found.counted.get(e.event_id, 0.0)
        if why is None and e.event_id in found.weights and cw == 0.0 and dec > 0:
            why = "counterparty_cap"
        out.append(Contribution(e.event_id, e.kind, raw, dec, why is None, why, cw, found.part))
    return out


def _behaviour(
    events: Sequence[CreditEvent],
    voided: set[str],
    skipped: dict[str, str],
    as_of: datetime,
    weigh: Weigh,
) -> Weights:
    trades = {
        e.evidence: e for e in events if e.kind == "trade_completed" and e.event_id not in voided
    }
    rated: set[str | None] = set()
    last_rating: dict[str, datetime] = {}
    out: Weights = {}
    for e in events:
        if e.event_id in voided:
            continue
        raw = weigh(e)
        if raw is None:
            continue
        cp = e.counterparty
        if e.kind == "rating":
            assert cp is not None  # enforced by CreditEvent
            trade = trades.get(e.evidence)
            why = None
            if trade is None:
                why = "no_completed_trade"
            elif trade.counterparty is not None and trade.counterparty != cp:
                why = "not_the_buyer"
            elif e.evidence in rated:
                why = "trade_already_rated"
            elif cp in last_rating and e.occurred_at - last_rating[cp] < RATING_WINDOW:
                why = "one_rating_per_counterparty_per_week"
            if why:
                skipped[e.event_id] = why
                continue
            rated.add(e.evidence)
            last_rating[cp] = e.occurred_at
        age = (as_of - e.occurred_at).total_seconds() / 86400.0
        out[e.event_id] = (raw, raw * decay(age), cp)
    return out


def _raw_weight(e: CreditEvent) -> float | None:
    """The person model's weight of an event (None: the event does not weigh)."""
    if e.kind == "rating":
        assert e.weight is not None
        return rating_weight(e.weight)
    if e.kind == "dispute_outcome":
        return WEIGHTS["dispute_lost"] if e.detail == "lost_unresolved" else None
    if e.kind == "finding":
        f = e.details
        confirmed = f["status"] == "confirmed" and f["category"] == "misdescription"
        return WEIGHTS["misdescription"] if confirmed else None
    if e.kind in ("trade_completed", "wipe_certificate"):
        return WEIGHTS[e.kind]
    return None


def _behaviour_weight(e: CreditEvent) -> float | None:
    """A platform's order defects: the person model without the wipe certificates."""
    return None if e.kind == "wipe_certificate" else _raw_weight(e)


def _compliance_weight(e: CreditEvent) -> float | None:
    if e.kind == "wipe_certificate":
        return WEIGHTS["wipe_certificate"]
    if e.kind == "compliance":
        return WEIGHTS["compliance_pass" if e.details["result"] == "pass" else "compliance_fail"]
    return None


def capped_total(free: float, per_counterparty: Sequence[float]) -> float:
    """Largest R with R = free + sum(min(p, 10 % of R)): no counterparty above 10 % of R.

    g(R) = free + sum(min(p, sR)) - R is concave; walk the breakpoints p/s from the top and
    solve the linear piece where g crosses zero.
    """
    s = COUNTERPARTY_SHARE
    ps = sorted((p for p in per_counterparty if p > 0), reverse=True)
    suffix = [0.0] * (len(ps) + 1)  # summed from the smallest up: no drift from subtracting
    for i in range(len(ps) - 1, -1, -1):
        suffix[i] = suffix[i + 1] + ps[i]
    eps = 1e-12 * (free + suffix[0] + 1.0)
    for i, p in enumerate(ps):  # the i counterparties above this one are capped
        if free + i * p + suffix[i] - p / s >= -eps:
            if 1 - i * s <= 1e-12:  # flat piece: exactly 1/s counterparties share R
                return ps[i - 1] / s
            return (free + suffix[i]) / (1 - i * s)
    return free / (1 - len(ps) * s) if free > 0 and 1 - len(ps) * s > 1e-12 else 0.0


def _apply_cap(weights: Weights) -> tuple[float, float, dict[str, float]]:
    free, neg = 0.0, 0.0
    per_cp: dict[str, float] = defaultdict(float)
    for _raw, dec, cp in weights.values():
        if dec < 0:
            neg -= dec
        elif cp is None:
            free += dec
        else:
            per_cp[cp] += dec
    r = capped_total(free, list(per_cp.values()))
    limit = COUNTERPARTY_SHARE * r
    counted = {}
    for eid, (_raw, dec, cp) in weights.items():
        factor = 1.0
        if dec > 0 and cp is not None and per_cp[cp] > limit:
            factor = limit / per_cp[cp]
        counted[eid] = dec * factor
    return r, neg, counted


class ScoreBook:
    """Per-subject events and results: one new event rescores only its subject."""

    def __init__(self) -> None:
        self._events: dict[str, list[CreditEvent]] = defaultdict(list)
        self._results: dict[str, CreditResult] = {}

    def add(self, event: CreditEvent, *, as_of: datetime) -> CreditResult:
        """Record `event` and rescore its subject (O(that subject's events))."""
        bucket = self._events[event.subject]
        bucket.append(event)
        result = score_subject(bucket, as_of=as_of)
        self._results[event.subject] = result
        return result

    def recompute_all(self, *, as_of: datetime) -> None:
        """Rescore every subject, e.g. after a formula change or to move `as_of` on."""
        self._results = {s: score_subject(evs, as_of=as_of) for s, evs in self._events.items()}

    def load(self, events: Iterable[CreditEvent]) -> None:
        """Add events without scoring (call `recompute_all` afterwards)."""
        for e in events:
            self._events[e.subject].append(e)

    def result(self, subject: str) -> CreditResult | None:
        """The last computed result of `subject`."""
        return self._results.get(subject)
