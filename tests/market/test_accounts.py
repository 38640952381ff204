from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from market.accounts.models import User
from tests.builders import app_session
from tests.support.auth import AuthActions


def test_register_with_mobile_logs_in_and_hashes_the_password(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    response = auth.register(identifier="139 1234 5678")
    assert response.status_code == 302
    assert "张三" in client.get("/").get_data(as_text=True)
    with app_session(app) as session:
        user = session.exec(select(User)).one()
    assert user.mobile == "13912345678"
    assert user.home_street == "学府"
    assert user.password_hash.startswith("$argon2id$")
    assert "correct-horse" not in user.password_hash


def test_register_with_email(app: Flask, auth: AuthActions) -> None:
    assert auth.register(identifier="Li.Hua@Example.CN").status_code == 302
    with app_session(app) as session:
        assert session.exec(select(User)).one().email == "li.hua@example.cn"


@pytest.mark.parametrize(
    ("identifier", "password", "street", "message"),
    [
        ("1391234567", "correct-horse", "学府", "请输入11位手机号或有效的电子邮箱。"),
        ("23912345678", "correct-horse", "学府", "请输入11位手机号或有效的电子邮箱。"),
        ("not-an-email@", "correct-horse", "学府", "请输入11位手机号或有效的电子邮箱。"),
        ("13912345678", "short", "学府", "密码长度需为8到128个字符。"),
        ("13912345678", "correct-horse", "朝阳", "不是有效的选择。"),
    ],
)
def test_bad_registration_is_refused_with_a_message_and_creates_nothing(
    app: Flask, auth: AuthActions, identifier: str, password: str, street: str, message: str
) -> None:
    response = auth.register(identifier=identifier, password=password, home_street=street)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app_session(app) as session:
        assert session.exec(select(User)).all() == []


def test_a_mobile_number_registers_once(app: Flask, auth: AuthActions, client: FlaskClient) -> None:
    auth.register()
    auth.logout()
    # The second registration is answered as the first (no "already registered" for a
    # visitor to probe numbers with), but no code reaches it and no second account is made.
    response = auth.register(verify=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/verify"
    for code in ("000000", "123456", "999999"):
        assert auth.verify(code).status_code == 400
    with app_session(app) as session:
        assert len(session.exec(select(User)).all()) == 1


def test_login_and_logout(auth: AuthActions, client: FlaskClient) -> None:
    auth.register()
    auth.logout()
    assert "张三" not in client.get("/").get_data(as_text=True)
    response = auth.login()
    assert response.status_code == 302
    assert "张三" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert client.get("/account/profile").status_code == 302


def test_wrong_password_is_refused(auth: AuthActions, client: FlaskClient) -> None:
    auth.register()
    auth.logout()
    response = auth.login(password="wrong-horse")
    assert response.status_code == 400
    assert "账号或密码不正确。" in response.get_data(as_text=True)
    assert client.get("/account/profile").status_code == 302


def test_login_follows_only_local_next(auth: AuthActions, client: FlaskClient) -> None:
    auth.register()
    auth.logout()
    from tests.support.auth import csrf_token

    data = {"identifier": "13912345678", "password": "correct-horse"}
    response = client.post(
        "/account/login?next=https://evil.example/",
        data={**data, "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/"
    auth.logout()
    response = client.post(
        "/account/login?next=/account/profile", data={**data, "csrf_token": csrf_token(client)}
    )
    assert response.headers["Location"] == "/account/profile"


def test_profile_updates_name_and_street(
    app: Flask, auth: AuthActions, client: FlaskClient
) -> None:
    auth.register()
    from tests.support.auth import csrf_token

    token = csrf_token(client, "/account/profile")
    response = client.post(
        "/account/profile",
        data={"csrf_token": token, "display_name": "李四", "home_street": "华苑"},
    )
    assert response.status_code == 302
    with app_session(app) as session:
        user = session.exec(select(User)).one()
    assert (user.display_name, user.home_street) == ("李四", "华苑")


def test_login_is_rate_limited(auth: AuthActions, client: FlaskClient) -> None:
    statuses = [auth.login(password=f"guess-{i}").status_code for i in range(11)]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    response = auth.login()
    assert "操作太频繁" in response.get_data(as_text=True)
