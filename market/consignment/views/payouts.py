"""Consignors and payouts at the counter, the consignor's own page (where a resident links a
walk-in record with its claim code), and the public shop page's profile."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlmodel import Session

from market.consignment import payouts, pdf, services
from market.consignment.errors import ConsignmentError, ItemNotFound, NotShopStaff
from market.consignment.forms import ClaimForm, PayoutForm
from market.consignment.models import Consignor
from market.consignment.views.blueprint import bp, pdf_response, staff_only, staff_shop
from market.db import get_session, utcnow
from market.extensions import limiter
from market.money import format_fen
from market.orgs.models import Organization
from market.security import login_required
from market.web import me, refused, render_form

CLAIM_LIMIT = "10 per hour"


@bp.get("/shop/consignors")
@staff_only
def consignors() -> ResponseReturnValue:
    session = get_session()
    shop = staff_shop(session)
    rows = payouts.consignors_of(session=session, organization_id=shop.id or 0)
    balances = {c.id: payouts.balance_of(session=session, consignor_id=c.id or 0) for c in rows}
    return render_template(
        "consignment/consignors.html", shop=shop, consignors=rows, balances=balances
    )


def _consignor(session: Session, consignor_id: int) -> Consignor:
    try:
        return services.consignor_for_staff(session=session, user=me(), consignor_id=consignor_id)
    except NotShopStaff:
        abort(403)
    except ItemNotFound:
        abort(404)


@bp.route("/shop/consignors/<int:consignor_id>", methods=["GET", "POST"])
@staff_only
def consignor(consignor_id: int) -> ResponseReturnValue:
    session = get_session()
    shop = staff_shop(session)
    row = _consignor(session, consignor_id)
    form = PayoutForm()
    if form.validate_on_submit():
        try:
            paid = payouts.pay_out(
                session=session,
                staff=me(),
                consignor_id=consignor_id,
                method=form.method.data or "",
                reference=form.reference.data or "",
            )
        except ConsignmentError as error:
            refused(form, error, default="method")
        else:
            flash(_("已结算 ¥%(amount)s。", amount=format_fen(paid.amount_fen)), "success")
            return redirect(url_for("consignment.consignor", consignor_id=consignor_id))
    return render_form(
        "consignment/consignor.html",
        form,
        shop=shop,
        statement=payouts.statement(session=session, consignor=row),
    )


@bp.get("/shop/consignors/<int:consignor_id>/statement.pdf")
@staff_only
def statement_pdf(consignor_id: int) -> ResponseReturnValue:
    session = get_session()
    return _statement_pdf(session, _consignor(session, consignor_id))


def _statement_pdf(session: Session, row: Consignor) -> Response:
    shop = session.get(Organization, row.organization_id)
    assert shop is not None
    house = services.profile_of(session=session, org_id=shop.id or 0)
    body = pdf.statement_pdf(
        shop=shop,
        hours=house.opening_hours,
        data=payouts.statement(session=session, consignor=row),
        printed=utcnow(),
    )
    return pdf_response(body, f"statement-{row.id}.pdf")


@bp.post("/shop/consignors/<int:consignor_id>/claim-code")
@staff_only
def reissue_claim_code(consignor_id: int) -> ResponseReturnValue:
    session = get_session()
    _consignor(session, consignor_id)
    code = services.reissue_claim_code(session=session, staff=me(), consignor_id=consignor_id)
    flash(
        _("新的认领码：%(code)s。只显示这一次，请告诉寄卖人；之前的认领码已失效。", code=code),
        "success",
    )
    return redirect(url_for("consignment.consignor", consignor_id=consignor_id))


@bp.post("/shop/consignors/<int:consignor_id>/unlink")
@staff_only
def unlink(consignor_id: int) -> ResponseReturnValue:
    session = get_session()
    _consignor(session, consignor_id)
    code = services.unlink_consignor(session=session, staff=me(), consignor_id=consignor_id)
    flash(
        _(
            "已解除与账号的关联。新的认领码：%(code)s，只显示这一次，请只交给寄卖人本人。",
            code=code,
        ),
        "success",
    )
    return redirect(url_for("consignment.consignor", consignor_id=consignor_id))


def _claimer() -> str:
    """Claim attempts are limited per account (per address before login)."""
    if current_user.is_authenticated:
        return f"consignment-claim:user:{current_user.id}"
    return f"consignment-claim:ip:{get_remote_address()}"


@bp.route("/my/consignments", methods=["GET", "POST"])
@limiter.limit(CLAIM_LIMIT, key_func=_claimer, methods=["POST"])
@login_required
def mine() -> ResponseReturnValue:
    session = get_session()
    form = ClaimForm()
    if form.validate_on_submit():
        try:
            claimed = services.claim_with_code(
                session=session, user=me(), code=form.code.data or ""
            )
        except ConsignmentError as error:
            refused(form, error, default="code")
        else:
            shop = session.get(Organization, claimed.organization_id)
            flash(_("已关联您在%(shop)s的寄卖记录。", shop=shop.name if shop else ""), "success")
            return redirect(url_for("consignment.mine"))
    rows = services.consignors_of_user(session=session, user_id=me().id or 0)
    statements = [
        (
            session.get(Organization, row.organization_id),
            payouts.statement(session=session, consignor=row),
        )
        for row in rows
    ]
    return render_form("consignment/mine.html", form, statements=statements)


@bp.get("/my/consignments/<int:consignor_id>/statement.pdf")
@login_required
def my_statement_pdf(consignor_id: int) -> ResponseReturnValue:
    session = get_session()
    row = session.get(Consignor, consignor_id)
    if row is None or row.user_id != me().id:
        abort(404)
    return _statement_pdf(session, row)


def shop_profile(org: Organization) -> dict[str, Any] | None:
    """For the public shop page: hours, description and staff count of a consignment shop."""
    if org.kind != "consignment_shop":
        return None
    session = get_session()
    house = services.profile_of(session=session, org_id=org.id or 0)
    return {
        "opening_hours": house.opening_hours,
        "description": house.description,
        "staff_count": services.staff_count(session=session, org_id=org.id or 0),
    }


@bp.record_once
def _setup(state: Any) -> None:
    app: Flask = state.app
    app.add_template_global(shop_profile, "shop_profile")
