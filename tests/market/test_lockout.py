"""Failed logins lock an identifier with backoff, in the database every worker shares; known
and unknown identifiers get the same answers; the owner is told."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from market import create_app
from market.accounts import lockout, services
from market.accounts.models import LoginThrottle, Role, User
from market.db import utcnow
from market.notifications.models import Notification
from tests.builders import PASSWORD, app_session, make_user
from tests.support.auth import AuthActions

ERRORS = re.compile(r'class="(?:field-)?errors?"[^>]*>(.*?)</', re.S)


def _error_text(html: str) -> str:
    """The form's messages, without the page around them (which names the CSRF token)."""
    return " | ".join(m.strip() for m in ERRORS.findall(html)) or html[html.find("<form") :][:600]


def _user(app: Flask, role: Role = Role.RESIDENT) -> User:
    with app_session(app) as session:
        return make_user(session, role=role)


def _unlock(app: Flask) -> None:
    """Let the lock's time pass."""
    with app_session(app) as session:
        for row in session.exec(select(LoginThrottle)).all():
            row.locked_until = utcnow() - timedelta(seconds=1)
            session.add(row)
        session.commit()


def test_backoff_doubles_from_one_minute_up_to_an_hour() -> None:
    assert [lockout.lock_length(n) for n in range(1, 5)] == [None] * 4
    minutes = [lockout.lock_length(n).total_seconds() / 60 for n in range(5, 13)]  # type: ignore[union-attr]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60]
    assert lockout.lock_length(10**6) == timedelta(hours=1)


@pytest.mark.parametrize("role", list(Role))
def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(
    app: Flask, client: FlaskClient, role: Role, caplog: pytest.LogCaptureFixture
) -> None:
    user = _user(app, role)
    auth = AuthActions(client)
    caplog.set_level(logging.INFO, logger="market.accounts.sms")
    answers = [auth.login(user.mobile or "", f"wrong-{i}") for i in range(5)]
    assert [a.status_code for a in answers] == [400] * 5
    assert "账号或密码不正确" in answers[3].get_data(as_text=True)
    assert "登录失败次数过多，请 1 分钟后再试" in answers[4].get_data(as_text=True)
    locked = auth.login(user.mobile or "", PASSWORD)
    assert locked.status_code == 400
    assert "登录失败次数过多" in locked.get_data(as_text=True)
    # The owner is told, once: a notification pointing at the reset, and a text.
    with app_session(app) as session:
        notes = session.exec(select(Notification).where(Notification.user_id == user.id)).all()
    assert [n.link for n in notes] == ["/account/reset"]
    texts = [
        r.getMessage() for r in caplog.records if user.mobile and user.mobile in r.getMessage()
    ]
    assert len(texts) == 1 and "已暂时锁定" in texts[0]
    # Once the lock has run out the right password works and the count starts again.
    _unlock(app)
    assert auth.login(user.mobile or "", PASSWORD).status_code == 302
    with app_session(app) as session:
        assert session.exec(select(LoginThrottle)).all() == []


def test_each_failure_after_the_lock_doubles_it(app: Flask, client: FlaskClient) -> None:
    user = _user(app)
    auth = AuthActions(client)
    for i in range(5):
        auth.login(user.mobile or "", f"wrong-{i}")
    _unlock(app)
    answer = auth.login(user.mobile or "", "wrong-again")
    assert "请 2 分钟后再试" in answer.get_data(as_text=True)
    with app_session(app) as session:
        (row,) = session.exec(select(LoginThrottle)).all()
    assert row.failures == 6
    assert row.locked_until is not None
    assert timedelta(seconds=100) < row.locked_until - utcnow() <= timedelta(minutes=2)


def test_the_count_is_shared_by_every_worker(app: Flask, database_url: str, tmp_path: Path) -> None:
    """Two app processes on one database (what two gunicorn workers are) share one count."""
    user = _user(app)
    other = create_app({"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "worker2")})
    workers = [AuthActions(app.test_client()), AuthActions(other.test_client())]
    for i in range(5):
        workers[i % 2].login(user.mobile or "", f"wrong-{i}")
    for worker in workers:
        answer = worker.login(user.mobile or "", PASSWORD)
        assert "登录失败次数过多" in answer.get_data(as_text=True)


def test_the_same_number_written_differently_counts_once(app: Flask, client: FlaskClient) -> None:
    user = _user(app)
    mobile = user.mobile or ""
    spaced = f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    auth = AuthActions(client)
    for i, typed in enumerate([mobile, spaced, "+86" + mobile, mobile, spaced]):
        auth.login(typed, f"wrong-{i}")
    assert "登录失败次数过多" in auth.login(mobile, PASSWORD).get_data(as_text=True)


def test_known_and_unknown_identifiers_get_the_same_answers(app: Flask) -> None:
    user = _user(app)

    def answers(identifier: str, address: str) -> list[str]:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address  # each its own per-IP rate limit
        auth = AuthActions(client)
        return [
            _error_text(auth.login(identifier, f"x-{i}").get_data(as_text=True)) for i in range(7)
        ]

    known = answers(user.mobile or "", "192.0.2.1")
    assert known == answers("13600000000", "192.0.2.2")
    assert known == answers("nobody@example.cn", "192.0.2.3")
    assert "账号或密码不正确" in known[0] and "请 1 分钟后再试" in known[4]
    # Tries while locked check no password and do not lengthen the lock.
    assert all("请 1 分钟后再试" in answer for answer in known[5:])


def test_an_unknown_identifier_costs_the_same_password_hash(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = _user(app)
    checked: list[str] = []
    real = services.verify_password

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(services, "verify_password", counting)
    auth = AuthActions(client)
    auth.login(user.mobile or "", "wrong-password")
    auth.login("13600000000", "wrong-password")
    auth.login("nobody@example.cn", "wrong-password")
    assert len(checked) == 3
    assert all(h.startswith("$argon2id$") for h in checked)
    assert checked[1] == checked[2] != checked[0]  # the dummy hash, with the same parameters
    assert checked[1].split("$")[3] == checked[0].split("$")[3]


def test_a_deleted_account_is_answered_like_an_unknown_one(app: Flask, client: FlaskClient) -> None:
    user = _user(app)
    with app_session(app) as session:
        row = session.get(User, user.id)
        assert row is not None
        row.deleted_at = utcnow()
        session.add(row)
        session.commit()
    answer = AuthActions(client).login(user.mobile or "", PASSWORD)
    assert answer.status_code == 400
    assert "账号或密码不正确" in answer.get_data(as_text=True)


def test_the_table_keeps_no_typed_number(app: Flask, client: FlaskClient) -> None:
    AuthActions(client).login("13600000000", "wrong-password")
    with app_session(app) as session:
        (row,) = session.exec(select(LoginThrottle)).all()
    assert "13600000000" not in row.key and len(row.key) == 64


def test_english_message_for_a_lockout(app: Flask, client: FlaskClient) -> None:
    client.set_cookie("lang", "en")
    auth = AuthActions(client)
    for i in range(5):
        answer = auth.login("13600000000", f"wrong-{i}")
    assert "Too many failed logins" in answer.get_data(as_text=True)
