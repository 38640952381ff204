"""Notifications: short messages to one user, shown in their language on /notifications.

`notify` stores the Chinese msgid and its parameters, not a rendered sentence, so a message
reads in whichever language its reader has chosen when they read it. Mark the msgid with `N_`
so `make translations` extracts it.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, func, select, update
from sqlmodel.sql.expression import SelectOfScalar

from market.db import utcnow
from market.notifications.models import Notification

MAX_LINK = 300


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for a deferred msgid
    """Mark `message` for extraction; it is translated when shown, not here."""
    return message


def notify(
    session: Session,
    *,
    user_id: int,
    message: str,
    params: dict[str, Any] | None = None,
    link: str | None = None,
) -> Notification:
    """Add a notification in the caller's transaction (the caller commits)."""
    if link is not None and (not link.startswith("/") or link.startswith("//")):
        raise ValueError("a notification links inside the site only")
    row = Notification(
        user_id=user_id,
        message=message,
        params={k: v if isinstance(v, int | float) else str(v) for k, v in (params or {}).items()},
        link=(link or None) and link[:MAX_LINK],
    )
    session.add(row)
    return row


def newest_first(user_id: int) -> SelectOfScalar[Notification]:
    """A user's notifications, the newest first: a statement, for a list shown a page at a time."""
    return (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    )


def unread_count(*, session: Session, user_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
    ).one()


def mark_all_read(*, session: Session, user_id: int) -> None:
    """Mark every unread notification of the user read, and commit."""
    session.exec(
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    session.commit()


__all__ = ["N_", "Notification", "mark_all_read", "newest_first", "notify", "unread_count"]
