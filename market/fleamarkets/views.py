"""Public and resident pages: upcoming market days, a day's stalls, applying, withdrawing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from market.accounts.models import Role
from market.clock import in_china
from market.db import get_session
from market.fleamarkets import applications, queries, services
from market.fleamarkets.actions import day_actions
from market.fleamarkets.errors import FleaMarketError
from market.fleamarkets.forms import (
    APPLICATION_LABELS,
    DAY_STATUS_LABELS,
    REPORT_LABELS,
    PlainForm,
)
from market.fleamarkets.models import DayStatus, MarketDay
from market.fleamarkets.organizer_views import bp as organizer_bp
from market.listings import services as listings
from market.listings.catalog import Status
from market.security import login_required, requires_role
from market.web import me, reader

bp = Blueprint("fleamarkets", __name__)
bp.register_blueprint(organizer_bp)


def hours(day: MarketDay) -> str:
    """'09:00–12:00' in China time."""
    opens, closes = in_china(day.opens_at), in_china(day.closes_at)
    return f"{opens:%H:%M}–{closes:%H:%M}"


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "market_hours": hours,
        "market_phase": services.phase,
        "market_day_labels": DAY_STATUS_LABELS,
        "stall_labels": APPLICATION_LABELS,
        "market_report_labels": REPORT_LABELS,
    }


@bp.app_template_global("fleamarket_stall_of")
def stall_of(listing_id: int) -> tuple[MarketDay, int] | None:
    """The open market day and stall a listing is brought to (for its detail page)."""
    return queries.current_stall(session=get_session(), listing_id=listing_id)


@bp.get("/markets")
def index() -> ResponseReturnValue:
    session = get_session()
    mine = []
    if current_user.is_authenticated:
        mine = queries.applications_of(session=session, user_id=current_user.id)
    return render_template(
        "fleamarkets/index.html",
        days=queries.upcoming(session=session),
        mine=mine,
    )


def _visible_day(day_id: int) -> MarketDay:
    day = services.get_day(session=get_session(), day_id=day_id)
    if day.status == DayStatus.DRAFT:
        try:
            if not current_user.is_authenticated:
                abort(404)
            services.ensure_organizer(me(), day)
        except FleaMarketError:
            abort(404)
    return day


@bp.get("/markets/<int:day_id>")
def show(day_id: int) -> ResponseReturnValue:
    session = get_session()
    day = _visible_day(day_id)
    q = request.args.get("q", "").strip()
    stalls = queries.stalls(session=session, day_id=day_id, q=q)
    ids = [item.id or 0 for entry in stalls for item in entry.listings]
    mine = None
    if current_user.is_authenticated:
        mine = queries.application_for(session=session, day_id=day_id, user_id=current_user.id)
    return render_template(
        "fleamarkets/day.html",
        day=day,
        phase=services.phase(day),
        stalls=stalls,
        q=q[: queries.Q_MAX],
        covers=listings.cover_photos(session=session, listing_ids=ids),
        mine=mine,
        form=PlainForm(),
        org=services.organization_of(session=session, day=day),
        actions=day_actions(user=reader(), day=day, mine=mine),
    )


@bp.route("/markets/<int:day_id>/apply", methods=["GET", "POST"])
@requires_role(Role.RESIDENT)
def apply(day_id: int) -> ResponseReturnValue:
    session = get_session()
    day = _visible_day(day_id)
    form = PlainForm()
    status = 200
    error = None
    chosen: list[int] = []
    if form.validate_on_submit():
        chosen = [int(i) for i in request.form.getlist("listings") if i.isdecimal()]
        try:
            applications.apply_for_stall(
                session=session,
                user=me(),
                day_id=day_id,
                listing_ids=chosen,
                config=current_app.config,
            )
        except FleaMarketError as exc:
            error, status = str(exc.message), exc.status
        else:
            flash(_("已提交摊位申请，请等待组织方审核。"), "success")
            return redirect(url_for("fleamarkets.show", day_id=day_id))
    elif request.method == "POST":
        error, status = _("表单已过期，请重试。"), 400
    own = listings.listings_of(
        session=session, owner_id=current_user.id, statuses=(Status.ACTIVE.value,)
    )
    return render_template(
        "fleamarkets/apply.html",
        day=day,
        form=form,
        own=own,
        chosen=set(chosen),
        error=error,
        covers=listings.cover_photos(session=session, listing_ids=[r.id or 0 for r in own]),
        actions=day_actions(user=reader(), day=day, mine=None),
    ), status


@bp.post("/markets/applications/<int:application_id>/cancel")
@login_required
def cancel(application_id: int) -> ResponseReturnValue:
    form = PlainForm()
    if not form.validate_on_submit():
        abort(400)
    application = applications.cancel_application(
        session=get_session(), user=me(), application_id=application_id
    )
    flash(_("已撤回摊位申请。"), "info")
    return redirect(url_for("fleamarkets.show", day_id=application.market_day_id))
