"""The organizer's pages: market days, applications and decisions, check-in, the report.

Every page asks `requires_role(MARKET_ORGANIZER)` first and then `services.ensure_organizer`
(through `organizer_day` or a service step), so staff only ever see their own organization's
days.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from market.accounts.models import Role
from market.db import get_session
from market.fleamarkets import applications, queries, services
from market.fleamarkets.errors import FleaMarketError
from market.fleamarkets.forms import (
    APPLICATION_LABELS,
    MarketDayForm,
    NoteForm,
    PlainForm,
    data_of,
    to_input,
)
from market.fleamarkets.models import ApplicationStatus, DayStatus
from market.security import requires_role
from market.web import me, refused, render_form

bp = Blueprint("organizer", __name__, url_prefix="/organize/markets")
organizer_only = requires_role(Role.MARKET_ORGANIZER)
DECISIONS = {
    "approve": ApplicationStatus.APPROVED,
    "waitlist": ApplicationStatus.WAITLISTED,
    "reject": ApplicationStatus.REJECTED,
}


@bp.get("")
@organizer_only
def days() -> ResponseReturnValue:
    user = me()
    rows = queries.days_of(session=get_session(), organization_id=user.organization_id or 0)
    return render_template("fleamarkets/organize.html", days=rows)


@bp.route("/new", methods=["GET", "POST"])
@organizer_only
def create() -> ResponseReturnValue:
    session = get_session()
    form = MarketDayForm()
    if request.method == "GET":
        form.status.data = DayStatus.PUBLISHED.value
        form.stalls.data = 20
    if form.validate_on_submit():
        try:
            day = services.create_day(session=session, user=me(), data=to_input(form))
        except FleaMarketError as error:
            if error.status == 403:
                raise
            refused(form, error)
        else:
            flash(_("市集已保存。"), "success")
            return redirect(url_for("fleamarkets.organizer.manage", day_id=day.id))
    return render_form("fleamarkets/form.html", form, day=None)


@bp.route("/<int:day_id>/edit", methods=["GET", "POST"])
@organizer_only
def edit(day_id: int) -> ResponseReturnValue:
    session = get_session()
    day = services.organizer_day(session=session, user=me(), day_id=day_id)
    form = MarketDayForm(data=None if request.method == "POST" else data_of(day))
    if form.validate_on_submit():
        try:
            services.update_day(session=session, user=me(), day_id=day_id, data=to_input(form))
        except FleaMarketError as error:
            if error.status in (403, 404, 409):
                raise
            refused(form, error)
        else:
            flash(_("市集已保存。"), "success")
            return redirect(url_for("fleamarkets.organizer.manage", day_id=day_id))
    return render_form("fleamarkets/form.html", form, day=day)


@bp.get("/<int:day_id>")
@organizer_only
def manage(day_id: int) -> ResponseReturnValue:
    session = get_session()
    day = services.organizer_day(session=session, user=me(), day_id=day_id)
    rows = queries.entries(session=session, day_id=day_id)
    approved = sum(1 for e in rows if e.application.status == ApplicationStatus.APPROVED)
    return render_template(
        "fleamarkets/manage.html",
        day=day,
        entries=rows,
        approved=approved,
        phase=services.phase(day),
        note_form=NoteForm(),
    )


@bp.post("/applications/<int:application_id>/decide")
@organizer_only
def decide(application_id: int) -> ResponseReturnValue:
    form = NoteForm()
    decision = DECISIONS.get(request.form.get("decision", ""))
    if not form.validate_on_submit() or decision is None:
        abort(400)
    application = applications.decide(
        session=get_session(),
        user=me(),
        application_id=application_id,
        decision=decision,
        note=form.note.data,
    )
    flash(_("已处理：%(status)s。", status=_label(application.status)), "success")
    return redirect(url_for("fleamarkets.organizer.manage", day_id=application.market_day_id))


@bp.post("/applications/<int:application_id>/revoke")
@organizer_only
def revoke(application_id: int) -> ResponseReturnValue:
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    application = applications.revoke(
        session=get_session(), user=me(), application_id=application_id, note=form.note.data
    )
    flash(_("已取消该摊位；如有候补，已按申请先后递补。"), "info")
    return redirect(url_for("fleamarkets.organizer.manage", day_id=application.market_day_id))


@bp.get("/<int:day_id>/checkin")
@organizer_only
def checkin_list(day_id: int) -> ResponseReturnValue:
    session = get_session()
    day = services.organizer_day(session=session, user=me(), day_id=day_id)
    rows = queries.entries(
        session=session, day_id=day_id, statuses=(ApplicationStatus.APPROVED.value,)
    )
    return render_template(
        "fleamarkets/checkin.html",
        day=day,
        entries=rows,
        phase=services.phase(day),
        form=PlainForm(),
    )


@bp.post("/applications/<int:application_id>/checkin")
@organizer_only
def checkin(application_id: int) -> ResponseReturnValue:
    if not PlainForm().validate_on_submit():
        abort(400)
    application = applications.check_in(
        session=get_session(), user=me(), application_id=application_id
    )
    flash(_("第 %(n)d 号摊位已签到。", n=application.stall_no or 0), "success")
    return redirect(url_for("fleamarkets.organizer.checkin_list", day_id=application.market_day_id))


@bp.get("/<int:day_id>/report")
@organizer_only
def report(day_id: int) -> ResponseReturnValue:
    session = get_session()
    day = services.organizer_day(session=session, user=me(), day_id=day_id)
    numbers = queries.report(session=session, day=day)
    return render_template(
        "fleamarkets/report.html", day=day, report=numbers, phase=services.phase(day)
    )


def _label(status: str) -> str:
    return str(APPLICATION_LABELS[ApplicationStatus(status)])
