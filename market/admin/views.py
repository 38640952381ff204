"""The administrator's pages: organizations and accounts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from market.accounts import services as accounts
from market.accounts.models import Role
from market.admin.forms import OrganizationForm
from market.db import get_session
from market.orgs import services as orgs
from market.orgs.errors import OrganizationError
from market.orgs.models import OrgKind
from market.security import requires_role
from market.web import paginate, refused, render_form

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/organizations", methods=["GET", "POST"])
@requires_role(Role.ADMIN)
def organizations() -> ResponseReturnValue:
    session = get_session()
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            org = orgs.create_organization(
                session=session,
                name=form.name.data or "",
                kind=OrgKind(form.kind.data),
                street=form.street.data or None,
                address=form.address.data or None,
                uscc=form.uscc.data or None,
            )
        except OrganizationError as error:
            refused(form, error, default="name")
        else:
            flash(_("已添加机构：%(name)s", name=org.name), "success")
            return redirect(url_for("admin.organizations"))
    rows = orgs.list_organizations(session=session)
    return render_form("admin/organizations.html", form, organizations=rows)


@bp.get("/users")
@requires_role(Role.ADMIN)
def users() -> ResponseReturnValue:
    return render_template("admin/users.html", users=paginate(accounts.every_user(), per_page=50))
