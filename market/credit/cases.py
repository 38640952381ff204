"""The regulator's decisions and the subject's appeals and repair requests.

Every decision is one ledger entry written through `services.append_events` in the same
transaction as the case change, with source `xunhuan/regulator/<user id>` and the
regulator's id and reason beside the chain (who, when and why). Input is checked before
anything is written, so a refused action changes nothing. Each action locks the ledger head
first: two regulators deciding the same case one after the other see each other's decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from credit.errors import InvalidSubject
from credit.events import DISPUTE_OUTCOMES, TIER_MONTHS, CreditEvent, check_subject
from credit.model import APPEAL_DAYS, REVIEW_VALID_DAYS, CreditResult, Record, score_subject
from market.accounts.models import User
from market.credit import services
from market.credit.case_models import CaseKind, CaseStatus, CreditAccessLog, CreditCase
from market.credit.errors import CaseConflict, CaseError, CaseNotFound
from market.credit.models import CreditScore
from market.credit.repository import SqlLedger
from market.db import utcnow
from market.listings.models import Listing
from market.trades.models import Report, Reservation

REASON_MIN, REASON_MAX = 5, 500
STATEMENT_MIN, STATEMENT_MAX = 10, 1000
ACCESS_FRESH = timedelta(minutes=30)
APPEAL_ANSWER_DAYS = 15  # the regulator answers within 15 days of the filing
CATEGORIES = ("fraud", "counterfeit", "misdescription", "penalty", "other")
APPEAL_DECISIONS = ("upheld", "voided")
REPAIR_DECISIONS = ("granted", "refused")
REVIEW_DECISIONS = ("confirmed", "rejected")
REPORT_FINDING, REPORT_DISMISSED = "finding", "dismissed"


DOCUMENT_MAX = 100
Personal = Mapping[str, str]


def check_reason(reason: str | None) -> str:
    """The reason every decision carries: 5-500 characters after trimming."""
    text = (reason or "").strip()
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise CaseError(_l("请填写理由（5至500个字符）。"), field="reason")
    return text


def check_statement(statement: str | None) -> str:
    text = (statement or "").strip()
    if not STATEMENT_MIN <= len(text) <= STATEMENT_MAX:
        raise CaseError(_l("请填写说明（10至1000个字符）。"), field="statement")
    return text


def _choice(value: str | None, allowed: tuple[str, ...] | frozenset[str], field: str) -> str:
    if value is None or value not in allowed:
        raise CaseError(_l("请选择一项处理结果。"), field=field)
    return value


def _subject(value: str) -> str:
    try:
        check_subject(value)
    except InvalidSubject:
        raise CaseNotFound(_l("没有这个信用主体。")) from None
    return value


def _regulator_event(
    regulator: User,
    *,
    subject: str,
    kind: str,
    detail: str | None,
    evidence: str | None,
    event_id: str,
    now: datetime,
    counterparty: str | None = None,
) -> CreditEvent:
    """Every decision's entry; a regulator never decides a case about themselves."""
    own = services.user_subject(regulator.id or 0, services.key_from_config(current_app.config))
    if own in (subject, counterparty):
        raise CaseConflict(_l("不能处理与本人有关的案件，请交由其他监管人员处理。"))
    return CreditEvent(
        subject=subject,
        kind=kind,
        weight=None,
        source=f"xunhuan/regulator/{regulator.id}",
        counterparty=counterparty,
        occurred_at=now,
        evidence=evidence,
        event_id=event_id,
        detail=detail,
    )


def _who(regulator: User, reason: str) -> Personal:
    return {"regulator_id": str(regulator.id), "reason": reason}


def _lock(session: Session) -> None:
    SqlLedger(session).lock_head()


def _case(session: Session, case_id: int, kind: CaseKind) -> CreditCase:
    case = session.exec(
        select(CreditCase)
        .where(CreditCase.id == case_id, CreditCase.kind == kind.value)
        .execution_options(populate_existing=True)
    ).first()
    if case is None:
        raise CaseNotFound(_l("没有这个案件。"))
    if case.status != CaseStatus.OPEN:
        raise CaseConflict(_l("此案件已处理。"))
    return case


