"""What would change a grade: records ending, appeals and repairs, and how many fresh clean
events (simulated through the model itself) lift it. Every score page shows these hints."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from credit.events import CreditEvent
from credit.model import GRADE_RANK, CreditResult, score, score_platform

TIER_ZH = {"minor": "轻微失信", "ordinary": "一般失信", "serious": "严重失信"}

# Every `Hint.code`.
HINT_CODES = (
    "record_ends",
    "repair_possible_from",
    "repair_possible",
    "appeal_possible_until",
    "behaviour_part",
    "compliance_part",
    "more_clean_trades",
    "more_compliance_passes",
)


@dataclass(frozen=True)
class Hint:
    """A machine-readable way to change the grade, with the sentence to show."""

    code: str
    count: int | None
    target_grade: str | None
    zh: str
    en: str
    on: datetime | None = None


MAX_SIMULATED = 1000
_PART_ZH = {"behaviour": "交易行为部分", "compliance": "合规部分（数据清除、投诉处理）"}
_PART_EN = {
    "behaviour": "the trading behaviour part",
    "compliance": "the compliance part (data wiping, complaint handling)",
}


def _sim_buyer(i: int) -> str:
    return "p:" + hashlib.sha256(f"sim-{i}".encode()).hexdigest()


def _clean_trades(subject: str, k: int, as_of: datetime) -> list[CreditEvent]:
    # Each from a new buyer, so the 10 % counterparty cap treats them as real trades would be.
    return [
        CreditEvent(
            subject=subject,
            kind="trade_completed",
            weight=None,
            source="simulation",
            counterparty=_sim_buyer(i),
            occurred_at=as_of,
            evidence=f"sim-{i}",
            event_id=f"sim-{i}",
        )
        for i in range(k)
    ]


def _compliance_passes(subject: str, k: int, as_of: datetime) -> list[CreditEvent]:
    return [
        CreditEvent(
            subject=subject,
            kind="compliance",
            weight=None,
            source="simulation",
            counterparty=None,
            occurred_at=as_of,
            evidence=f"sim-c{i}",
            event_id=f"sim-c{i}",
            detail="check=complaint;result=pass",
        )
        for i in range(k)
    ]


def _record_hints(result: CreditResult, as_of: datetime) -> list[Hint]:
    hints: list[Hint] = []
    for rec in result.records:
        if rec.status != "active":
            continue
        hints.append(
            Hint(
                "record_ends",
                None,
                None,
                f"{TIER_ZH[rec.tier]}记录将于 {rec.published_until:%Y-%m-%d} 停止公示",
                f"the {rec.tier} record stops being published on {rec.published_until:%Y-%m-%d}",
                rec.published_until,
            )
        )
        if rec.repair_from > as_of:
            hints.append(
                Hint(
                    "repair_possible_from",
                    None,
                    None,
                    f"{rec.repair_from:%Y-%m-%d} 起可申请信用修复",
                    f"credit repair may be asked from {rec.repair_from:%Y-%m-%d}",
                    rec.repair_from,
                )
            )
        else:
            hints.append(
                Hint(
                    "repair_possible",
                    None,
                    None,
                    "现在可申请信用修复",
                    "credit repair may be asked now",
                )
            )
        if rec.appeal_until is not None:
            hints.append(
                Hint(
                    "appeal_possible_until",
                    None,
                    None,
                    f"{rec.appeal_until:%Y-%m-%d} 前可对{TIER_ZH[rec.tier]}记录提出申诉",
                    f"the {rec.tier} record may be appealed until {rec.appeal_until:%Y-%m-%d}",
                    rec.appeal_until,
                )
            )
    return hints


def _part_hints(result: CreditResult) -> list[Hint]:
    """Name the platform part whose formula grade is below the other's."""
    graded = [p for p in result.parts.values() if p.formula_grade != "N"]
    if len(graded) != 2 or graded[0].formula_grade == graded[1].formula_grade:
        return []
    low = min(graded, key=lambda p: GRADE_RANK[p.formula_grade])
    return [
        Hint(
            f"{low.name}_part",
            None,
            None,
            f"{_PART_ZH[low.name]}把等级压在 {result.grade}",
            f"{_PART_EN[low.name]} holds the grade at {result.grade}",
        )
    ]


def _fewest(
    result: CreditResult,
    events: Sequence[CreditEvent],
    as_of: datetime,
    rescore: Callable[..., CreditResult],
    make: Callable[[str, int, datetime], list[CreditEvent]],
) -> tuple[int, str] | None:
    """The fewest simulated events that lift the grade, and the grade they reach."""
    subject, current = result.subject or "", result.grade
    simulated = make(subject, MAX_SIMULATED, as_of)

    def grade(k: int) -> str:
        return rescore([*events, *simulated[:k]], as_of=as_of, subject=subject).grade

    def better(g: str) -> bool:
        return g != "N" if current == "N" else GRADE_RANK.get(g, -1) > GRADE_RANK[current]

    if not better(grade(MAX_SIMULATED)):
        return None
    lo, hi = 1, MAX_SIMULATED  # monotone: these events never lower a part's score
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if better(grade(mid)) else (mid + 1, hi)
    return lo, grade(lo)


def what_would_change(
    result: CreditResult, events: Sequence[CreditEvent], as_of: datetime
) -> list[Hint]:
    """Say what would change the grade: records ending, appeals, repairs, fresh clean events.

    The counts come from simulated fresh clean trades (each from a new buyer) and, for a
    platform, passed compliance checks; a platform's hints also name the part that holds the
    grade down.
    """
    hints = _record_hints(result, as_of)
    if result.subject is None or result.grade == "A":
        return hints
    platform = bool(result.parts)
    hints += _part_hints(result) if platform else []
    found = _fewest(result, events, as_of, score_platform if platform else score, _clean_trades)
    if found is not None:
        k, target = found
        hints.append(
            Hint(
                "more_clean_trades",
                k,
                target,
                f"再完成 {k} 笔无纠纷交易可升至 {target}",
                f"{k} more clean trade{'s' if k > 1 else ''} lift the grade to {target}",
            )
        )
    found = _fewest(result, events, as_of, score_platform, _compliance_passes) if platform else None
    if found is not None:
        k, target = found
        hints.append(
            Hint(
                "more_compliance_passes",
                k,
                target,
                f"再通过 {k} 次合规检查可升至 {target}",
                f"{k} more passed compliance check{'s' if k > 1 else ''} lift the "
                f"grade to {target}",
            )
        )
    return hints
