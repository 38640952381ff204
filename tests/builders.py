"""Builders for test data, in one place."""

from __future__ import annotations

from itertools import count
from typing import Any

from flask import Flask
from sqlmodel import Session

from market.accounts import services as accounts
from market.accounts.models import ROLE_ORG_KINDS, Role, User
from market.db import get_engine
from market.orgs import services as orgs
from market.orgs.models import Organization, OrgKind

_numbers = count(1)
PASSWORD = "builder-pass-1"


def make_organization(session: Session, **overrides: Any) -> Organization:
    fields: dict[str, Any] = {"name": f"机构{next(_numbers)}", "kind": OrgKind.CONSIGNMENT_SHOP}
    fields.update(overrides)
    return orgs.create_organization(session=session, **fields)


def make_user(session: Session, role: Role = Role.RESIDENT, **overrides: Any) -> User:
    """A user with `PASSWORD`; staff roles get an organization of the right kind."""
    n = next(_numbers)
    fields: dict[str, Any] = {
        "identifier": f"137{n:08d}",
        "password": PASSWORD,
        "display_name": f"用户{n}",
        "home_street": "长虹",
        "role": role,
    }
    if role in ROLE_ORG_KINDS and "organization" not in overrides:
        fields["organization"] = make_organization(session, kind=OrgKind(ROLE_ORG_KINDS[role]))
    fields.update(overrides)
    return accounts.register_user(session=session, **fields)


def app_session(app: Flask) -> Session:
    return Session(get_engine(app), expire_on_commit=False)