def _new_case(session: Session, **fields: Any) -> CreditCase:
    case = CreditCase(**fields)
    session.add(case)
    session.flush()  # the id names the case's ledger entries
    return case


def _close(
    case: CreditCase,
    regulator: User,
    *,
    decision: str,
    reason: str,
    event_id: str | None,
    now: datetime,
) -> None:
    if case.status == CaseStatus.CLOSED.value:  # decided once; a second answer is a new case
        raise CaseConflict(_l("这个案件已有结论。"))
    case.status = CaseStatus.CLOSED.value
    case.closed_at, case.closed_by_user_id = now, regulator.id
    case.decision, case.decision_reason, case.decision_event_id = decision, reason, event_id


def _record_decision(
    session: Session,
    regulator: User,
    case: CreditCase,
    events: list[CreditEvent],
    *,
    decision: str,
    reason: str,
    now: datetime,
) -> CreditCase:
    """The end of every decision: its entries (who beside the chain, with the reason), the case
    closed naming the first entry, one commit."""
    services.append_events(session, [(e, _who(regulator, reason)) for e in events])
    _close(case, regulator, decision=decision, reason=reason, event_id=events[0].event_id, now=now)
    session.add(case)
    session.commit()
    return case


def result_of(
    session: Session, subject: str, now: datetime | None = None
) -> tuple[CreditResult, dict[str, CreditEvent]]:
    """The subject's result and events, without the hints `services.standing` simulates."""
    events = SqlLedger(session).events_of(subject)
    result = score_subject(events, as_of=now or utcnow(), subject=subject)
    return result, {e.event_id: e for e in events}


def _record(session: Session, subject: str, finding_id: str, now: datetime) -> Record | None:
    result, _events = result_of(session, subject, now)
    return next((r for r in result.records if r.finding_id == finding_id), None)


# -- opening a subject's personal data


def open_subject(
    *,
    session: Session,
    regulator: User,
    subject: str,
    reason: str | None,
    now: datetime | None = None,
) -> CreditAccessLog:
    """Log that `regulator` opens `subject`'s names and contact data, and why."""
    text = check_reason(reason)
    row = CreditAccessLog(
        regulator_user_id=regulator.id or 0,
        subject=_subject(subject),
        reason=text,
        at=now or utcnow(),
    )
    session.add(row)
    session.commit()
    return row


def access_open(
    *, session: Session, regulator: User, subject: str, now: datetime | None = None
) -> CreditAccessLog | None:
    """The regulator's access log row for `subject` from the last 30 minutes, if any."""
    since = (now or utcnow()) - ACCESS_FRESH
    return session.exec(
        select(CreditAccessLog)
        .where(
            CreditAccessLog.regulator_user_id == regulator.id,
            CreditAccessLog.subject == subject,
            col(CreditAccessLog.at) >= since,
        )
        .order_by(col(CreditAccessLog.at).desc())
    ).first()


# -- findings


def _finding_input(
    tier: str | None, category: str | None, months: str | int | None, evidence: str | None
) -> tuple[str, str, int, str]:
    if tier not in TIER_MONTHS:
        raise CaseError(_l("请选择失信等级。"), field="tier")
    if category not in CATEGORIES:
        raise CaseError(_l("请选择认定类别。"), field="category")
    low, high = TIER_MONTHS[tier]
    raw = str(months if months is not None else "").strip()
    if not raw.isdecimal() or not low <= int(raw) <= high:
        raise CaseError(
            _l("公示期须在%(low)d至%(high)d个月之间。", low=low, high=high), field="months"
        )
    ref = " ".join((evidence or "").split())
    if not ref or len(ref) > DOCUMENT_MAX:
        raise CaseError(_l("请填写案卷编号或文书文号（最多100个字符）。"), field="evidence")
    return tier, category, int(raw), ref


