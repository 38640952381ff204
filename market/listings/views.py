"""Listing pages: create, edit, show, withdraw, renew; my listings; a seller's profile."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import Session

from market import privacy
from market.accounts.models import User
from market.db import get_session
from market.images.errors import ImageRejected
from market.images.processing import Photo, store_uploads
from market.listings import devices, services, venues
from market.listings.assessment import assess, client_rules, explain, read_facts
from market.listings.catalog import CATEGORY_TREE, Status, category_keys
from market.listings.errors import ListingError
from market.listings.forms import (
    DescriptionForm,
    build_form,
    form_data_of,
    to_input,
)
from market.listings.grading import answer_labels, checklist_for
from market.listings.models import Listing
from market.listings.participants import participants_of
from market.ratelimit import guard
from market.security import login_required
from market.web import abandon, get_or_404, image_store, me, refused, render_form

bp = Blueprint("listings", __name__)


def _uploads() -> list[Photo]:
    """The photos sent, decoded and stored now, before the listing's transaction writes."""
    raw = [f.read() for f in request.files.getlist("photos") if f and f.filename]
    return store_uploads(image_store(), raw, at_most=services.MAX_PHOTOS)


@bp.app_template_global()
def grade_preview(form: Any) -> dict[str, Any] | None:
    """The grade a checklist form's current answers give, and the rules for its live preview."""
    checklist = getattr(form, "checklist", None)
    if checklist is None:
        return None
    answers = {q.key: form[f"q_{q.key}"].data or "" for q in checklist.questions}
    raw = {d.key: form[f"d_{d.key}"].data for d in checklist.disclosures}
    return {
        "assessment": assess(checklist, answers, read_facts(checklist, raw)),
        "rules": client_rules(checklist),
    }


def _preview() -> bool:
    """The seller asked to see the grade (no JavaScript): show it, save nothing."""
    return request.method == "POST" and request.form.get("action") == "preview"


@bp.get("/listings/new")
@login_required
def choose_category() -> ResponseReturnValue:
    category = request.args.get("category")
    if category:
        return redirect(url_for("listings.create", category=category))
    return render_template("listings/choose_category.html", tree=CATEGORY_TREE)


@bp.route("/listings/new/<path:category>", methods=["GET", "POST"])
@login_required
@guard("LISTING_RATE_LIMIT")
@guard("UPLOAD_RATE_LIMIT", uploads=True)
def create(category: str) -> ResponseReturnValue:
    if category not in category_keys():
        abort(404)
    session = get_session()
    form = build_form(category, venues.choices(session=session))
    if request.method == "GET" and current_user.home_street:
        form.street.data = current_user.home_street
    if not _preview() and form.validate_on_submit():
        uploads: list[Photo] = []

        def save(publish: bool) -> Listing:
            return services.create_listing(
                session=session,
                owner=me(),
                data=to_input(form, category),
                photos=uploads,
                store=image_store(),
                publish=publish,
                certificate_id=request.form.get("certificate_id"),
            )

        try:
            uploads = _uploads()
            listing = save(request.form.get("action") != "draft")
        except devices.GateRefused:
            # Keep what the seller chose, photos too: a draft, whose form says what to do.
            abandon()
            draft = save(False)
            return redirect(url_for("listings.edit", listing_id=draft.id, refused=1))
        except (ListingError, ImageRejected) as error:
            refused(form, error, default="photos")
        else:
            published = listing.status == Status.ACTIVE
            flash(_("已发布！") if published else _("已存为草稿。"), "success")
            return redirect(url_for("listings.show", listing_id=listing.id))
    return render_form(
        "listings/form.html", form, category=category, listing=None, photos=[], gate=None
    )


@bp.route("/listings/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
@guard("UPLOAD_RATE_LIMIT", uploads=True)
def edit(listing_id: int) -> ResponseReturnValue:
    session = get_session()
    listing = get_or_404(Listing, listing_id, owner=me())
    form = build_form(
        listing.category,
        venues.choices(session=session, current=listing.venue),
        data=None if request.method == "POST" else form_data_of(listing),
    )
    if listing.status == Status.RESERVED:
        return _edit_reserved(session, listing)
    gate: object = None
    if not _preview() and form.validate_on_submit():
        was_draft = listing.status == Status.DRAFT
        uploads: list[Photo] = []

        def save(publish: bool) -> Listing:
            return services.update_listing(
                session=session,
                listing_id=listing_id,
                user=me(),
                data=to_input(form, listing.category),
                photos=uploads,
                remove_photo_ids=[
                    int(i) for i in request.form.getlist("remove_photo") if i.isdecimal()
                ],
                store=image_store(),
                publish=publish,
                certificate_id=request.form.get("certificate_id"),
            )

        try:
            uploads = _uploads()
            listing = save(request.form.get("action") == "publish")
        except devices.GateRefused as error:
            abandon()
            if was_draft:  # the draft keeps the changes and photos; the form says what to do
                save(False)
                return redirect(url_for("listings.edit", listing_id=listing_id, refused=1))
            gate = error.message  # a live listing stays as it was
        except (ListingError, ImageRejected) as error:
            refused(form, error, default="photos")
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for("listings.show", listing_id=listing.id))
    elif request.method == "GET" and listing.status == Status.DRAFT:
        refusal = devices.refusal(session=session, listing=listing)
        gate = refusal.message if refusal else None
    photos = services.photos_of(session=session, listing_id=listing_id)
    return render_form(
        "listings/form.html",
        form,
        failed=bool(gate and request.method == "POST"),
        category=listing.category,
        listing=listing,
        photos=photos,
        gate=gate,
        gate_focus=request.method == "POST" or request.args.get("refused") == "1",
    )


