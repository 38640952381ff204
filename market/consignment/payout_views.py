"""Consignors and payouts at the counter, the consignor's own page, and the hooks the
rest of the site calls: the public shop page's profile, the walk-in claim on login."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import user_logged_in
from sqlmodel import Session, col, select

from market.accounts.models import User
from market.consignment import lifecycle, payouts, pdf, services
from market.consignment.errors import ConsignmentError, ItemNotFound, NotShopStaff
from market.consignment.forms import PayoutForm
from market.consignment.models import ConsignmentItem, Consignor
from market.consignment.views import _me, _pdf, _shop, bp, staff_only
from market.db import get_session, utcnow
from market.orgs.models import Organization
from market.security import login_required


@bp.get("/shop/consignors")
@staff_only
def consignors() -> ResponseReturnValue:
    session = get_session()
    shop = _shop(session)
    rows = list(session.exec(
        select(Consignor).where(Consignor.organization_id == shop.id).order_by(col(Consignor.id))
    ))
    balances = {c.id: payouts.balance_of(session=session, consignor_id=c.id or 0) for c in rows}
    return render_template(
        "consignment/consignors.html", shop=shop, consignors=rows, balances=balances
    )


def _consignor(session: Session, consignor_id: int) -> Consignor:
    try:
        return services.consignor_for_staff(
            session=session, user=_me(), consignor_id=consignor_id
        )
    except NotShopStaff:
        abort(403)
    except ItemNotFound:
        abort(404)


@bp.route("/shop/consignors/<int:consignor_id>", methods=["GET", "POST"])
@staff_only
def consignor(consignor_id: int) -> ResponseReturnValue:
    session = get_session()
    shop = _shop(session)
    row = _consignor(session, consignor_id)
    form = PayoutForm()
    if form.validate_on_submit():
        try:
            paid = payouts.pay_out(
                session=session, staff=_me(), consignor_id=consignor_id,
                method=form.method.data or "", reference=form.reference.data or "",
            )
        except ConsignmentError as error:
            session.rollback()
            target = form.reference if error.field == "reference" else form.method
            target.errors = [str(error.message)]
        else:
            flash(_("已结算 ¥%(amount)s。", amount=f"{paid.amount_fen / 100:.2f}"), "success")
            return redirect(url_for("consignment.consignor", consignor_id=consignor_id))
    status = 400 if form.errors else 200
    return render_template(
        "consignment/consignor.html", shop=shop, form=form,
        statement=payouts.statement(session=session, consignor=row),
    ), status


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
        shop=shop, hours=house.opening_hours,
        data=payouts.statement(session=session, consignor=row), printed=utcnow(),
    )
    return _pdf(body, f"statement-{row.id}.pdf")


@bp.get("/my/consignments")
@login_required
def mine() -> ResponseReturnValue:
    session = get_session()
    rows = services.consignors_of_user(session=session, user_id=_me().id or 0)
    now = utcnow()
    items = session.exec(
        select(ConsignmentItem).where(col(ConsignmentItem.consignor_id).in_([r.id for r in rows]))
    ).all() if rows else []
    if [i for i in items if lifecycle.refresh(session=session, item=i, now=now)]:
        session.commit()
    statements = [
        (session.get(Organization, row.organization_id),
         payouts.statement(session=session, consignor=row))
        for row in rows
    ]
    return render_template("consignment/mine.html", statements=statements)


@bp.get("/my/consignments/<int:consignor_id>/statement.pdf")
@login_required
def my_statement_pdf(consignor_id: int) -> ResponseReturnValue:
    session = get_session()
    row = session.get(Consignor, consignor_id)
    if row is None or row.user_id != _me().id:
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


def _claim(_app: Flask, user: User, **_extra: Any) -> None:
    """A resident logging in or registering takes over walk-in records with their mobile."""
    services.claim_on_login(session=get_session(), user=user)


@bp.record_once
def _setup(state: Any) -> None:
    app: Flask = state.app
    app.add_template_global(shop_profile, "shop_profile")
    user_logged_in.connect(_claim, app)

