"""The consignment blueprint and what its route modules share."""

from __future__ import annotations

from flask import Blueprint, Response, abort
from sqlmodel import Session

from market.accounts.models import Role
from market.consignment import services
from market.consignment.errors import NotShopStaff
from market.orgs.models import Organization
from market.security import requires_role
from market.web import me

bp = Blueprint("consignment", __name__)
staff_only = requires_role(Role.SHOP_STAFF)


def staff_shop(session: Session) -> Organization:
    try:
        return services.shop_of(session=session, user=me())
    except NotShopStaff:
        abort(403)


def pdf_response(body: bytes, name: str) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response
