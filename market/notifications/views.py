"""The reader's notifications, newest first; reading them is a separate, explicit POST."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlmodel import Session, col, func, select, update

from market.db import get_session, utcnow
from market.notifications.models import Notification
from market.security import login_required

bp = Blueprint("notifications", __name__)
PAGE = 100


def render(row: Notification) -> str:
    """The message in the reader's language, its parameters filled in."""
    text = gettext(row.message)
    try:
        return text % row.params if row.params else text
    except (KeyError, TypeError, ValueError):  # a catalogue typo must not hide the message
        return row.message % row.params if row.params else row.message


def unread_count(*, session: Session, user_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
    ).one()


@bp.get("/notifications")
@login_required
def index() -> ResponseReturnValue:
    rows = get_session().exec(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(PAGE)
    )
    items: list[dict[str, Any]] = [
        {"text": render(r), "link": r.link, "at": r.created_at, "unread": r.read_at is None}
        for r in rows
    ]
    return render_template("notifications/index.html", items=items)


@bp.post("/notifications/read")
@login_required
def mark_read() -> ResponseReturnValue:
    session = get_session()
    session.exec(
        update(Notification)
        .where(col(Notification.user_id) == current_user.id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    session.commit()
    return redirect(url_for("notifications.index"))
