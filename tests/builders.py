"""Builders for test data, in one place."""

from __future__ import annotations

from itertools import count
from typing import Any

from flask import Flask
from sqlmodel import Session

from market.accounts import services as accounts
from market.accounts.consent import PRIVACY_NOTICE_VERSION
from market.accounts.models import ROLE_ORG_KINDS, Role, User
from market.db import SESSION_INFO, get_engine, open_session
from market.listings.models import Listing
from market.orgs import services as orgs
from market.orgs.models import Organization, OrgKind

_numbers = count(1)
PASSWORD = "builder-pass-1"


def make_organization(session: Session, **overrides: Any) -> Organization:
    fields: dict[str, Any] = {"name": f"机构{next(_numbers)}", "kind": OrgKind.CONSIGNMENT_SHOP}
    fields.update(overrides)
    return orgs.create_organization(session=session, **fields)


def make_user(session: Session, role: Role = Role.RESIDENT, **overrides: Any) -> User:
    """A user with `PASSWORD` who agreed to the current privacy notice; staff roles get an
    organization of the right kind."""
    n = next(_numbers)
    fields: dict[str, Any] = {
        "identifier": f"137{n:08d}",
        "password": PASSWORD,
        "display_name": f"用户{n}",
        "home_street": "长虹",
        "role": role,
        "consent_version": PRIVACY_NOTICE_VERSION,
    }
    if role in ROLE_ORG_KINDS and "organization" not in overrides:
        fields["organization"] = make_organization(session, kind=OrgKind(ROLE_ORG_KINDS[role]))
    fields.update(overrides)
    return accounts.register_user(session=session, **fields)


def app_session(app: Flask) -> Session:
    """A session of the app's unit of work: its commits index listings and deliver credit."""
    return open_session(app)


def plain_session(app: Flask) -> Session:
    """A session outside the unit of work: nothing follows its commits (to test the steps)."""
    # It still carries what every app session carries (the listing participants).
    info = dict(app.extensions.get(SESSION_INFO, {}))
    return Session(get_engine(app), expire_on_commit=False, info=info)


def make_listing(session: Session, owner: User, **overrides: Any) -> Listing:
    """An active listing (written directly; the listing service has its own tests)."""
    from datetime import timedelta

    from market.db import utcnow

    now = utcnow()
    fields: dict[str, Any] = {
        "title": f"闲置物品{next(_numbers)}",
        "description": "八成新，自提。",
        "category": "家具",
        "mode": "sell",
        "price_fen": 5000,
        "grade": "B",
        "street": "长虹",
        "owner_id": owner.id,
        "status": "active",
        "published_at": now,
        "expires_at": now + timedelta(days=60),
    }
    fields.update(overrides)
    listing = Listing(**fields)
    session.add(listing)
    session.commit()
    return listing


def picture(
    color: tuple[int, int, int] = (200, 60, 40),
    size: tuple[int, int] = (640, 480),
    fmt: str = "JPEG",
) -> bytes:
    """A real picture made by Pillow."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


# A complete answer set for the furniture checklist: grade B (surface wear).
FURNITURE_FORM = {
    "title": "宜家 书桌 120x60",
    "description": "桌面轻微划痕。",
    "mode": "sell",
    "price": "200",
    "street": "学府",
    "venue": "online",
    "q_new": "used",
    "q_surface": "wear",
    "q_pests": "no",
    "d_dimensions": "120×60×75 cm",
    "d_material": "实木贴面",
    "d_odour": "no",
}