def _open_finding(
    session: Session,
    regulator: User,
    *,
    subject: str,
    tier: str,
    category: str,
    months: int,
    evidence: str,
    reason: str,
    now: datetime,
    report_id: int | None = None,
) -> CreditCase:
    _lock(session)
    case = _new_case(
        session,
        kind=CaseKind.FINDING.value,
        subject=subject,
        report_id=report_id,
        opened_at=now,
        opened_by_user_id=regulator.id,
    )
    event_id = f"xunhuan:case{case.id}:pending"
    case.target_event_id = event_id
    detail = f"tier={tier};status=pending;category={category};months={months}"
    # The chain cites the case; the document number (free text) sits beside it with the reason.
    event = _regulator_event(
        regulator,
        subject=subject,
        kind="finding",
        detail=detail,
        evidence=f"xunhuan:case{case.id}",
        event_id=event_id,
        now=now,
    )
    services.append_events(session, [(event, {**_who(regulator, reason), "document": evidence})])
    session.add(case)
    return case


def open_finding(
    *,
    session: Session,
    regulator: User,
    subject: str,
    tier: str | None,
    category: str | None,
    months: str | int | None,
    evidence: str | None,
    reason: str | None,
    now: datetime | None = None,
) -> CreditCase:
    """Open a pending finding against `subject`; it caps nothing until confirmed."""
    text = check_reason(reason)
    fields = _finding_input(tier, category, months, evidence)
    case = _open_finding(
        session,
        regulator,
        subject=_subject(subject),
        tier=fields[0],
        category=fields[1],
        months=fields[2],
        evidence=fields[3],
        reason=text,
        now=now or utcnow(),
    )
    session.commit()
    return case


def _pending(
    session: Session, subject: str, event_id: str, now: datetime
) -> tuple[CreditEvent, CreditCase | None]:
    result, events = result_of(session, subject, now)
    record = next((r for r in result.records if r.finding_id == event_id), None)
    case = session.exec(
        select(CreditCase)
        .where(
            CreditCase.kind == CaseKind.FINDING.value,
            CreditCase.subject == subject,
            CreditCase.target_event_id == event_id,
        )
        .execution_options(populate_existing=True)
    ).first()
    if (
        record is None
        or record.status != "pending"
        or (case is not None and case.status != CaseStatus.OPEN)
    ):
        raise CaseConflict(_l("没有这项待确认的认定（可能已确认或已撤销）。"))
    return events[event_id], case


def _decide_pending(
    session: Session,
    regulator: User,
    *,
    subject: str,
    event_id: str,
    reason: str | None,
    now: datetime | None,
    confirm: bool,
) -> CreditCase:
    text = check_reason(reason)
    when = now or utcnow()
    _lock(session)
    pending, case = _pending(session, _subject(subject), event_id, when)
    if case is None:  # pushed by a partner platform through the API: its case starts now
        case = _new_case(
            session,
            kind=CaseKind.FINDING.value,
            subject=subject,
            target_event_id=event_id,
            opened_at=pending.occurred_at,
        )
    if confirm:  # naming the pending finding it confirms, so no other one of the case is hidden
        detail = (pending.detail or "").replace("status=pending", "status=confirmed")
        detail += f";supersedes={event_id}"
        event = _regulator_event(
            regulator,
            subject=subject,
            kind="finding",
            detail=detail,
            evidence=pending.evidence,
            event_id=f"xunhuan:case{case.id}:confirmed",
            now=when,
        )
    else:
        event = _regulator_event(
            regulator,
            subject=subject,
            kind="void",
            detail=f"target={event_id}",
            evidence=f"case:{case.id}",
            event_id=f"xunhuan:case{case.id}:void",
            now=when,
        )
    return _record_decision(
        session,
        regulator,
        case,
        [event],
        decision="confirmed" if confirm else "voided",
        reason=text,
        now=when,
    )


def confirm_finding(
    *,
    session: Session,
    regulator: User,
    subject: str,
    event_id: str,
    reason: str | None,
    now: datetime | None = None,
) -> CreditCase:
    """Confirm a pending finding: a confirmed finding with the same evidence supersedes it."""
    return _decide_pending(
        session, regulator, subject=subject, event_id=event_id, reason=reason, now=now, confirm=True
    )


def void_finding(
    *,
    session: Session,
    regulator: User,
    subject: str,
    event_id: str,
    reason: str | None,
    now: datetime | None = None,
) -> CreditCase:
    """Void a pending finding (a `void` entry naming it)."""
    return _decide_pending(
        session,
        regulator,
        subject=subject,
        event_id=event_id,
        reason=reason,
        now=now,
        confirm=False,
    )