def _edit_reserved(session: Session, listing: Listing) -> ResponseReturnValue:
    form = DescriptionForm(
        data=None if request.method == "POST" else {"description": listing.description}
    )
    if form.validate_on_submit():
        try:
            services.update_description(
                session=session,
                listing_id=listing.id or 0,
                user=me(),
                description=form.description.data or "",
            )
        except ListingError as error:
            refused(form, error, default="description")
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for("listings.show", listing_id=listing.id))
    return render_form("listings/edit_reserved.html", form, listing=listing)


def _exposure(listing: Listing) -> list[str]:
    """What the owner is told will be masked for others in their listing's text."""
    notes = [
        str(value)
        for key, value in (listing.disclosures or {}).items()
        if key not in privacy.SERIAL_KEYS and isinstance(value, str)
    ]
    return privacy.exposure_warnings(
        {_("标题"): listing.title, _("描述"): listing.description, _("卖家说明"): " ".join(notes)}
    )


@bp.get("/listings/<int:listing_id>")
def show(listing_id: int) -> ResponseReturnValue:
    session = get_session()
    listing = services.get_listing(session=session, listing_id=listing_id)
    is_owner = current_user.is_authenticated and listing.owner_id == current_user.id
    if listing.status in (Status.DRAFT, Status.WITHDRAWN) and not is_owner:
        abort(404)
    # what the areas taking part in the listing's life show, as of now (nothing is stored)
    shown = participants_of(session).listing_page(session, listing, current_app.config)
    consigned = shown.get("consigned")
    listing = services.as_of_now(consigned.listing if consigned else listing)
    seller = session.get(User, listing.owner_id)
    venue_org = venues.organization(session=session, venue=listing.venue)
    return render_template(
        "listings/detail.html",
        listing=listing,
        seller=seller,
        is_owner=is_owner,
        locked=services.lock_message(session, listing) if is_owner else None,
        exposure=_exposure(listing) if is_owner else [],
        photos=services.photos_of(session=session, listing_id=listing_id),
        answers=answer_labels(checklist_for(listing.category), listing.condition or {}),
        disclosures=checklist_for(listing.category).disclosures,
        why=explain(
            checklist_for(listing.category),
            listing.condition or {},
            listing.disclosures or {},
            listing.grade,
        ),
        venue_label=venues.label(session=session, venue=listing.venue),
        venue_org=venue_org,
        no_data_reason=devices.REASONS.get(listing.no_data_reason),
        **shown,
    )


@bp.post("/listings/<int:listing_id>/withdraw")
@login_required
def withdraw(listing_id: int) -> ResponseReturnValue:
    services.withdraw_listing(session=get_session(), listing_id=listing_id, user=me())
    flash(_("已下架。"), "info")
    return redirect(url_for("listings.mine"))


@bp.post("/listings/<int:listing_id>/renew")
@login_required
def renew(listing_id: int) -> ResponseReturnValue:
    session = get_session()
    try:
        services.renew_listing(session=session, listing_id=listing_id, user=me())
    except devices.GateRefused:
        abandon()
        return redirect(url_for("listings.edit", listing_id=listing_id, refused=1))
    flash(_("已重新上架，有效期60天。"), "success")
    return redirect(url_for("listings.show", listing_id=listing_id))


@bp.get("/my/listings")
@login_required
def mine() -> ResponseReturnValue:
    session = get_session()
    rows = services.listings_of(
        session=session, owner_id=current_user.id, statuses=tuple(s.value for s in Status)
    )
    rows = [services.as_of_now(row) for row in rows]  # due expiries shown, stored by the tick
    covers = services.cover_photos(session=session, listing_ids=[r.id for r in rows if r.id])
    return render_template("listings/mine.html", listings=rows, covers=covers)


@bp.get("/users/<int:user_id>")
def profile(user_id: int) -> ResponseReturnValue:
    session: Session = get_session()
    seller = session.get(User, user_id)
    if seller is None or not seller.is_active:
        abort(404)
    rows: list[Listing] = [
        row
        for row in services.listings_of(
            session=session, owner_id=user_id, statuses=(Status.ACTIVE.value,)
        )
        if services.as_of_now(row).status == Status.ACTIVE
    ]
    covers = services.cover_photos(session=session, listing_ids=[r.id for r in rows if r.id])
    return render_template(
        "listings/seller.html",
        seller=seller,
        listings=rows,
        covers=covers,
        **participants_of(session).seller_page(session, user_id, current_app.config),
    )
