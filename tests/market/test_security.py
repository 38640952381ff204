from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from market.accounts.models import User
from tests.builders import app_session
from tests.support.auth import AuthActions


def test_a_form_without_its_csrf_token_is_rejected_and_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post(
        "/account/register",
        data={
            "identifier": "13912345678",
            "display_name": "张三",
            "home_street": "学府",
            "password": "correct-horse",
            "confirm": "correct-horse",
        },
    )
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
    with app_session(app) as session:
        assert session.exec(select(User)).all() == []


def test_a_forged_csrf_token_is_rejected(client: FlaskClient) -> None:
    response = client.post("/lang/en", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/").headers.get("Content-Language") != "en"
    assert 'lang="zh-Hans"' in client.get("/").get_data(as_text=True)


def test_user_text_is_escaped(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.register(display_name="<script>alert(1)</script>")
    html = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_session_cookie_is_http_only_and_same_site(client: FlaskClient, auth: AuthActions) -> None:
    response = auth.register()
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
