"""Score and grade per DOMAIN.md "Credit": a decayed Beta reputation capped by confirmed records."""

from __future__ import annotations

import calendar
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from credit.errors import InvalidEvent, MixedSubjects
from credit.events import TIER_MONTHS, CreditEvent

FORMULA_VERSION = "beta-decay-1 (2026-11)"
HALF_LIFE_DAYS = 180.0
PRIOR_M, PRIOR_MU = 10.0, 0.9
A0, B0 = PRIOR_M * PRIOR_MU, PRIOR_M * (1 - PRIOR_MU)
MIN_CONFIDENCE = 20.0
COUNTERPARTY_SHARE = 0.10
RATING_WINDOW = timedelta(days=7)
TIER_ZH = {"minor": "轻微失信", "ordinary": "一般失信", "serious": "严重失信"}
GRADE_RANK = {"D": 0, "C": 1, "B": 2, "A": 3}
WEIGHTS = {"trade_completed": 1.0, "wipe_certificate": 0.5, "dispute_lost": -3.0,
           "misdescription": -3.0}


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


@dataclass(frozen=True)
class Contribution:
    """One event's part in the score; `counted_weight` is after anti-gaming caps."""

    event_id: str
    kind: str
    raw_weight: float
    decayed_weight: float
    counted: bool
    why_not: str | None
    counted_weight: float = 0.0


@dataclass(frozen=True)
class Record:
    """A regulator's finding; while `status == "active"` it caps the grade."""

    finding_id: str
    tier: str
    category: str
    status: str  # pending | active | repaired | ended | voided
    published_from: datetime
    repair_from: datetime
    published_until: datetime


@dataclass(frozen=True)
class CreditResult:
    """Score, grade and everything needed to explain them."""

    subject: str | None
    score: float
    grade: str
    confidence: float
    reasons: list[str]
    formula_version: str
    as_of: datetime
    contributions: list[Contribution] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)


def score(events: Iterable[CreditEvent], *, as_of: datetime) -> CreditResult:
    """Score one subject's events as of `as_of` (aware); events after `as_of` are ignored."""
    if as_of.tzinfo is None:
        raise InvalidEvent("as_of must be timezone-aware")
    evs = sorted(events, key=lambda e: (e.occurred_at, e.event_id))
    subjects = {e.subject for e in evs}
    if len(subjects) > 1:
        raise MixedSubjects(f"{len(subjects)} subjects in one score")
    skipped: dict[str, str] = {}
    present = [e for e in evs if e.occurred_at <= as_of]
    for e in evs:
        if e.occurred_at > as_of:
            skipped[e.event_id] = "after_as_of"
    voided = _voided(present)
    records = _records(present, voided, as_of, skipped)
    weights = _behaviour(present, voided, skipped, as_of)
    r, s, counted = _apply_cap(weights)
    sc = 100.0 * (r + A0) / (r + s + A0 + B0)
    n = r + s
    grade, reasons = _grade(sc, n, records, weights, r)
    contributions = []
    for e in evs:
        raw, dec = weights.get(e.event_id, (0.0, 0.0, None))[:2]
        why = skipped.get(e.event_id)
        cw = counted.get(e.event_id, 0.0)
        if why is None and e.event_id in weights and cw == 0.0 and dec > 0:
            why = "counterparty_cap"
        if why is None and e.event_id not in weights:
            why = "record_layer"
        contributions.append(Contribution(e.event_id, e.kind, raw, dec, why is None, why, cw))
    return CreditResult(next(iter(subjects), None), sc, grade, n, reasons, FORMULA_VERSION, as_of,
                        contributions, records)


def _voided(events: Sequence[CreditEvent]) -> set[str]:
    out = set()
    for e in events:
        f = e.details
        if e.kind == "void" or (e.kind == "appeal_result" and f["decision"] == "voided"):
            out.add(f["target"])
    return out


def _records(events: Sequence[CreditEvent], voided: set[str], as_of: datetime,
             skipped: dict[str, str]) -> list[Record]:
    findings = [e for e in events if e.kind == "finding"]
    confirmed_cases = {e.evidence for e in findings
                       if e.details["status"] == "confirmed" and e.event_id not in voided}
    repairs = {e.details["target"]: e for e in events if e.kind == "repair"}
    out = []
    for e in findings:
        f = e.details
        low, high = TIER_MONTHS[f["tier"]]
        months = int(f.get("months", high))
        start = e.occurred_at
        repair_from, until = add_months(start, low), add_months(start, months)
        status = "active"
        if e.event_id in voided:
            status = "voided"
        elif f["status"] == "pending":
            if e.evidence in confirmed_cases:
                continue  # superseded by the regulator's confirmation of the same case
            status = "pending"
        elif (rep := repairs.get(e.event_id)) is not None and rep.occurred_at >= repair_from:
            status, until = "repaired", rep.occurred_at
        elif as_of >= until:
            status = "ended"
        if (rep := repairs.get(e.event_id)) is not None and rep.occurred_at < repair_from:
            skipped[rep.event_id] = "repair_before_minimum_period"
        out.append(Record(e.event_id, f["tier"], f["category"], status, start, repair_from, until))
    return out


Weights = dict[str, tuple[float, float, str | None]]  # event_id -> (raw, decayed, counterparty)


