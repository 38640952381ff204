"""Flask-Login over the session records: the cookie names a record, the record decides.

The Flask session holds `_user_id` (Flask-Login's) and `sid`, the raw session token. The user
loader lets a request in only while that token's record is live and the person's; the request
loader reopens a remembered session from REMEMBER_COOKIE and rotates it. Flask-Login's own
remember cookie (`user_id|HMAC`, the same at every login) is never set, and an old one
carries no `sid`, so it opens nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, Response, g, request, session
from flask_login import current_user, login_user, logout_user

from market.accounts import sessions
from market.accounts.models import User
from market.db import get_session

REMEMBER_COOKIE = "xunhuan_remember"


def _usable(user: User | None) -> User | None:
    return user if user is not None and user.is_active and user.deleted_at is None else None


def load_user(user_id: str) -> User | None:
    token = session.get("sid")
    if not user_id.isdecimal() or not isinstance(token, str):
        return None
    db = get_session()
    row = sessions.find_live(session=db, token=token, user_id=int(user_id))
    if row is None:
        return None
    g.user_session = row
    return _usable(db.get(User, row.user_id))


def load_from_remember_cookie(req: Request) -> User | None:
    token = req.cookies.get(REMEMBER_COOKIE)
    if not token:
        return None
    db = get_session()
    issued = sessions.restore(session=db, remember_token=token)
    user = _usable(db.get(User, issued.row.user_id)) if issued else None
    if issued is None or user is None:
        # Spent, ended or aged: refused. The cookie is left alone, because a second request
        # the same browser sent at the same moment may have just rotated it; deleting it here
        # could overwrite the new one. Logout deletes it.
        return None
    session["_user_id"] = str(user.id)
    session["_fresh"] = False
    session["sid"] = issued.token
    g.user_session = issued.row
    g.remember_cookie = issued.remember_token
    return user


def log_in(user: User, *, remember: bool) -> None:
    """Open a session record for `user` and put its token in the browser."""
    db = get_session()
    issued = sessions.start(
        session=db,
        user=user,
        remember=remember,
        user_agent=request.headers.get("User-Agent", ""),
        ip=request.remote_addr,
    )
    db.commit()
    login_user(user)
    session["sid"] = issued.token
    g.user_session = issued.row
    g.remember_cookie = issued.remember_token  # None clears any cookie of an earlier login


def _current_row() -> Any:
    if not current_user.is_authenticated:  # loads the user, and with it the row, if not yet
        return None
    return g.get("user_session")


def current_session_id() -> int | None:
    row = _current_row()
    return row.id if row is not None else None


def log_out() -> None:
    """End this browser's session record (and its remember-me token), then forget the user."""
    row = _current_row()
    if row is not None:
        db = get_session()
        sessions.end(row)
        db.add(row)
        db.commit()
    logout_user()
    session.pop("sid", None)
    g.remember_cookie = None


def forget_browser() -> None:
    """Drop this browser's tokens (their records were already ended)."""
    session.pop("sid", None)
    g.remember_cookie = None


def _write_remember_cookie(response: Response) -> Response:
    if "remember_cookie" not in g:
        return response
    from flask import current_app

    config = current_app.config
    token = g.remember_cookie
    if token is None:
        response.delete_cookie(REMEMBER_COOKIE, path="/")
        return response
    response.set_cookie(
        REMEMBER_COOKIE,
        token,
        max_age=int(sessions.REMEMBER_FOR.total_seconds()),
        path="/",
        secure=bool(config.get("REMEMBER_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    return response


def init_app(app: Flask, login_manager: Any) -> None:
    login_manager.user_loader(load_user)
    login_manager.request_loader(load_from_remember_cookie)
    app.after_request(_write_remember_cookie)
