"""Creating organizations; the unified social credit code is checked here."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from credit.identifiers import is_valid_uscc, normalize_uscc
from market.orgs.errors import OrganizationError
from market.orgs.models import Organization, OrgKind
from market.streets import STREETS


def create_organization(
    *,
    session: Session,
    name: str,
    kind: OrgKind,
    street: str | None = None,
    address: str | None = None,
    uscc: str | None = None,
) -> Organization:
    """Register an organization; a code, when given, must pass the GB 32100-2015 check."""
    code = normalize_uscc(uscc) if uscc else None
    if code is not None and not is_valid_uscc(code):
        raise OrganizationError(_("统一社会信用代码无效，请核对18位代码及校验码。"), field="uscc")
    if street is not None and street not in STREETS:
        raise OrganizationError(_("请选择南开区的街道。"), field="street")
    if code and session.exec(select(Organization).where(Organization.uscc == code)).first():
        raise OrganizationError(_("该统一社会信用代码已登记。"), field="uscc")
    org = Organization(
        name=name.strip(), kind=kind.value, street=street, address=address, uscc=code
    )
    session.add(org)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise OrganizationError(_("该统一社会信用代码已登记。"), field="uscc") from exc
    return org


def list_organizations(*, session: Session) -> list[Organization]:
    return list(session.exec(select(Organization).order_by(Organization.kind, Organization.name)))
