"""Password reset by a text-message code: the same answers for unknown identifiers, the policy
on the new password, every session ended, the lockout lifted, the owner told."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from market.accounts.models import LoginThrottle, PasswordReset, Role, User, UserSession
from market.db import utcnow
from market.notifications.models import Notification
from tests.builders import PASSWORD, app_session, make_user
from tests.support.auth import AuthActions, csrf_token
from tests.support.sms import codes

NEW = "a-fresh-long-phrase"


def _ask(client: FlaskClient, identifier: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/account/reset")
    return client.post("/account/reset", data={"csrf_token": token, "identifier": identifier})


def _finish(client: FlaskClient, code: str, password: str = NEW):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/account/reset/code")
    return client.post(
        "/account/reset/code",
        data={"csrf_token": token, "code": code, "password": password, "confirm": password},
    )


@pytest.mark.parametrize("role", list(Role))
def test_every_role_resets_with_the_code_and_every_session_ends(app: Flask, role: Role) -> None:
    with app_session(app) as session:
        user = make_user(session, role=role)
        mobile = user.mobile or ""
    other_device = AuthActions(app.test_client())
    assert other_device.login(mobile, PASSWORD, remember=True).status_code == 302
    client = app.test_client()
    asked = _ask(client, mobile)
    assert (asked.status_code, asked.headers["Location"]) == (302, "/account/reset/code")
    done = _finish(client, codes.latest(mobile))
    assert (done.status_code, done.headers["Location"]) == (302, "/account/login")
    # The other device is out, remember-me included; the old password is gone.
    assert other_device.client.get("/account/profile").status_code == 302
    with app_session(app) as session:
        rows = session.exec(select(UserSession).where(UserSession.user_id == user.id)).all()
        assert rows and all(r.ended_at is not None and r.remember_hash is None for r in rows)
        notes = session.exec(select(Notification).where(Notification.user_id == user.id)).all()
        assert [n.link for n in notes] == ["/account/sessions"]
        assert session.exec(select(PasswordReset)).all() == []
    auth = AuthActions(client)
    assert auth.login(mobile, PASSWORD).status_code == 400
    assert auth.login(mobile, NEW).status_code == 302


def test_a_locked_account_recovers_through_the_reset(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as session:
        mobile = make_user(session).mobile or ""
    auth = AuthActions(client)
    for i in range(5):
        auth.login(mobile, f"wrong-{i}")
    assert "登录失败次数过多" in auth.login(mobile, PASSWORD).get_data(as_text=True)
    _ask(client, mobile)
    assert _finish(client, codes.latest(mobile)).status_code == 302
    with app_session(app) as session:
        assert session.exec(select(LoginThrottle)).all() == []
    assert auth.login(mobile, NEW).status_code == 302


def test_an_unknown_identifier_gets_the_same_pages_and_no_text(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with app_session(app) as session:
        mobile = make_user(session).mobile or ""
    caplog.set_level(logging.INFO, logger="market.accounts.sms")
    known, unknown = app.test_client(), app.test_client()
    answers = [_ask(known, mobile), _ask(unknown, "13600000000")]
    assert [a.headers["Location"] for a in answers] == ["/account/reset/code"] * 2
    flashes = [c.get("/account/reset/code").get_data(as_text=True) for c in (known, unknown)]
    assert all("如果该手机号或邮箱已注册，验证码已发送" in page for page in flashes)
    recipients = [r.args[0] for r in caplog.records if isinstance(r.args, tuple)]
    assert recipients == [mobile]
    wrong = [_finish(c, "000000").get_data(as_text=True) for c in (known, unknown)]
    assert all("验证码不正确，还可以再试 4 次" in page for page in wrong)


def test_the_new_password_must_follow_the_policy(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as session:
        mobile = make_user(session).mobile or ""
    _ask(client, mobile)
    code = codes.latest(mobile)
    for weak in ("12345678", "password1", mobile):
        assert _finish(client, code, weak).status_code == 400, weak
    assert _finish(client, code).status_code == 302


def test_wrong_expired_and_overtried_codes_are_refused(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as session:
        mobile = make_user(session).mobile or ""
    _ask(client, mobile)
    code = codes.latest(mobile)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        assert f"还可以再试 {left} 次" in _finish(client, wrong).get_data(as_text=True)
    assert "尝试次数过多" in _finish(client, wrong).get_data(as_text=True)
    assert "尝试次数过多" in _finish(client, code).get_data(as_text=True)
    _ask(client, mobile)
    with app_session(app) as session:
        for row in session.exec(select(PasswordReset)).all():
            row.code_expires_at = utcnow() - timedelta(seconds=1)
            session.add(row)
        session.commit()
    assert "验证码已过期" in _finish(client, codes.latest(mobile)).get_data(as_text=True)


def test_one_identifier_gets_three_resets_an_hour(app: Flask, client: FlaskClient) -> None:
    for _ in range(3):
        assert _ask(client, "13600000000").status_code == 302
    answer = _ask(client, "13600000000")
    assert answer.status_code == 400
    assert "获取验证码过于频繁" in answer.get_data(as_text=True)


def test_a_logged_in_person_is_sent_to_the_password_page(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as session:
        mobile = make_user(session).mobile or ""
    AuthActions(client).login(mobile, PASSWORD)
    assert client.get("/account/reset").headers["Location"] == "/account/password"


def test_the_login_page_links_to_the_reset(client: FlaskClient) -> None:
    assert 'href="/account/reset"' in client.get("/account/login").get_data(as_text=True)


def test_a_deleted_account_gets_no_code(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    with app_session(app) as session:
        user = make_user(session)
        row = session.get(User, user.id)
        assert row is not None
        row.deleted_at = utcnow()
        session.add(row)
        session.commit()
        mobile = user.mobile or ""
    caplog.set_level(logging.INFO, logger="market.accounts.sms")
    assert _ask(app.test_client(), mobile).status_code == 302
    assert [r for r in caplog.records if isinstance(r.args, tuple)] == []
