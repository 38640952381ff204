"""Reservation pages: reserve, talk, agree, confirm, rate; cancel or dispute; report."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from market import privacy
from market.accounts.models import User
from market.db import get_session
from market.images.errors import ImageRejected
from market.images.processing import Photo, StoredPhoto, save_photo
from market.listings.models import Listing
from market.money import yuan_to_fen
from market.ratelimit import guard
from market.security import login_required
from market.trades import reports
from market.trades import services as trades
from market.trades.errors import TradeError
from market.trades.forms import (
    CancelForm,
    DisputeForm,
    MeetingForm,
    MessageForm,
    RatingForm,
    ReportForm,
    ReturnForm,
)
from market.web import image_store, me, render_form

bp = Blueprint("trades", __name__)


def _stored(data: bytes) -> Photo:
    """A report's photo, decoded and stored before the report's transaction writes."""
    return StoredPhoto(save_photo(image_store(), data))


def _back(reservation_id: int) -> ResponseReturnValue:
    return redirect(url_for("trades.show", reservation_id=reservation_id))


def _page(
    reservation_id: int, status: int = 200, warning: str | None = None, **forms: FlaskForm
) -> ResponseReturnValue:
    session = get_session()
    user = me()
    reservation = trades.get_reservation(session=session, reservation_id=reservation_id, user=user)
    listing = session.get(Listing, reservation.listing_id)
    other = session.get(User, trades.other_party(reservation, user))
    mine = trades.rating_by(session=session, reservation_id=reservation_id, rater_id=user.id or 0)
    defaults = {
        "message_form": MessageForm(formdata=None),
        "meeting_form": MeetingForm(
            formdata=None,
            data={"meet_time": reservation.meet_time, "meet_place": reservation.meet_place},
        ),
        "cancel_form": CancelForm(formdata=None),
        "dispute_form": DisputeForm(formdata=None),
        "rating_form": RatingForm(formdata=None),
        "return_form": ReturnForm(formdata=None),
    }
    defaults.update(forms)
    return render_template(
        "trades/reservation.html",
        reservation=reservation,
        listing=listing,
        other=other,
        is_buyer=user.id == reservation.buyer_id,
        messages=trades.messages_of(session=session, reservation=reservation, reader=user),
        rated=mine is not None,
        message_warning=warning,
        **defaults,
    ), status


@bp.post("/listings/<int:listing_id>/reserve")
@login_required
def reserve(listing_id: int) -> ResponseReturnValue:
    reservation = trades.reserve_listing(session=get_session(), listing_id=listing_id, buyer=me())
    flash(_("预订成功！请与卖家约定时间地点。"), "success")
    return _back(reservation.id or 0)


@bp.get("/reservations")
@login_required
def index() -> ResponseReturnValue:
    session = get_session()
    rows = trades.reservations_of(session=session, user=me())
    ids = {r.listing_id for r in rows}
    listings = trades.listings_by_id(session=session, ids=ids)
    return render_template("trades/index.html", reservations=rows, listings=listings)


@bp.get("/reservations/<int:reservation_id>")
@login_required
def show(reservation_id: int) -> ResponseReturnValue:
    return _page(reservation_id)


def _step(reservation_id: int, form: FlaskForm, name: str, action) -> ResponseReturnValue:
    """Validate `form`, run `action`; show the page again with errors next to the field."""
    if form.validate_on_submit():
        try:
            action()
        except TradeError as error:
            get_session().rollback()
            field = getattr(form, error.field or "", None)
            if field is None:
                flash(str(error.message), "error")
                return _back(reservation_id)
            field.errors = [str(error.message)]
        else:
            return _back(reservation_id)
    return _page(reservation_id, 400, **{name: form})


@bp.post("/reservations/<int:reservation_id>/messages")
@login_required
def message(reservation_id: int) -> ResponseReturnValue:
    form = MessageForm()
    # Warn before a number leaves the sender: the other party sees it masked (market.privacy).
    kinds = privacy.identifier_kinds(form.body.data) if form.is_submitted() else []
    if kinds and not request.form.get("send_anyway") and form.validate():
        warning = _(
            "消息中含有%(what)s。对方看到的将是遮盖后的号码（如 138****5678）。"
            "请修改后再发送，或选择仍然发送。",
            what=privacy.kinds_label(kinds),
        )
        return _page(reservation_id, 200, warning=warning, message_form=form)
    return _step(
        reservation_id,
        form,
        "message_form",
        lambda: trades.send_message(
            session=get_session(),
            reservation_id=reservation_id,
            sender=me(),
            body=form.body.data or "",
        ),
    )


@bp.post("/reservations/<int:reservation_id>/meeting")
@login_required
def meeting(reservation_id: int) -> ResponseReturnValue:
    form = MeetingForm()
    return _step(
        reservation_id,
        form,
        "meeting_form",
        lambda: trades.set_meeting(
            session=get_session(),
            reservation_id=reservation_id,
            user=me(),
            meet_time=form.meet_time.data or "",
            meet_place=form.meet_place.data or "",
        ),
    )


@bp.post("/reservations/<int:reservation_id>/confirm")
@login_required
def confirm(reservation_id: int) -> ResponseReturnValue:
    form = FlaskForm()
    return _step(
        reservation_id,
        form,
        "confirm_form",
        lambda: trades.confirm_handover(
            session=get_session(), reservation_id=reservation_id, user=me()
        ),
    )


@bp.post("/reservations/<int:reservation_id>/return")
@login_required
def returned(reservation_id: int) -> ResponseReturnValue:
    form = ReturnForm()
    return _step(
        reservation_id,
        form,
        "return_form",
        lambda: trades.confirm_return(
            session=get_session(),
            reservation_id=reservation_id,
            user=me(),
            deposit_returned_fen=yuan_to_fen(form.deposit_returned.data),
        ),
    )


@bp.post("/reservations/<int:reservation_id>/cancel")
@login_required
def cancel(reservation_id: int) -> ResponseReturnValue:
    form = CancelForm()
    return _step(
        reservation_id,
        form,
        "cancel_form",
        lambda: trades.cancel_reservation(
            session=get_session(),
            reservation_id=reservation_id,
            user=me(),
            reason=form.reason.data or "",
        ),
    )


@bp.post("/reservations/<int:reservation_id>/rate")
@login_required
def rate(reservation_id: int) -> ResponseReturnValue:
    form = RatingForm()
    return _step(
        reservation_id,
        form,
        "rating_form",
        lambda: trades.rate(
            session=get_session(),
            reservation_id=reservation_id,
            rater=me(),
            stars=int(form.stars.data or 0),
            comment=form.comment.data or "",
        ),
    )


@bp.post("/reservations/<int:reservation_id>/dispute")
@login_required
def dispute(reservation_id: int) -> ResponseReturnValue:
    form = DisputeForm()
    return _step(
        reservation_id,
        form,
        "dispute_form",
        lambda: trades.open_dispute(
            session=get_session(),
            reservation_id=reservation_id,
            user=me(),
            text=form.text.data or "",
        ),
    )


def _id_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdecimal() and 0 < int(raw) < 2**31 else None


@bp.route("/report", methods=["GET", "POST"])
@login_required
@guard("UPLOAD_RATE_LIMIT", uploads=True)
def report() -> ResponseReturnValue:
    listing_id = _id_arg("listing")
    user_id = _id_arg("user")
    if (listing_id is None) == (user_id is None):
        abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        upload = form.photo.data
        try:
            reports.file_report(
                session=get_session(),
                reporter=me(),
                reason=form.reason.data or "",
                text=form.text.data or "",
                listing_id=listing_id,
                user_id=user_id,
                photo=_stored(upload.read()) if upload and upload.filename else None,
                store=image_store(),
            )
        except (TradeError, ImageRejected) as error:
            get_session().rollback()
            field = getattr(form, getattr(error, "field", None) or "photo")
            field.errors = [str(getattr(error, "message", error))]
        else:
            flash(_("举报已提交，监管人员会尽快处理。"), "success")
            target = (
                url_for("listings.show", listing_id=listing_id)
                if listing_id
                else url_for("listings.profile", user_id=user_id)
            )
            return redirect(target)
    return render_form("trades/report.html", form, listing_id=listing_id, user_id=user_id)
