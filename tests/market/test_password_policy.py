"""The password policy: length, a bundled list of common passwords, not the identifier, no runs;
on registration, password change and reset alike."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from market.accounts.common_passwords import COMMON_PASSWORDS
from market.accounts.errors import InvalidCredentials
from market.accounts.password_policy import check_password
from tests.builders import PASSWORD
from tests.support.auth import AuthActions, LoginAs, csrf_token

WEAK = {
    "12345678": "连续或重复",
    "aaaaaaaa": "连续或重复",
    "87654321": "连续或重复",
    "abcdefgh": "连续或重复",
    "qwertyuiop": "连续或重复",
    "abcabcabcabc": "连续或重复",
    "password": "太常见",
    "Password2026!": "太常见",
    "woaini1314": "太常见",
    "1qaz2wsx": "太常见",
    "13912345678": "手机号或邮箱",
    "x13912345678": "手机号或邮箱",
}


def test_the_bundled_list_is_loaded_and_lower_case() -> None:
    assert len(COMMON_PASSWORDS) > 100
    assert all(p == p.lower() and len(p) >= 7 for p in COMMON_PASSWORDS)


@pytest.mark.parametrize("password", ["short", "x" * 129])
def test_length_is_bounded(app: Flask, password: str) -> None:
    with app.test_request_context(), pytest.raises(InvalidCredentials, match="8 到 128"):
        check_password(password)


def test_the_identifier_itself_is_refused_also_for_e_mail(app: Flask) -> None:
    with app.test_request_context():
        with pytest.raises(InvalidCredentials, match="手机号或邮箱"):
            check_password("li.hua@example.cn", identifier="li.hua@example.cn")
        with pytest.raises(InvalidCredentials, match="手机号或邮箱"):
            check_password("li.hua-2026", identifier="li.hua@example.cn")
        check_password("correct-horse", identifier="li.hua@example.cn")


@pytest.mark.parametrize(("password", "reason"), WEAK.items())
def test_registration_refuses_weak_passwords_with_the_reason(
    auth: AuthActions, password: str, reason: str
) -> None:
    response = auth.register(identifier="13912345678", password=password)
    assert response.status_code == 400, password
    assert reason in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "password", ["correct-horse", "nankai-88-x", "我的旧书角2026", "new-horse-battery"]
)
def test_reasonable_passwords_register(auth: AuthActions, password: str) -> None:
    assert auth.register(password=password).status_code == 302


def test_password_change_applies_the_policy(client: FlaskClient, login_as: LoginAs) -> None:
    user = login_as()
    for weak in ("aaaaaaaa", "iloveyou", user.mobile or ""):
        answer = client.post(
            "/account/password",
            data={
                "csrf_token": csrf_token(client, "/account/password"),
                "current": PASSWORD,
                "password": weak,
                "confirm": weak,
            },
        )
        assert answer.status_code == 400, weak


def test_english_message_for_a_common_password(client: FlaskClient, auth: AuthActions) -> None:
    client.set_cookie("lang", "en")
    response = auth.register(password="password123")
    assert "too common" in response.get_data(as_text=True)