# -- held grades


def held(result: CreditResult) -> bool:
    """A formula-driven drop to C or D that waits for a regulator's review (PIPL art. 24)."""
    return result.formula_grade in ("C", "D") and result.grade != result.formula_grade


def _rejected_lately(events: list[CreditEvent], grade: str, now: datetime) -> bool:
    since = now - timedelta(days=REVIEW_VALID_DAYS)
    reviews = [
        e
        for e in events
        if e.kind == "grade_review" and e.details.get("grade") == grade and e.occurred_at >= since
    ]
    return bool(reviews) and reviews[-1].details.get("decision") == "rejected"


def held_subjects(session: Session, *, now: datetime | None = None) -> list[CreditResult]:
    """Subjects whose grade is held awaiting a review of the drop to C or D.

    Candidates come from the score projection (its rows are at most a day old, and every event
    refreshes its subject's row); each is rescored now. A hold a regulator rejected within the
    review period is not waiting any more.
    """
    when = now or utcnow()
    ledger = SqlLedger(session)
    candidates = session.exec(
        select(CreditScore.subject)
        .where(
            col(CreditScore.formula_grade).in_(("C", "D")),
            CreditScore.grade != CreditScore.formula_grade,
        )
        .order_by(col(CreditScore.subject))
    )
    out = []
    for subject in list(candidates):
        events = ledger.events_of(subject)
        result = score_subject(events, as_of=when, subject=subject)
        if held(result) and not _rejected_lately(events, result.formula_grade or "", when):
            out.append(result)
    return out


def review_grade(
    *,
    session: Session,
    regulator: User,
    subject: str,
    decision: str | None,
    reason: str | None,
    now: datetime | None = None,
) -> CreditCase:
    """Confirm or reject a held drop to C or D (a `grade_review` entry)."""
    text = check_reason(reason)
    choice = _choice(decision, REVIEW_DECISIONS, "decision")
    when = now or utcnow()
    _lock(session)
    result, events = result_of(session, _subject(subject), when)
    if not held(result):
        raise CaseConflict(_l("该对象的等级没有等待复核的下调。"))
    if _rejected_lately(list(events.values()), result.formula_grade or "", when):
        # One regulator's rejection stands for the review period; another cannot override it.
        raise CaseConflict(_l("这次下调已被驳回，复核期内不再重复复核。"))
    case = _new_case(session, kind=CaseKind.REVIEW.value, subject=subject, opened_at=when)
    event = _regulator_event(
        regulator,
        subject=subject,
        kind="grade_review",
        detail=f"grade={result.formula_grade};decision={choice}",
        evidence=f"case:{case.id}",
        event_id=f"xunhuan:case{case.id}:grade_review",
        now=when,
    )
    return _record_decision(
        session, regulator, case, [event], decision=choice, reason=text, now=when
    )


# -- disputes and reports


def decide_dispute(
    *,
    session: Session,
    regulator: User,
    reservation_id: int,
    outcome: str | None,
    reason: str | None,
    key: bytes,
    now: datetime | None = None,
) -> CreditCase:
    """Decide a disputed trade: a `dispute_outcome` for the seller and the venue's organization."""
    text = check_reason(reason)
    choice = _choice(outcome, tuple(sorted(DISPUTE_OUTCOMES)), "outcome")
    when = now or utcnow()
    reservation = session.get(Reservation, reservation_id)
    if reservation is None or reservation.disputed_at is None:
        raise CaseNotFound(_l("没有这个纠纷。"))
    _lock(session)
    decided = session.exec(
        select(CreditCase.id).where(
            CreditCase.kind == CaseKind.DISPUTE.value,
            CreditCase.reservation_id == reservation_id,
        )
    ).first()
    if decided is not None:
        raise CaseConflict(_l("该纠纷已有结论。"))
    seller = services.user_subject(reservation.seller_id, key)
    case = _new_case(
        session,
        kind=CaseKind.DISPUTE.value,
        subject=seller,
        reservation_id=reservation_id,
        opened_at=reservation.disputed_at,
    )
    buyer = services.user_subject(reservation.buyer_id, key)
    subjects = [(seller, "p")]
    listing = session.get(Listing, reservation.listing_id)
    org = services.venue_subject(session, listing.venue if listing else None)
    subjects += [(org, "o")] if org is not None else []
    events = [
        _regulator_event(
            regulator,
            subject=subject,
            kind="dispute_outcome",
            detail=choice,
            evidence=f"reservation:{reservation_id}",
            counterparty=buyer,
            now=when,
            event_id=f"xunhuan:case{case.id}:dispute:{suffix}",
        )
        for subject, suffix in subjects
    ]
    return _record_decision(
        session, regulator, case, events, decision=choice, reason=text, now=when
    )


