"""The shop counter: dashboard, profile, intake, items, tags and counter sales.

Consignors, payouts and the consignor's own page are in market.consignment.views.payouts, on
the same blueprint.
"""

from __future__ import annotations

from decimal import Decimal

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as web_session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import Session

from market.consignment import lifecycle, payouts, pdf, services
from market.consignment.errors import ConsignmentError, ItemNotFound, NotShopStaff
from market.consignment.forms import (
    AgreementForm,
    CounterForm,
    ProfileForm,
    format_pairs,
    format_steps,
)
from market.consignment.models import ConsignmentItem, Consignor, parse_code
from market.consignment.views.blueprint import bp, pdf_response, staff_only, staff_shop
from market.db import get_session
from market.images.errors import ImageRejected
from market.images.processing import store_uploads
from market.listings.catalog import CATEGORY_TREE, category_keys
from market.listings.errors import ListingError
from market.listings.forms import build_form, to_input
from market.listings.services import MAX_PHOTOS
from market.ratelimit import guard
from market.web import image_store, me, refused, render_form


@bp.get("/shop")
@staff_only
def dashboard() -> ResponseReturnValue:
    session = get_session()
    shop = staff_shop(session)
    return render_template(
        "consignment/dashboard.html",
        shop=shop,
        board=payouts.dashboard(session=session, staff=me()),
    )


@bp.route("/shop/profile", methods=["GET", "POST"])
@staff_only
def profile() -> ResponseReturnValue:
    session = get_session()
    shop = staff_shop(session)
    current = services.profile_of(session=session, org_id=shop.id or 0)
    form = ProfileForm(
        data=None
        if request.method == "POST"
        else {
            "opening_hours": current.opening_hours,
            "description": current.description,
            "minimum_payout": Decimal(current.minimum_payout_fen) / 100,
            "default_rate": Decimal(current.default_rate_bp) / 100,
            "tiers": format_pairs(current.tiers, money_key=True),
            "category_rates": format_pairs(current.category_rates, money_key=False),
            "term_days": current.term_days,
            "steps": format_steps(current.steps),
            "end_action": current.end_action,
        }
    )
    if form.validate_on_submit():
        try:
            services.save_profile(session=session, user=me(), values=form.values())
        except ConsignmentError as error:
            refused(form, error)
        else:
            flash(_("店铺资料已保存。"), "success")
            return redirect(url_for("consignment.profile"))
    return render_form("consignment/profile.html", form, shop=shop)


@bp.get("/shop/intake")
@staff_only
def choose_category() -> ResponseReturnValue:
    staff_shop(get_session())
    return render_template("consignment/choose_category.html", tree=CATEGORY_TREE)


@bp.route("/shop/intake/<path:category>", methods=["GET", "POST"])
@staff_only
@guard("UPLOAD_RATE_LIMIT", uploads=True)
def intake(category: str) -> ResponseReturnValue:
    if category not in category_keys():
        abort(404)
    session = get_session()
    shop = staff_shop(session)
    venue = f"shop:{shop.id}"
    form = build_form(category, [(venue, shop.name)])
    house = services.profile_of(session=session, org_id=shop.id or 0)
    agreement = AgreementForm(
        data=None
        if request.method == "POST"
        else {
            "term_days": house.term_days,
            "steps": format_steps(house.steps),
            "end_action": house.end_action,
        }
    )
    if request.method == "POST":
        form.mode.data, form.street.data, form.venue.data = "sell", shop.street or "", venue
    if form.is_submitted() and (form.validate() & agreement.validate()):
        try:
            listing = to_input(form, category)
            taken = services.intake(
                session=session,
                staff=me(),
                store=image_store(),
                data=services.IntakeInput(
                    title=listing.title,
                    category=category,
                    description=listing.description,
                    price_fen=listing.price_fen,
                    condition=listing.condition,
                    disclosures=listing.disclosures,
                    certificate_id=request.form.get("certificate_id") or None,
                    no_data=listing.no_data,
                    no_data_reason=listing.no_data_reason,
                    no_data_note=listing.no_data_note,
                    photos=store_uploads(
                        image_store(),
                        [f.read() for f in request.files.getlist("photos") if f.filename],
                        at_most=MAX_PHOTOS,
                    ),
                    **agreement.agreement_fields(),
                ),
            )
        except (ListingError, ImageRejected) as error:
            refused(
                form, error, default="photos", aliases={"split": "consignor_rate"}, also=[agreement]
            )
        else:
            item = taken.item
            _keep_claim_code(item.id or 0, taken.claim_code)
            flash(
                _("已收货：%(code)s。请打印协议由双方签字，并贴上标签。", code=item.code), "success"
            )
            return redirect(url_for("consignment.item", item_id=item.id))
    return render_form(
        "consignment/intake.html", form, also=[agreement],
        agreement=agreement, category=category, shop=shop,
    )  # fmt: skip


