"""Event builders for the credit tests: one seller, numbered buyers, times counted back from NOW."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from credit.events import CreditEvent, org_subject, person_subject

KEY = b"test-subject-key-32-bytes-long!!"
SELLER = org_subject("91350100M000100Y43")
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def buyer(i: int) -> str:
    return person_subject(f"11010519491231002{i:04d}", KEY)


def trade(i: int, age_days: float = 0, *, cp: int | None = None) -> CreditEvent:
    """Trade `t{i}` with buyer `cp` (default: buyer i), `age_days` before NOW."""
    return CreditEvent(
        SELLER,
        "trade_completed",
        None,
        "xunhuan",
        buyer(i if cp is None else cp),
        NOW - timedelta(days=age_days),
        f"t{i}",
        f"trade-{i}",
    )


def rating(
    i: int, age_days: float = 0, stars: int = 5, *, cp: int | None = None, eid: str | None = None
) -> CreditEvent:
    """A rating of trade `t{i}` by buyer `cp` (default: buyer i)."""
    return CreditEvent(
        SELLER,
        "rating",
        stars,
        "xunhuan",
        buyer(i if cp is None else cp),
        NOW - timedelta(days=age_days),
        f"t{i}",
        eid or f"rating-{i}",
    )


def finding(
    case: str,
    tier: str,
    status: str = "confirmed",
    age_days: float = 0,
    category: str = "misdescription",
    months: int | None = None,
) -> CreditEvent:
    detail = f"tier={tier};status={status};category={category}"
    if months is not None:
        detail += f";months={months}"
    return CreditEvent(
        SELLER,
        "finding",
        None,
        "regulator",
        None,
        NOW - timedelta(days=age_days),
        case,
        f"finding-{case}-{status}",
        detail,
    )


def follow_up(kind: str, target: str, age_days: float = 0, extra: str = "") -> CreditEvent:
    """A void, repair or appeal_result aimed at `target`."""
    return CreditEvent(
        SELLER,
        kind,
        None,
        "regulator",
        None,
        NOW - timedelta(days=age_days),
        None,
        f"{kind}-{target}-{age_days}",
        f"target={target}{extra}",
    )


def dispute(i: int, age_days: float = 0, outcome: str = "lost_unresolved") -> CreditEvent:
    """A dispute outcome about trade `t{i}`."""
    return CreditEvent(
        SELLER,
        "dispute_outcome",
        None,
        "xunhuan",
        buyer(i),
        NOW - timedelta(days=age_days),
        None,
        f"dispute-{i}",
        outcome,
    )


def appeal(target: str, age_days: float = 0) -> CreditEvent:
    """The seller's appeal against the finding `target`."""
    return CreditEvent(
        SELLER,
        "appeal",
        None,
        "xunhuan",
        None,
        NOW - timedelta(days=age_days),
        f"appeal:{target}",
        f"appeal-{target}-{age_days}",
        f"target={target}",
    )


def review(grade: str, decision: str = "confirmed", age_days: float = 0) -> CreditEvent:
    """A regulator's review of a drop to `grade` by the formula alone."""
    return CreditEvent(
        SELLER,
        "grade_review",
        None,
        "xunhuan/regulator/7",
        None,
        NOW - timedelta(days=age_days),
        None,
        f"review-{grade}-{decision}-{age_days}",
        f"grade={grade};decision={decision}",
    )


def compliance(
    i: int,
    result: str = "pass",
    age_days: float = 0,
    check: str = "complaint",
    *,
    cp: int | None = None,
) -> CreditEvent:
    """A compliance check of the platform (complaint handled, device wiped)."""
    return CreditEvent(
        SELLER,
        "compliance",
        None,
        "xunhuan/regulator/7",
        None if cp is None else buyer(cp),
        NOW - timedelta(days=age_days),
        f"complaint:{i}",
        f"compliance-{i}",
        f"check={check};result={result}",
    )


def wipe(i: int, age_days: float = 0) -> CreditEvent:
    """A wipe certificate issued by the platform."""
    return CreditEvent(
        SELLER,
        "wipe_certificate",
        None,
        "xunhuan",
        None,
        NOW - timedelta(days=age_days),
        f"certificate:{i}",
        f"wipe-{i}",
    )
