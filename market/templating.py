"""Template helpers: money, labels, dates, masking, the unread-message count."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import format_date as babel_format_date
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from market.accounts.models import Role
from market.db import get_session
from market.listings.catalog import Grade, Mode, category_label
from market.money import format_fen
from market.notifications import unread_count as unread_notifications
from market.orgs.models import OrgKind
from market.privacy import mask_mobile, mask_name, shown, shown_serial
from market.security import desks_of
from market.streets import STREETS
from market.trades.services import unread_count

STATUS_LABELS = {
    "draft": _l("草稿"),
    "active": _l("在售"),
    "reserved": _l("已预订"),
    "completed": _l("已成交"),
    "withdrawn": _l("已下架"),
    "expired": _l("已过期"),
    "open": _l("进行中"),
    "renting": _l("租赁中"),
    "cancelled": _l("已取消"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def format_date(value: datetime | None) -> str:
    return babel_format_date(value, "medium") if value else ""


def format_datetime(value: datetime | None) -> str:
    return babel_format_datetime(value, "short") if value else ""


def labelled(pair: tuple[str, int], labels: dict[str, Any]) -> tuple[str, int]:
    """(key, count) -> (its label in the reader's language, count), for `bar_chart`."""
    key, count = pair
    return str(labels.get(key, key)), count


def shown_to_viewer(text: Any, owner_id: int | None = None) -> str:
    """Free text as the current user may see it (market.privacy.may_see_raw decides)."""
    return shown(text, owner_id=owner_id or None, viewer=current_user)


def serial_to_viewer(value: Any, owner_id: int | None = None) -> str:
    """An IMEI/serial as the current user may see it."""
    return shown_serial(value, owner_id=owner_id or None, viewer=current_user)


def _unread() -> dict[str, Any]:
    if not current_user.is_authenticated:
        return {"unread_messages": 0, "unread_notifications": 0, "desks": desks_of(None)}

    session = get_session()
    return {
        "unread_messages": unread_count(session=session, user=current_user),
        "unread_notifications": unread_notifications(session=session, user_id=current_user.id),
        "desks": desks_of(current_user),
    }


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        yuan=format_fen,
        category_label=category_label,
        mask_name=mask_name,
        labelled=labelled,
        mask_mobile=mask_mobile,
        shown=shown_to_viewer,
        shown_serial=serial_to_viewer,
        format_date=format_date,
        format_datetime=format_datetime,
    )
    app.jinja_env.globals.update(
        Role=Role,
        Grade=Grade,
        Mode=Mode,
        OrgKind=OrgKind,
        STREETS=STREETS,
        status_label=status_label,
    )
    app.context_processor(_unread)