CLAIM_KEY = "consignment_claim"


def _keep_claim_code(item_id: int, code: str | None) -> None:
    """The walk-in's claim code, only ever in plain text here: kept in this staff member's
    browser session for the item just taken in, for its page and its printed agreement; the
    next intake replaces it, and another user of the same browser never sees it."""
    if code is None:
        web_session.pop(CLAIM_KEY, None)
    else:
        web_session[CLAIM_KEY] = [me().id, item_id, code]


def _claim_code_for(item_id: int) -> str | None:
    kept = web_session.get(CLAIM_KEY)
    if isinstance(kept, list) and len(kept) == 3 and kept[:2] == [me().id, item_id]:
        return str(kept[2])
    return None


def _item(session: Session, item_id: int) -> ConsignmentItem:
    try:
        return services.item_for_staff(session=session, user=me(), item_id=item_id)
    except NotShopStaff:
        abort(403)
    except ItemNotFound:
        abort(404)


@bp.get("/shop/items/<int:item_id>")
@staff_only
def item(item_id: int) -> ResponseReturnValue:
    session = get_session()
    row = _item(session, item_id)
    listing = services.listing_of(session=session, item=row)
    shown = lifecycle.on_read(session=session, listing=listing)
    listing = shown.listing if shown else listing
    return render_template(
        "consignment/item.html",
        item=row,
        listing=listing,
        shown=shown,
        consignor=session.get(Consignor, row.consignor_id),
        agreement=services.agreement_of(row),
        claim_code=_claim_code_for(row.id or 0),
    )


@bp.post("/shop/items/<int:item_id>/collected")
@staff_only
def collected(item_id: int) -> ResponseReturnValue:
    session = get_session()
    _item(session, item_id)
    lifecycle.mark_collected(session=session, staff=me(), item_id=item_id)
    flash(_("已登记：寄卖人已取回物品。"), "info")
    return redirect(url_for("consignment.item", item_id=item_id))


@bp.get("/shop/items/<int:item_id>/agreement.pdf")
@staff_only
def agreement_pdf(item_id: int) -> ResponseReturnValue:
    session = get_session()
    row = _item(session, item_id)
    shop = staff_shop(session)
    house = services.profile_of(session=session, org_id=shop.id or 0)
    consignor = session.get(Consignor, row.consignor_id)
    assert consignor is not None
    body = pdf.agreement_pdf(
        shop=shop,
        hours=house.opening_hours,
        minimum_fen=house.minimum_payout_fen,
        item=row,
        listing=services.listing_of(session=session, item=row),
        consignor=consignor,
        claim_code=_claim_code_for(row.id or 0) if consignor.user_id is None else None,
    )
    return pdf_response(body, f"agreement-{row.code}.pdf")


@bp.get("/shop/tags.pdf")
@staff_only
def tags_pdf() -> ResponseReturnValue:
    """Tags for the items asked for (?item=ID, repeated), else for today's intake."""
    session = get_session()
    shop = staff_shop(session)
    wanted = [int(i) for i in request.args.getlist("item") if i.isdecimal() and len(i) < 10]
    if wanted:
        rows = [_item(session, i) for i in wanted]
    else:
        rows = payouts.dashboard(session=session, staff=me()).intake_today
    tags = []
    for row in rows:
        listing = services.listing_of(session=session, item=row)
        shown = lifecycle.on_read(session=session, listing=listing)
        listing = shown.listing if shown else listing
        url = url_for("listings.show", listing_id=listing.id, _external=True)
        tags.append((row, listing, url))
    return pdf_response(pdf.tags_pdf(shop=shop, tags=tags), "tags.pdf")


@bp.route("/shop/counter", methods=["GET", "POST"])
@staff_only
def counter() -> ResponseReturnValue:
    session = get_session()
    shop = staff_shop(session)
    form = CounterForm()
    sale = None
    if form.validate_on_submit():
        item_id = parse_code(form.code.data or "")
        try:
            if item_id is None:
                raise ItemNotFound(_("找不到这个寄卖编号。"))
            sale = lifecycle.sell_at_counter(session=session, staff=me(), item_id=item_id)
        except ConsignmentError as error:
            refused(form, error, default="code")
        else:
            form = CounterForm(formdata=None)
    sold = None
    if sale is not None:
        sold_item = session.get(ConsignmentItem, sale.item_id)
        assert sold_item is not None
        sold = (sold_item, services.listing_of(session=session, item=sold_item))
    return render_form("consignment/counter.html", form, shop=shop, sale=sale, sold=sold)