def report_subject(session: Session, report: Report, key: bytes) -> str | None:
    """The person a report is about: the reported user, or the listing's owner."""
    user_id = report.user_id
    if user_id is None and report.listing_id is not None:
        listing = session.get(Listing, report.listing_id)
        user_id = listing.owner_id if listing else None
    return services.user_subject(user_id, key) if user_id is not None else None


def _open_report(session: Session, report_id: int) -> Report:
    report = session.exec(
        select(Report).where(Report.id == report_id).execution_options(populate_existing=True)
    ).first()
    if report is None:
        raise CaseNotFound(_l("没有这个举报。"))
    if report.status != "open":
        raise CaseConflict(_l("此举报已处理。"))
    return report


def finding_from_report(
    *,
    session: Session,
    regulator: User,
    report_id: int,
    tier: str | None,
    category: str | None,
    months: str | int | None,
    evidence: str | None,
    reason: str | None,
    key: bytes,
    now: datetime | None = None,
) -> CreditCase:
    """Open a pending finding against the person a report is about."""
    text = check_reason(reason)
    fields = _finding_input(tier, category, months, evidence)
    _lock(session)
    report = _open_report(session, report_id)
    subject = report_subject(session, report, key)
    if subject is None:
        raise CaseNotFound(_l("举报的对象已不存在。"))
    case = _open_finding(
        session,
        regulator,
        subject=subject,
        tier=fields[0],
        category=fields[1],
        months=fields[2],
        evidence=fields[3],
        reason=text,
        now=now or utcnow(),
        report_id=report_id,
    )
    report.status = REPORT_FINDING
    session.add(report)
    session.commit()
    return case


def dismiss_report(
    *,
    session: Session,
    regulator: User,
    report_id: int,
    reason: str | None,
    key: bytes,
    now: datetime | None = None,
) -> CreditCase:
    """Dismiss a report: a closed case with the reason; no one's credit changes."""
    text = check_reason(reason)
    when = now or utcnow()
    _lock(session)
    report = _open_report(session, report_id)
    case = _new_case(
        session,
        kind=CaseKind.REPORT.value,
        subject=report_subject(session, report, key) or "",
        report_id=report_id,
        opened_at=report.created_at,
    )
    _close(case, regulator, decision=REPORT_DISMISSED, reason=text, event_id=None, now=when)
    report.status = REPORT_DISMISSED
    session.add_all([case, report])
    session.commit()
    return case


# -- appeals and repairs


def appeal_deadline(record: Record) -> datetime:
    return record.published_from + timedelta(days=APPEAL_DAYS)


def file_appeal(
    *,
    session: Session,
    user: User,
    key: bytes,
    finding_id: str,
    statement: str | None,
    now: datetime | None = None,
) -> CreditCase:
    """The subject contests a confirmed record within 15 days (an `appeal` entry and a case)."""
    text = check_statement(statement)
    when = now or utcnow()
    subject = services.user_subject(user.id or 0, key)
    _lock(session)
    record = _record(session, subject, finding_id, when)
    if record is None or record.status != "active":
        raise CaseNotFound(_l("没有这项可申诉的记录。"))
    if when > appeal_deadline(record):
        raise CaseConflict(_l("已超过15天申诉期。"))
    if _cases(session, subject, finding_id, CaseKind.APPEAL):
        raise CaseConflict(_l("这项记录已申诉过，不能重复申诉。"))
    case = _new_case(
        session,
        kind=CaseKind.APPEAL.value,
        subject=subject,
        target_event_id=finding_id,
        opened_at=when,
        due_at=when + timedelta(days=APPEAL_ANSWER_DAYS),
        opened_by_user_id=user.id,
        statement=text,
    )
    event = CreditEvent(
        subject=subject,
        kind="appeal",
        weight=None,
        source=services.SOURCE,
        counterparty=None,
        occurred_at=when,
        evidence=f"appeal:{case.id}",
        event_id=f"xunhuan:case{case.id}:appeal",
        detail=f"target={finding_id}",
    )
    services.append_events(session, [(event, {"statement": text})])
    session.commit()
    return case


