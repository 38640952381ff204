"""The regulator's desk: queues, finding a subject, opening it with a reason, and decisions.

Every view is for regulators only (not even admins: judging credit is an agency's act). The
views only read forms and call `market.credit.cases` (decisions) and `market.credit.queues`
(reading); a refused decision shows the page again with the reason it was refused, status
4xx, and nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from credit.errors import InvalidSubject
from credit.events import DISPUTE_OUTCOMES, TIER_MONTHS, check_subject
from market.accounts.models import Role, User
from market.credit import cases, queues, services
from market.credit.case_models import CaseKind
from market.credit.errors import CaseError
from market.credit.views import DECISION_LABELS, LABELS
from market.db import get_session, utcnow
from market.i18n import safe_next
from market.listings.models import Listing
from market.security import requires_role
from market.trades.forms import REPORT_LABELS
from market.trades.models import Reservation
from market.web import get_or_404, me, paginate

bp = Blueprint("regulator", __name__, url_prefix="/regulator")
regulator_only = requires_role(Role.REGULATOR, admit_admin=False)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"document_of": lambda event: queues.document_of(get_session(), event)}


CASE_KIND_LABELS = {
    "finding": _l("待确认认定"),
    "appeal": _l("申诉"),
    "repair": _l("信用修复申请"),
    "dispute": _l("交易纠纷"),
    "review": _l("等级复核"),
    "report": _l("举报"),
}
MATCH_LABELS = {
    "subject": _l("信用主体编号"),
    "user_id": _l("用户编号"),
    "listing_id": _l("物品编号"),
    "mobile": _l("手机号"),
    "email": _l("邮箱"),
    "name": _l("昵称"),
    "org_name": _l("机构名称"),
    "uscc": _l("统一社会信用代码"),
}


def _key() -> bytes:
    return services.key_from_config(current_app.config)


def _render(template: str, status: int = 200, **context: object) -> ResponseReturnValue:
    return render_template(
        f"credit/regulator/{template}",
        case_kind_labels=CASE_KIND_LABELS,
        tiers=TIER_MONTHS,
        categories=cases.CATEGORIES,
        outcomes=sorted(DISPUTE_OUTCOMES),
        now=utcnow(),
        **LABELS,
        **context,
    ), status


def _decide(
    action: Callable[[], object], done: str, back: str, page: Callable[[int], ResponseReturnValue]
) -> ResponseReturnValue:
    """Run a decision; on refusal show `page` again with the message and write nothing."""
    try:
        action()
    except CaseError as error:
        get_session().rollback()
        flash(str(error.message), "error")
        return page(error.status)
    flash(done, "success")
    return redirect(safe_next(request.form.get("next"), back))


def _form(name: str) -> str | None:
    return request.form.get(name)


# -- dashboard and search


@bp.get("/")
@regulator_only
def dashboard() -> ResponseReturnValue:
    counts = queues.counts(get_session())
    bars = counts.by_kind()
    return _render("dashboard.html", counts=counts, bars=bars, top=max([n for _k, n in bars] + [1]))


@bp.get("/search")
@regulator_only
def search() -> ResponseReturnValue:
    query = request.args.get("q", "")
    hits = queues.find_subjects(get_session(), query, _key()) if query.strip() else []
    return _render("search.html", query=query, hits=hits, match_labels=MATCH_LABELS)


# -- one subject


def _subject_page(subject: str, status: int = 200) -> ResponseReturnValue:
    try:
        check_subject(subject)
    except InvalidSubject:
        abort(404)
    session = get_session()
    st = services.standing(session=session, subject=subject)
    access = cases.access_open(session=session, regulator=me(), subject=subject)
    return _render(
        "subject.html",
        status,
        subject=subject,
        standing=st,
        held=cases.held(st.result),
        who=queues.party(session, subject, _key()),
        access=access,
        access_until=access.at + cases.ACCESS_FRESH if access else None,
        records=queues.record_views(session, subject, st.result.records),
        cases=queues.subject_cases(session, subject),
        form=request.form if request.method == "POST" else {},
    )


@bp.get("/subjects/<subject>")
@regulator_only
def subject(subject: str) -> ResponseReturnValue:
    return _subject_page(subject)


def _to_subject(subject: str) -> str:
    return url_for("regulator.subject", subject=subject)


@bp.post("/subjects/<subject>/open")
@regulator_only
def open_subject(subject: str) -> ResponseReturnValue:
    return _decide(
        lambda: cases.open_subject(
            session=get_session(), regulator=me(), subject=subject, reason=_form("reason")
        ),
        _("已记录查阅理由；30分钟内可查看完整信息。"),
        _to_subject(subject),
        lambda status: _subject_page(subject, status),
    )


@bp.post("/subjects/<subject>/findings")
@regulator_only
def open_finding(subject: str) -> ResponseReturnValue:
    return _decide(
        lambda: cases.open_finding(
            session=get_session(),
            regulator=me(),
            subject=subject,
            tier=_form("tier"),
            category=_form("category"),
            months=_form("months"),
            evidence=_form("evidence"),
            reason=_form("reason"),
        ),
        _("已立案：待确认认定。"),
        _to_subject(subject),
        lambda status: _subject_page(subject, status),
    )


@bp.post("/subjects/<subject>/<any(confirm, void):action>")
@regulator_only
def decide_finding(subject: str, action: str) -> ResponseReturnValue:
    decide = cases.confirm_finding if action == "confirm" else cases.void_finding
    return _decide(
        lambda: decide(
            session=get_session(),
            regulator=me(),
            subject=subject,
            event_id=_form("event_id") or "",
            reason=_form("reason"),
        ),
        _("认定已确认。") if action == "confirm" else _("认定已撤销。"),
        _to_subject(subject),
        lambda status: _subject_page(subject, status),
    )


@bp.post("/subjects/<subject>/review")
@regulator_only
def review(subject: str) -> ResponseReturnValue:
    return _decide(
        lambda: cases.review_grade(
            session=get_session(),
            regulator=me(),
            subject=subject,
            decision=_form("decision"),
            reason=_form("reason"),
        ),
        _("等级复核已记录。"),
        _to_subject(subject),
        lambda status: _subject_page(subject, status),
    )


# -- queues


def _findings_page(status: int = 200) -> ResponseReturnValue:
    page = paginate(queues.pending_findings(get_session()), endpoint="regulator.findings")
    return _render("findings.html", status, pending=page.items, page=page)


@bp.get("/findings")
@regulator_only
def findings() -> ResponseReturnValue:
    return _findings_page()


def _cases_page(kind: CaseKind, status: int = 200) -> ResponseReturnValue:
    session = get_session()
    page = paginate(queues.open_cases(session, kind), endpoint=f"regulator.{kind.value}s")
    rows = page.items
    parties = {c.subject: queues.party(session, c.subject, _key()) for c in rows}
    template = "appeals.html" if kind is CaseKind.APPEAL else "repairs.html"
    return _render(
        template,
        status,
        rows=rows,
        page=page,
        parties=parties,
        form=request.form if request.method == "POST" else {},
    )


@bp.get("/appeals")
@regulator_only
def appeals() -> ResponseReturnValue:
    return _cases_page(CaseKind.APPEAL)


@bp.post("/appeals/<int:case_id>")
@regulator_only
def answer_appeal(case_id: int) -> ResponseReturnValue:
    return _decide(
        lambda: cases.decide_appeal(
            session=get_session(),
            regulator=me(),
            case_id=case_id,
            decision=_form("decision"),
            reason=_form("reason"),
        ),
        _("已答复申诉：%(d)s。", d=DECISION_LABELS.get(_form("decision") or "", "")),
        url_for("regulator.appeals"),
        lambda status: _cases_page(CaseKind.APPEAL, status),
    )


@bp.get("/repairs")
@regulator_only
def repairs() -> ResponseReturnValue:
    return _cases_page(CaseKind.REPAIR)


@bp.post("/repairs/<int:case_id>")
@regulator_only
def answer_repair(case_id: int) -> ResponseReturnValue:
    return _decide(
        lambda: cases.decide_repair(
            session=get_session(),
            regulator=me(),
            case_id=case_id,
            decision=_form("decision"),
            reason=_form("reason"),
        ),
        _("已答复修复申请：%(d)s。", d=DECISION_LABELS.get(_form("decision") or "", "")),
        url_for("regulator.repairs"),
        lambda status: _cases_page(CaseKind.REPAIR, status),
    )


def _disputes_page(status: int = 200) -> ResponseReturnValue:
    session = get_session()
    page = paginate(queues.open_disputes(session), endpoint="regulator.disputes")
    rows = page.items
    context = {
        r.id: (
            session.get(Listing, r.listing_id),
            session.get(User, r.seller_id),
            session.get(User, r.buyer_id),
        )
        for r in rows
    }
    return _render(
        "disputes.html",
        status,
        rows=rows,
        page=page,
        context=context,
        form=request.form if request.method == "POST" else {},
    )


@bp.get("/disputes")
@regulator_only
def disputes() -> ResponseReturnValue:
    return _disputes_page()


@bp.post("/disputes/<int:reservation_id>")
@regulator_only
def decide_dispute(reservation_id: int) -> ResponseReturnValue:
    get_or_404(Reservation, reservation_id)
    return _decide(
        lambda: cases.decide_dispute(
            session=get_session(),
            regulator=me(),
            reservation_id=reservation_id,
            outcome=_form("outcome"),
            reason=_form("reason"),
            key=_key(),
        ),
        _("纠纷已有结论。"),
        url_for("regulator.disputes"),
        _disputes_page,
    )


@bp.get("/reviews")
@regulator_only
def reviews() -> ResponseReturnValue:
    session = get_session()
    page = paginate(cases.held_subjects(session))
    parties = {r.subject: queues.party(session, r.subject or "", _key()) for r in page.items}
    return _render("reviews.html", held=page.items, page=page, parties=parties)


def _reports_page(status: int = 200) -> ResponseReturnValue:
    session = get_session()
    page = paginate(queues.open_reports(session), endpoint="regulator.reports")
    rows = page.items
    subjects = {r.id: cases.report_subject(session, r, _key()) for r in rows}
    return _render(
        "reports.html",
        status,
        rows=rows,
        page=page,
        subjects=subjects,
        report_labels=REPORT_LABELS,
        form=request.form if request.method == "POST" else {},
    )


@bp.get("/reports")
@regulator_only
def reports() -> ResponseReturnValue:
    return _reports_page()


@bp.post("/reports/<int:report_id>/<any(finding, dismiss):action>")
@regulator_only
def decide_report(report_id: int, action: str) -> ResponseReturnValue:
    session = get_session()
    if action == "finding":
        return _decide(
            lambda: cases.finding_from_report(
                session=session,
                regulator=me(),
                report_id=report_id,
                tier=_form("tier"),
                category=_form("category"),
                months=_form("months"),
                evidence=_form("evidence"),
                reason=_form("reason"),
                key=_key(),
            ),
            _("已根据举报立案：待确认认定。"),
            url_for("regulator.reports"),
            _reports_page,
        )
    return _decide(
        lambda: cases.dismiss_report(
            session=session, regulator=me(), report_id=report_id, reason=_form("reason"), key=_key()
        ),
        _("举报已不予处理。"),
        url_for("regulator.reports"),
        _reports_page,
    )
