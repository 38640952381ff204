"""The reader's notifications, newest first, a page at a time; reading them is a separate,
explicit POST."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from market import notifications
from market.db import get_session
from market.notifications.models import Notification
from market.security import login_required
from market.web import me, paginate

bp = Blueprint("notifications", __name__)
PER_PAGE = 30


def render(row: Notification) -> str:
    """The message in the reader's language, its parameters filled in."""
    text = gettext(row.message)
    try:
        return text % row.params if row.params else text
    except (KeyError, TypeError, ValueError):  # a catalogue typo must not hide the message
        return row.message % row.params if row.params else row.message


@bp.get("/notifications")
@login_required
def index() -> ResponseReturnValue:
    user_id = me().id or 0
    page = paginate(notifications.newest_first(user_id), per_page=PER_PAGE)
    items: list[dict[str, Any]] = [
        {"text": render(r), "link": r.link, "at": r.created_at, "unread": r.read_at is None}
        for r in page.items
    ]
    unread = notifications.unread_count(session=get_session(), user_id=user_id)
    return render_template("notifications/index.html", items=items, page=page, unread=unread)


@bp.post("/notifications/read")
@login_required
def mark_read() -> ResponseReturnValue:
    notifications.mark_all_read(session=get_session(), user_id=me().id or 0)
    return redirect(url_for("notifications.index"))
