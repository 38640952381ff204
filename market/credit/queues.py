"""What the regulator's desk reads: the queues, finding a subject, and a subject's records.

Nothing here writes; the decisions are in `market.credit.cases`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from credit.errors import InvalidSubject
from credit.events import CreditEvent, check_subject, org_subject
from credit.identifiers import is_valid_uscc, normalize_uscc
from credit.model import Record
from market.accounts.models import User
from market.credit import cases, scores, services
from market.credit.case_models import CaseKind, CaseStatus, CreditCase
from market.credit.models import CreditLedgerEntry, CreditPersonal, CreditScore
from market.db import utcnow
from market.listings.models import Listing
from market.orgs.models import Organization
from market.trades.models import Report, Reservation

SEARCH_LIMIT = 20
QUERY_MAX = 100
MOBILE_DIGITS = 11


@dataclass(frozen=True)
class Party:
    """Who a subject is: a user, an organization, or nobody this marketplace knows."""

    subject: str | None
    user: User | None = None
    org: Organization | None = None
    matched_by: str = ""
    grade: str = "N"


def person_of(session: Session, subject: str, key: bytes) -> User | None:
    """The user behind a person subject (its keyed hash is not reversible, so recompute it)."""
    if not subject.startswith("p:"):
        return None
    refs = session.exec(
        select(CreditPersonal.data)
        .join(CreditLedgerEntry, col(CreditLedgerEntry.personal_ref) == CreditPersonal.ref)
        .where(CreditLedgerEntry.subject == subject)
        .limit(20)
    )
    candidates = [int(d["user_id"]) for d in refs if str(d.get("user_id", "")).isdecimal()]
    for user_id in candidates:
        if services.user_subject(user_id, key) == subject:
            return session.get(User, user_id)
    for uid in session.exec(select(User.id)):  # a subject with no trades of its own yet
        if uid is not None and services.user_subject(uid, key) == subject:
            return session.get(User, uid)
    return None


def org_of(session: Session, subject: str) -> Organization | None:
    if not subject.startswith("o:"):
        return None
    return session.exec(select(Organization).where(Organization.uscc == subject[2:])).first()


def party(session: Session, subject: str, key: bytes, matched_by: str = "") -> Party:
    return Party(
        subject,
        person_of(session, subject, key),
        org_of(session, subject),
        matched_by,
        scores.lookup(session, subject).grade,
    )


def _org_party(session: Session, org: Organization, matched_by: str) -> Party:
    uscc = normalize_uscc(org.uscc or "")
    if not is_valid_uscc(uscc):
        return Party(None, org=org, matched_by=matched_by)
    subject = org_subject(uscc)
    return Party(
        subject, org=org, matched_by=matched_by, grade=scores.lookup(session, subject).grade
    )


def find_subjects(session: Session, query: str, key: bytes) -> list[Party]:
    """Subjects matching a mobile, e-mail, name, user or listing id, organization or USCC, ref."""
    q = query.strip()[:QUERY_MAX]
    if not q:
        return []
    if q.startswith(("p:", "o:")):
        try:
            check_subject(q)
        except InvalidSubject:
            return []
        return [party(session, q, key, "subject")]
    users: list[tuple[User, str]] = []
    orgs: list[tuple[Organization, str]] = []
    if q.isdecimal() and len(q) < 10:
        if (user := session.get(User, int(q))) is not None:
            users.append((user, "user_id"))
        if (listing := session.get(Listing, int(q))) is not None:
            owner = session.get(User, listing.owner_id)
            users += [(owner, "listing_id")] if owner else []
    if q.isdecimal() and len(q) == MOBILE_DIGITS:
        # The whole number only: a prefix would list masked numbers whose typed prefix and
        # shown last four digits together give the number away without a logged reason.
        users += [(u, "mobile") for u in session.exec(select(User).where(User.mobile == q))]
    if "@" in q:
        users += [(u, "email") for u in session.exec(select(User).where(User.email == q.lower()))]
    if is_valid_uscc(normalize_uscc(q)):
        orgs += [
            (o, "uscc")
            for o in session.exec(
                select(Organization).where(Organization.uscc == normalize_uscc(q))
            )
        ]
    if not q.isdecimal():
        like = f"%{_escape_like(q)}%"
        users += [
            (u, "name")
            for u in session.exec(
                select(User)
                .where(col(User.display_name).like(like, escape="\\"))
                .limit(SEARCH_LIMIT)
            )
        ]
        orgs += [
            (o, "org_name")
            for o in session.exec(
                select(Organization)
                .where(col(Organization.name).like(like, escape="\\"))
                .limit(SEARCH_LIMIT)
            )
        ]
    return _dedupe(session, users, orgs, key)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _dedupe(
    session: Session,
    users: Iterable[tuple[User, str]],
    orgs: Iterable[tuple[Organization, str]],
    key: bytes,
) -> list[Party]:
    out: dict[str, Party] = {}
    for user, how in users:
        subject = services.user_subject(user.id or 0, key)
        if subject not in out:
            out[subject] = Party(
                subject, user=user, matched_by=how, grade=scores.lookup(session, subject).grade
            )
    for org, how in orgs:
        found = _org_party(session, org, how)
        out.setdefault(found.subject or f"org:{org.id}", found)
    return list(out.values())[:SEARCH_LIMIT]


# -- queues


@dataclass(frozen=True)
class PendingFinding:
    subject: str
    record: Record
    event: CreditEvent
    case: CreditCase | None


def settled_findings(session: Session, subject: str | None = None) -> set[str]:
    """Pending findings a regulator already decided (a voided confirmation revives none)."""
    query = select(CreditCase.target_event_id).where(
        CreditCase.kind == CaseKind.FINDING.value, CreditCase.status == CaseStatus.CLOSED.value
    )
    if subject is not None:
        query = query.where(CreditCase.subject == subject)
    return {t for t in session.exec(query) if t}


def pending_findings(session: Session, *, now: datetime | None = None) -> list[PendingFinding]:
    """Findings waiting for confirmation, from the ledger: the regulator's and partners' alike."""
    when = now or utcnow()
    subjects = session.exec(  # every event refreshes its subject's projected reasons
        select(CreditScore.subject)
        .where(sa.cast(CreditScore.reasons, sa.Text).contains('"pending_finding"'))
        .order_by(col(CreditScore.subject))
    )
    settled = settled_findings(session)
    open_cases = {
        c.target_event_id: c
        for c in session.exec(
            select(CreditCase).where(
                CreditCase.kind == CaseKind.FINDING.value,
                CreditCase.status == CaseStatus.OPEN.value,
            )
        )
    }
    out = []
    for subject in list(subjects):
        result, events = cases.result_of(session, subject, when)
        for record in result.records:
            if record.status == "pending" and record.finding_id not in settled:
                out.append(
                    PendingFinding(
                        subject,
                        record,
                        events[record.finding_id],
                        open_cases.get(record.finding_id),
                    )
                )
    return sorted(out, key=lambda p: p.record.published_from)


def open_cases(session: Session, kind: CaseKind) -> list[CreditCase]:
    """Open cases of a kind, the nearest deadline first, then the oldest."""
    return list(
        session.exec(
            select(CreditCase)
            .where(CreditCase.kind == kind.value, CreditCase.status == CaseStatus.OPEN.value)
            .order_by(
                col(CreditCase.due_at).is_(None), col(CreditCase.due_at), col(CreditCase.opened_at)
            )
        )
    )


def open_disputes(session: Session) -> list[Reservation]:
    """Disputed reservations with no decision yet, the oldest first."""
    decided = select(CreditCase.reservation_id).where(
        CreditCase.kind == CaseKind.DISPUTE.value, col(CreditCase.reservation_id).is_not(None)
    )
    return list(
        session.exec(
            select(Reservation)
            .where(col(Reservation.disputed_at).is_not(None), col(Reservation.id).not_in(decided))
            .order_by(col(Reservation.disputed_at))
        )
    )


def open_reports(session: Session) -> list[Report]:
    return list(
        session.exec(select(Report).where(Report.status == "open").order_by(col(Report.created_at)))
    )


def subject_cases(session: Session, subject: str) -> list[CreditCase]:
    """Every case about `subject`, open ones first, then the latest."""
    return list(
        session.exec(
            select(CreditCase)
            .where(CreditCase.subject == subject)
            .order_by(col(CreditCase.status).desc(), col(CreditCase.id).desc())
        )
    )


@dataclass(frozen=True)
class Counts:
    findings: int
    appeals: int
    repairs: int
    disputes: int
    reviews: int
    reports: int
    nearest_appeal: CreditCase | None

    def by_kind(self) -> list[tuple[str, int]]:
        return [
            ("finding", self.findings),
            ("appeal", self.appeals),
            ("repair", self.repairs),
            ("dispute", self.disputes),
            ("review", self.reviews),
            ("report", self.reports),
        ]


def counts(session: Session, *, now: datetime | None = None) -> Counts:
    appeals = open_cases(session, CaseKind.APPEAL)
    repairs = session.exec(
        select(sa.func.count())
        .select_from(CreditCase)
        .where(CreditCase.kind == CaseKind.REPAIR.value, CreditCase.status == CaseStatus.OPEN.value)
    ).one()
    return Counts(
        findings=len(pending_findings(session, now=now)),
        appeals=len(appeals),
        repairs=repairs,
        disputes=len(open_disputes(session)),
        reviews=len(cases.held_subjects(session, now=now)),
        reports=len(open_reports(session)),
        nearest_appeal=appeals[0] if appeals else None,
    )


# -- the subject's own records


@dataclass(frozen=True)
class RecordView:
    """A record with what its subject may do about it and the answers so far."""

    record: Record
    appeal_until: datetime
    can_appeal: bool
    can_repair: bool
    appeal: CreditCase | None
    repairs: list[CreditCase]


def record_views(
    session: Session, subject: str, records: Iterable[Record], *, now: datetime | None = None
) -> list[RecordView]:
    when = now or utcnow()
    settled = settled_findings(session, subject)
    mine = subject_cases(session, subject)
    out = []
    for record in records:
        if record.status == "pending" and record.finding_id in settled:
            continue  # decided; only a voided confirmation makes the model show it again
        about = [c for c in mine if c.target_event_id == record.finding_id]
        appeal = next((c for c in about if c.kind == CaseKind.APPEAL), None)
        repairs = [c for c in about if c.kind == CaseKind.REPAIR]
        active = record.status == "active"
        until = cases.appeal_deadline(record)
        out.append(
            RecordView(
                record,
                until,
                can_appeal=active and appeal is None and when <= until,
                can_repair=active
                and when >= record.repair_from
                and not any(c.status == CaseStatus.OPEN for c in repairs),
                appeal=appeal,
                repairs=repairs,
            )
        )
    return out


def document_of(session: Session, event: CreditEvent) -> str:
    """The document number a regulator cited for a finding (kept beside the chain), else the
    finding's evidence reference as the chain holds it (a partner's reference)."""
    evidence = event.evidence or ""
    if not evidence.startswith("xunhuan:case"):
        return evidence
    data = session.exec(
        select(CreditPersonal.data)
        .join(CreditLedgerEntry, col(CreditLedgerEntry.personal_ref) == CreditPersonal.ref)
        .where(CreditLedgerEntry.event_id == f"{evidence}:pending")
    ).first()
    return str(data.get("document", evidence)) if data else evidence
