"""Template helpers: money, labels, masking."""

from __future__ import annotations

from flask import Flask

from market.accounts.models import Role
from market.listings.catalog import Grade, Mode, category_label, format_fen
from market.orgs.models import OrgKind
from market.privacy import mask_mobile, mask_name
from market.streets import STREETS


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        yuan=format_fen,
        category_label=category_label,
        mask_name=mask_name,
        mask_mobile=mask_mobile,
    )
    app.jinja_env.globals.update(
        Role=Role,
        Grade=Grade,
        Mode=Mode,
        OrgKind=OrgKind,
        STREETS=STREETS,
    )
