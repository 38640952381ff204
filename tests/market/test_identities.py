"""Identities that cannot pass for someone else: ASCII mobile digits, visible display names
in one direction, no names of staff."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from market.accounts import services
from market.accounts.errors import AccountError
from market.accounts.models import Role, User
from tests.builders import app_session, make_user
from tests.support.auth import AuthActions, LoginAs, csrf_token

HIDDEN_OR_BIDI = [
    "\u200b\u200b",  # zero-width spaces only
    "张\u200d三",  # a zero-width joiner inside
    "\u202eabc",  # right-to-left override
    "李\u2066四\u2069",  # isolates
    "\ufeff王五",  # byte-order mark
    "\u3164",  # Hangul filler, blank on screen
    "a\x07b",  # a control character
]
STAFF_LOOKALIKES = [
    "管理员",
    "系统管理员2",
    "Ａｄｍｉｎ",
    "a d m i n",
    "客-服小王",
    "官方客服",
    "市场监管局",
]


@pytest.mark.parametrize("name", HIDDEN_OR_BIDI)
def test_registration_refuses_invisible_and_bidi_characters(
    app: Flask, auth: AuthActions, name: str
) -> None:
    response = auth.register(display_name=name)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "不可见字符或文字方向控制符" in html or "请填写昵称" in html
    with app_session(app) as session:
        assert session.exec(select(User)).all() == []


@pytest.mark.parametrize("name", STAFF_LOOKALIKES)
def test_registration_refuses_names_reserved_for_staff(
    app: Flask, auth: AuthActions, name: str
) -> None:
    response = auth.register(display_name=name)
    assert response.status_code == 400
    assert "容易被误认为平台或监管工作人员" in response.get_data(as_text=True)


def test_the_admins_own_display_name_is_taken_for_everyone_else(
    app: Flask, auth: AuthActions, session: Session
) -> None:
    make_user(session, role=Role.ADMIN, display_name="小南")
    session.commit()
    assert auth.register(display_name="小 南").status_code == 400
    assert auth.register(display_name="小北").status_code == 302


@pytest.mark.parametrize("role", list(Role))
def test_the_profile_page_refuses_the_same_names_for_every_role_but_staff(
    app: Flask, client: FlaskClient, login_as: LoginAs, role: Role
) -> None:
    user = login_as(role)
    for name, staff_may in [("\u202e张三", False), ("管理员小李", True)]:
        token = csrf_token(client, "/account/profile")
        answer = client.post(
            "/account/profile",
            data={"csrf_token": token, "display_name": name, "home_street": "华苑"},
        )
        allowed = staff_may and role in (Role.ADMIN, Role.REGULATOR)
        assert answer.status_code == (302 if allowed else 400), (role, name)
        with app_session(app) as session:
            stored = session.get(User, user.id)
            assert stored is not None
            assert (stored.display_name == name) is allowed


def test_english_message_for_a_reserved_name(client: FlaskClient, auth: AuthActions) -> None:
    client.set_cookie("lang", "en")
    response = auth.register(display_name="admin")
    assert "could be mistaken for" in response.get_data(as_text=True)


def test_ordinary_names_in_many_scripts_still_register(app: Flask, auth: AuthActions) -> None:
    for n, name in enumerate(["李小循", "Zhang Wei", "مريم", "Ōno 大野", "小明😀"]):
        client = AuthActions(app.test_client())
        response = client.register(identifier=f"1391234560{n}", display_name=name)
        assert response.status_code == 302, name


def test_the_service_refuses_what_the_command_line_could_pass(session: Session) -> None:
    with pytest.raises(AccountError) as error:
        services.register_user(
            session=session,
            identifier="13912340000",
            password="correct-horse",
            display_name="\u200b",
        )
    assert error.value.field == "display_name"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("１３９１２３４５６７８", "13912345678"), ("+86 139-1234-5678", "13912345678")],
)
def test_mobile_numbers_are_stored_in_ascii_digits(
    app: Flask, auth: AuthActions, typed: str, stored: str
) -> None:
    assert auth.register(identifier=typed).status_code == 302
    with app_session(app) as session:
        assert session.exec(select(User)).one().mobile == stored


@pytest.mark.parametrize("typed", ["13٨٠٠٠٠٠٠٠١", "१३९१२३४५६७८", "13𝟗12345678"])
def test_look_alike_digits_are_refused_at_registration_and_login(
    app: Flask, auth: AuthActions, typed: str
) -> None:
    response = auth.register(identifier=typed)
    assert response.status_code == 400
    assert "手机号只能使用数字0–9" in response.get_data(as_text=True)
    assert auth.login(identifier=typed).status_code == 400