def request_repair(
    *,
    session: Session,
    user: User,
    key: bytes,
    finding_id: str,
    statement: str | None,
    now: datetime | None = None,
) -> CreditCase:
    """The subject asks for credit repair once the record's minimum period is over."""
    text = check_statement(statement)
    when = now or utcnow()
    subject = services.user_subject(user.id or 0, key)
    _lock(session)
    record = _record(session, subject, finding_id, when)
    if record is None or record.status != "active":
        raise CaseNotFound(_l("没有这项可申请修复的记录。"))
    if when < record.repair_from:
        raise CaseConflict(_l("%(day)s 起才可申请信用修复。", day=f"{record.repair_from:%Y-%m-%d}"))
    if any(
        c.status == CaseStatus.OPEN for c in _cases(session, subject, finding_id, CaseKind.REPAIR)
    ):
        raise CaseConflict(_l("这项记录的修复申请正在处理中。"))
    case = _new_case(
        session,
        kind=CaseKind.REPAIR.value,
        subject=subject,
        target_event_id=finding_id,
        opened_at=when,
        opened_by_user_id=user.id,
        statement=text,
    )
    session.commit()
    return case


def _cases(session: Session, subject: str, finding_id: str, kind: CaseKind) -> list[CreditCase]:
    return list(
        session.exec(
            select(CreditCase)
            .where(
                CreditCase.kind == kind.value,
                CreditCase.subject == subject,
                CreditCase.target_event_id == finding_id,
            )
            .order_by(col(CreditCase.id))
        )
    )


def decide_appeal(
    *,
    session: Session,
    regulator: User,
    case_id: int,
    decision: str | None,
    reason: str | None,
    now: datetime | None = None,
) -> CreditCase:
    """Answer an appeal: the record stands (upheld) or is voided (an `appeal_result` entry)."""
    text = check_reason(reason)
    choice = _choice(decision, APPEAL_DECISIONS, "decision")
    when = now or utcnow()
    _lock(session)
    case = _case(session, case_id, CaseKind.APPEAL)
    event = _regulator_event(
        regulator,
        subject=case.subject,
        kind="appeal_result",
        detail=f"target={case.target_event_id};decision={choice}",
        evidence=f"appeal:{case.id}",
        event_id=f"xunhuan:case{case.id}:appeal_result",
        now=when,
    )
    return _record_decision(
        session, regulator, case, [event], decision=choice, reason=text, now=when
    )


def decide_repair(
    *,
    session: Session,
    regulator: User,
    case_id: int,
    decision: str | None,
    reason: str | None,
    now: datetime | None = None,
) -> CreditCase:
    """Grant or refuse a repair request (a `repair` entry with the decision)."""
    text = check_reason(reason)
    choice = _choice(decision, REPAIR_DECISIONS, "decision")
    when = now or utcnow()
    _lock(session)
    case = _case(session, case_id, CaseKind.REPAIR)
    record = _record(session, case.subject, case.target_event_id or "", when)
    if choice == "granted" and (record is None or record.status != "active"):
        raise CaseConflict(_l("这项记录已不在公示中，无需修复。"))
    if choice == "granted" and record is not None and when < record.repair_from:
        raise CaseConflict(_l("%(day)s 起才可修复。", day=f"{record.repair_from:%Y-%m-%d}"))
    event = _regulator_event(
        regulator,
        subject=case.subject,
        kind="repair",
        detail=f"target={case.target_event_id};decision={choice}",
        evidence=f"repair:{case.id}",
        event_id=f"xunhuan:case{case.id}:repair",
        now=when,
    )
    return _record_decision(
        session, regulator, case, [event], decision=choice, reason=text, now=when
    )