def _behaviour(events: Sequence[CreditEvent], voided: set[str], skipped: dict[str, str],
               as_of: datetime) -> Weights:
    trades = {e.evidence: e for e in events
              if e.kind == "trade_completed" and e.event_id not in voided}
    rated: set[str | None] = set()
    last_rating: dict[str, datetime] = {}
    out: Weights = {}
    for e in events:
        if e.event_id in voided:
            skipped[e.event_id] = "voided"
            continue
        raw = _raw_weight(e)
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
    if e.kind == "rating":
        assert e.weight is not None
        return rating_weight(e.weight)
    if e.kind == "dispute_outcome":
        return WEIGHTS["dispute_lost"] if e.detail == "lost_unresolved" else None
    if e.kind == "finding":
        f = e.details
        confirmed = f["status"] == "confirmed" and f["category"] == "misdescription"
        return WEIGHTS["misdescription"] if confirmed else None
    return WEIGHTS.get(e.kind)


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


def _grade(sc: float, n: float, records: list[Record], weights: Weights,
           r: float) -> tuple[str, list[str]]:
    active = {rec.tier for rec in records if rec.status == "active"}
    reasons = [f"active_{t}_record" for t in ("serious", "ordinary", "minor") if t in active]
    if any(rec.status == "pending" for rec in records):
        reasons.append("pending_finding")
    if r + 1e-9 < sum(d for _r, d, _c in weights.values() if d > 0):
        reasons.append("counterparty_cap")
    band = "low_score" if sc < 60 else "fair_score" if sc < 75 else (
        "good_score" if sc < 90 else "high_score")
    if n < MIN_CONFIDENCE:
        reasons.append("new_subject")
    reasons.append(band)
    if "serious" in active:
        return "D", reasons
    if "ordinary" in active:
        return ("D" if n >= MIN_CONFIDENCE and sc < 60 else "C"), reasons
    if n < MIN_CONFIDENCE:
        return "N", reasons
    grade = "D" if sc < 60 else "C" if sc < 75 else "B" if sc < 90 or active else "A"
    if grade in "CD":
        # PIPL art. 24: a drop to C or D by the formula alone awaits a regulator's review.
        reasons.append("regulator_confirmation_required")
    return grade, reasons


@dataclass(frozen=True)
class Hint:
    """A machine-readable way to change the grade, with the sentence to show."""

    code: str
    count: int | None
    target_grade: str | None
    zh: str
    en: str
    on: datetime | None = None


MAX_SIMULATED_TRADES = 1000


def _clean_trades(subject: str, k: int, as_of: datetime) -> list[CreditEvent]:
    # Each from a new buyer, so the 10 % counterparty cap treats them as real trades would be.
    return [CreditEvent(subject=subject, kind="trade_completed", weight=None, source="simulation",
                        counterparty="p:" + hashlib.sha256(f"sim-{i}".encode()).hexdigest(),
                        occurred_at=as_of, evidence=f"sim-{i}",
                        event_id=f"sim-{i}") for i in range(k)]


def what_would_change(result: CreditResult, events: Sequence[CreditEvent],
                      as_of: datetime) -> list[Hint]:
    """Say how many fresh clean trades (+1 each, simulated) lift the grade, and when records end."""
    hints: list[Hint] = []
    for rec in result.records:
        if rec.status != "active":
            continue
        hints.append(Hint("record_ends", None, None,
                          f"{TIER_ZH[rec.tier]}记录将于 {rec.published_until:%Y-%m-%d} 停止公示",
                          f"the {rec.tier} record stops being published on "
                          f"{rec.published_until:%Y-%m-%d}", rec.published_until))
        if rec.repair_from > as_of:
            hints.append(Hint("repair_possible_from", None, None,
                              f"{rec.repair_from:%Y-%m-%d} 起可申请信用修复",
                              f"credit repair may be asked from {rec.repair_from:%Y-%m-%d}",
                              rec.repair_from))
        else:
            hints.append(Hint("repair_possible", None, None, "现在可申请信用修复",
                              "credit repair may be asked now"))
    if result.subject is None or result.grade == "A":
        return hints
    current = result.grade

    def better(k: int) -> bool:
        g = score([*events, *_clean_trades(result.subject or "", k, as_of)], as_of=as_of).grade
        return g != "N" if current == "N" else GRADE_RANK.get(g, -1) > GRADE_RANK[current]

    if not better(MAX_SIMULATED_TRADES):
        return hints
    lo, hi = 1, MAX_SIMULATED_TRADES  # better() is monotone: clean trades never lower the score
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if better(mid) else (mid + 1, hi)
    target = score([*events, *_clean_trades(result.subject, lo, as_of)], as_of=as_of).grade
    hints.append(Hint("more_clean_trades", lo, target,
                      f"再完成 {lo} 笔无纠纷交易可升至 {target}",
                      f"{lo} more clean trade{'s' if lo > 1 else ''} lift the grade to {target}"))
    return hints


class ScoreBook:
    """Per-subject events and results: one new event rescores only its subject."""

    def __init__(self) -> None:
        self._events: dict[str, list[CreditEvent]] = defaultdict(list)
        self._results: dict[str, CreditResult] = {}

    def add(self, event: CreditEvent, *, as_of: datetime) -> CreditResult:
        """Record `event` and rescore its subject (O(that subject's events))."""
        bucket = self._events[event.subject]
        bucket.append(event)
        result = score(bucket, as_of=as_of)
        self._results[event.subject] = result
        return result

    def recompute_all(self, *, as_of: datetime) -> None:
        """Rescore every subject, e.g. after a formula change or to move `as_of` on."""
        self._results = {s: score(evs, as_of=as_of) for s, evs in self._events.items()}

    def load(self, events: Iterable[CreditEvent]) -> None:
        """Add events without scoring (call `recompute_all` afterwards)."""
        for e in events:
            self._events[e.subject].append(e)

    def result(self, subject: str) -> CreditResult | None:
        """The last computed result of `subject`."""
        return self._results.get(subject)
