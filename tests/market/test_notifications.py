"""Notifications: stored as msgids, read in the reader's language, marked read on request."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from market.accounts.models import User
from market.i18n import COOKIE
from market.notifications import N_, notify
from market.notifications.models import Notification
from tests.builders import PASSWORD, app_session, make_user
from tests.support.auth import AuthActions, csrf_token

STALL = N_("您已获得%(market)s的摊位。")
UNREAD = N_("%(n)d 条未读消息")  # a msgid the English catalogue already translates


def _two_users(app: Flask) -> tuple[str, str]:
    with app_session(app) as session:
        reader, other = make_user(session), make_user(session)
        notify(
            session,
            user_id=reader.id or 0,
            message=STALL,
            params={"market": "<b>华苑</b>"},
            link="/markets/1",
        )
        notify(session, user_id=other.id or 0, message=STALL, params={"market": "别人的市场"})
        session.commit()
        return reader.mobile or "", other.mobile or ""


def test_the_reader_sees_only_their_own_escaped_and_the_header_counts_them(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    reader, _other = _two_users(app)
    auth.login(identifier=reader, password=PASSWORD)
    home = client.get("/").get_data(as_text=True)
    assert 'aria-label="1 条未读通知"' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert "您已获得&lt;b&gt;华苑&lt;/b&gt;的摊位。" in page and "别人的市场" not in page
    assert 'href="/markets/1"' in page
    token = csrf_token(client, "/notifications")
    assert client.post("/notifications/read", data={"csrf_token": token}).status_code == 302
    assert "条未读通知" not in client.get("/").get_data(as_text=True)
    with app_session(app) as session:
        unread = [n for n in session.exec(select(Notification)) if n.read_at is None]
        assert len(unread) == 1  # the other user's stays unread


def test_a_message_is_shown_in_the_language_chosen_when_it_is_read(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    reader, _other = _two_users(app)
    with app_session(app) as session:
        user = session.exec(select(User).where(User.mobile == reader)).one()
        notify(session, user_id=user.id or 0, message=UNREAD, params={"n": 3})
        session.commit()
    auth.login(identifier=reader, password=PASSWORD)
    assert "3 条未读消息" in client.get("/notifications").get_data(as_text=True)
    client.set_cookie(COOKIE, "en")
    assert "3 unread messages" in client.get("/notifications").get_data(as_text=True)


def test_marking_read_needs_a_login_and_csrf(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    assert client.get("/notifications").status_code == 302
    reader, _other = _two_users(app)
    auth.login(identifier=reader, password=PASSWORD)
    assert client.post("/notifications/read").status_code == 400


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_links_stay_inside_the_site(app: Flask, link: str) -> None:
    with app_session(app) as session, pytest.raises(ValueError):
        notify(session, user_id=1, message=STALL, link=link)
