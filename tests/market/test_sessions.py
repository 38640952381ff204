"""Sessions that end: a copied cookie opens nothing once its session is over."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie
from sqlmodel import select

from market.accounts.models import User, UserSession
from market.accounts.sessions import mask_ip
from market.accounts.web_sessions import REMEMBER_COOKIE
from market.db import utcnow
from tests.builders import app_session
from tests.support.auth import AuthActions, csrf_token


def _copy(source: FlaskClient, app: Flask, *names: str) -> FlaskClient:
    """A second browser holding copies of `source`'s cookies (what a thief would have)."""
    other = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie"
        other.set_cookie(name, cookie.value)
    return other


def _refused(client: FlaskClient) -> bool:
    response = client.get("/my/listings")
    return response.status_code == 302 and "/account/login" in response.headers["Location"]


def _sessions(app: Flask) -> list[UserSession]:
    with app_session(app) as session:
        return list(session.exec(select(UserSession).order_by(UserSession.id)).all())


def test_a_session_cookie_copied_before_logout_is_refused_after_it(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    assert client.get("/my/listings").status_code == 200
    thief = _copy(client, app, "session")
    assert thief.get("/my/listings").status_code == 200  # the copy works while the session lives
    auth.logout()
    assert _refused(thief)
    assert _refused(client)


def test_the_flask_session_holds_only_a_random_id_stored_hashed(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    with client.session_transaction() as flask_session:
        token = flask_session["sid"]
    (row,) = _sessions(app)
    assert len(token) >= 40 and token not in row.token_hash
    assert row.ended_at is None and row.remember is False


def test_a_password_change_ends_every_other_session_and_keeps_this_one(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    laptop = app.test_client()
    AuthActions(laptop).login()
    stolen = _copy(laptop, app, "session")
    response = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(client, "/account/password"),
            "current": "correct-horse",
            "password": "new-horse-battery",
            "confirm": "new-horse-battery",
        },
    )
    assert response.status_code == 302
    assert "其他 1 个设备上的登录已结束" in client.get("/account/profile").get_data(as_text=True)
    assert _refused(laptop) and _refused(stolen)
    assert client.get("/my/listings").status_code == 200
    assert AuthActions(app.test_client()).login(password="correct-horse").status_code == 400
    assert AuthActions(app.test_client()).login(password="new-horse-battery").status_code == 302


def test_a_wrong_current_password_changes_nothing(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    laptop = app.test_client()
    AuthActions(laptop).login()
    with app_session(app) as session:
        before = session.exec(select(User)).one().password_hash
    token = csrf_token(client, "/account/password")
    for current, new, confirm, message in [
        ("wrong-horse", "new-horse-battery", "new-horse-battery", "当前密码不正确。"),
        ("correct-horse", "short", "short", "密码长度需为8到128个字符。"),
        ("correct-horse", "new-horse-battery", "other-horse-battery", "两次输入的密码不一致。"),
        ("correct-horse", "correct-horse", "correct-horse", "新密码不能与当前密码相同。"),
    ]:
        response = client.post(
            "/account/password",
            data={"csrf_token": token, "current": current, "password": new, "confirm": confirm},
        )
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    with app_session(app) as session:
        assert session.exec(select(User)).one().password_hash == before
    assert laptop.get("/my/listings").status_code == 200


def test_remember_me_is_random_rotated_on_use_and_ended_by_logout(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    auth.logout()
    auth.login(remember=True)
    first = client.get_cookie(REMEMBER_COOKIE)
    assert first is not None and "|" not in first.value
    # A browser that kept only the remember-me cookie is let in, and gets a new one.
    returning = _copy(client, app, REMEMBER_COOKIE)
    assert returning.get("/my/listings").status_code == 200
    rotated = returning.get_cookie(REMEMBER_COOKIE)
    assert rotated is not None and rotated.value != first.value
    assert returning.get("/my/listings").status_code == 200  # now on its new session id
    # The spent token opens nothing, and is dropped.
    replay = _copy(client, app, REMEMBER_COOKIE)
    assert _refused(replay)
    # Logging out ends the session the rotated token belongs to.
    thief = _copy(returning, app, REMEMBER_COOKIE)
    AuthActions(returning).logout()
    assert _refused(thief)
    assert returning.get_cookie(REMEMBER_COOKIE) is None


def test_a_remember_me_token_past_30_days_is_refused(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    auth.logout()
    auth.login(remember=True)
    with app_session(app) as session:
        row = session.exec(select(UserSession).where(UserSession.remember)).one()
        row.remember_expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    assert _refused(_copy(client, app, REMEMBER_COOKIE))
    assert _refused(client)


def test_the_old_user_id_remember_cookie_opens_nothing(app: Flask, auth: AuthActions) -> None:
    auth.register()
    with app_session(app) as session:
        user_id = session.exec(select(User)).one().id
    with app.test_request_context():
        forged = encode_cookie(str(user_id))
    stranger = app.test_client()
    stranger.set_cookie("remember_token", forged)
    assert _refused(stranger)


def test_ending_one_session_from_the_sessions_page_refuses_its_cookie(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    phone = app.test_client()
    AuthActions(phone).login(remember=True)
    page = client.get("/account/sessions", headers={"User-Agent": "x"}).get_data(as_text=True)
    assert "本设备" in page and "结束此登录" in page
    rows = _sessions(app)
    assert len(rows) == 2
    phone_row = rows[1]
    stolen = _copy(phone, app, "session", REMEMBER_COOKIE)
    response = client.post(
        f"/account/sessions/{phone_row.id}/end",
        data={"csrf_token": csrf_token(client, "/account/sessions")},
    )
    assert response.status_code == 302
    assert _refused(phone) and _refused(stolen)
    assert client.get("/my/listings").status_code == 200


def test_nobody_ends_another_persons_session(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    other = app.test_client()
    AuthActions(other).register(identifier="13700000001", display_name="李四")
    theirs = _sessions(app)[1]
    response = client.post(
        f"/account/sessions/{theirs.id}/end",
        data={"csrf_token": csrf_token(client, "/account/sessions")},
        follow_redirects=True,
    )
    assert "没有找到这个登录" in response.get_data(as_text=True)
    assert other.get("/my/listings").status_code == 200


def test_end_all_other_sessions(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.register()
    others = [app.test_client() for _ in range(2)]
    for other in others:
        AuthActions(other).login()
    client.post(
        "/account/sessions/end-others", data={"csrf_token": csrf_token(client, "/account/sessions")}
    )
    assert all(_refused(other) for other in others)
    assert client.get("/my/listings").status_code == 200


def test_the_sessions_page_shows_device_and_masked_ip(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    client.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    client.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"
    )
    auth.register()
    html = client.get("/account/sessions").get_data(as_text=True)
    assert "Chrome · Android" in html
    assert "203.0.113.*" in html and "203.0.113.77" not in html


def test_ip_addresses_are_masked() -> None:
    assert mask_ip("198.51.100.23") == "198.51.100.*"
    assert mask_ip("2001:db8:abcd:12::1") == "2001:db8:abcd::/48"
    assert mask_ip(None) == "" and mask_ip("not an ip") == ""
