"""Registration: the privacy notice and consent, then a one-time code sent to the number."""

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
from market.accounts.consent import PRIVACY_NOTICE_VERSION
from market.accounts.models import PendingRegistration, User
from market.db import utcnow
from tests.builders import app_session, make_user
from tests.support.auth import AuthActions, csrf_token
from tests.support.sms import codes


def _users(app: Flask) -> list[User]:
    with app_session(app) as session:
        return list(session.exec(select(User)).all())


def _pending(app: Flask) -> list[PendingRegistration]:
    with app_session(app) as session:
        return list(session.exec(select(PendingRegistration)).all())


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_the_register_page_shows_the_notice_and_an_unticked_consent_box(
    client: FlaskClient,
) -> None:
    html = client.get("/account/register").get_data(as_text=True)
    assert 'data-testid="privacy-notice"' in html
    assert "credit_personal" not in html and "密钥哈希" in html and "监管人员" in html
    box = html[html.index('name="consent"') - 120 : html.index('name="consent"') + 60]
    assert 'type="checkbox"' in box and "checked" not in box
    assert "我已阅读并同意《隐私政策》" in html
    assert client.get("/account/privacy").status_code == 200


def test_registration_without_consent_is_refused_and_nothing_is_kept(
    app: Flask, auth: AuthActions
) -> None:
    response = auth.register(consent=False)
    assert response.status_code == 400
    assert "请阅读并同意《隐私政策》后再注册。" in response.get_data(as_text=True)
    assert _users(app) == [] and _pending(app) == []
    assert not codes.sent("13800000000")


def test_consent_is_stored_with_the_notice_version_and_time(app: Flask, auth: AuthActions) -> None:
    before = utcnow()
    assert auth.register().status_code == 302
    (user,) = _users(app)
    assert user.consent_version == PRIVACY_NOTICE_VERSION
    assert user.consented_at is not None and user.consented_at >= before
    assert user.identifier_verified_at is not None
    assert _pending(app) == []


def test_no_account_exists_until_the_code_is_entered(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    response = auth.register(verify=False)
    assert response.headers["Location"] == "/account/verify"
    assert _users(app) == []
    (pending,) = _pending(app)
    code = codes.latest("13912345678")
    assert len(pending.code_hash) == 64 and code not in pending.code_hash
    assert pending.code_expires_at - pending.last_sent_at == timedelta(minutes=10)
    assert "139****5678" in client.get("/account/verify").get_data(as_text=True)
    assert client.get("/my/listings").status_code == 302


@pytest.mark.parametrize(
    ("lang", "wrong", "expired", "too_many"),
    [
        (
            "zh",
            "验证码不正确，还可以再试 4 次。",
            "验证码已过期，请重新获取。",
            "尝试次数过多，请重新获取验证码。",
        ),
        (
            "en",
            "Wrong code; 4 tries left.",
            "The code has expired; please request a new one.",
            "Too many attempts; please request a new code.",
        ),
    ],
)
def test_wrong_expired_and_overtried_codes_are_refused_with_a_message(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    lang: str,
    wrong: str,
    expired: str,
    too_many: str,
) -> None:
    client.set_cookie("lang", lang)
    auth.register(verify=False)
    code = codes.latest("13912345678")

    response = auth.verify(_wrong(code))
    assert response.status_code == 400 and wrong in response.get_data(as_text=True)
    for _ in range(3):
        auth.verify(_wrong(code))
    response = auth.verify(_wrong(code))
    assert too_many in response.get_data(as_text=True)
    response = auth.verify(code)  # even the right code, once the tries are used up
    assert response.status_code == 400 and too_many in response.get_data(as_text=True)
    assert _users(app) == []

    with app_session(app) as session:  # a fresh code, then let it age past 10 minutes
        pending = session.exec(select(PendingRegistration)).one()
        pending.last_sent_at = utcnow() - timedelta(minutes=2)
        session.add(pending)
        session.commit()
    client.post(
        "/account/verify/resend", data={"csrf_token": csrf_token(client, "/account/verify")}
    )
    fresh = codes.latest("13912345678")
    with app_session(app) as session:
        pending = session.exec(select(PendingRegistration)).one()
        pending.code_expires_at = utcnow() - timedelta(seconds=1)
        session.add(pending)
        session.commit()
    response = auth.verify(fresh)
    assert response.status_code == 400 and expired in response.get_data(as_text=True)
    assert _users(app) == []


def test_a_resent_code_replaces_the_old_one_and_resending_is_limited(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register(verify=False)
    first = codes.latest("13912345678")
    token = csrf_token(client, "/account/verify")
    response = client.post(
        "/account/verify/resend", data={"csrf_token": token}, follow_redirects=True
    )
    assert "秒后再重新获取验证码" in response.get_data(as_text=True)
    assert codes.latest("13912345678") == first  # nothing was sent
    for _ in range(4):
        with app_session(app) as session:
            pending = session.exec(select(PendingRegistration)).one()
            pending.last_sent_at = utcnow() - timedelta(minutes=2)
            session.add(pending)
            session.commit()
        client.post("/account/verify/resend", data={"csrf_token": token})
    second = codes.latest("13912345678")
    with app_session(app) as session:
        pending = session.exec(select(PendingRegistration)).one()
        assert pending.sends == 5
        pending.last_sent_at = utcnow() - timedelta(minutes=2)
        session.add(pending)
        session.commit()
    response = client.post(
        "/account/verify/resend", data={"csrf_token": token}, follow_redirects=True
    )
    assert "验证码发送次数已达上限" in response.get_data(as_text=True)
    if second != first:
        assert auth.verify(first).status_code == 400
    assert auth.verify(second).status_code == 302


def test_one_number_gets_at_most_three_registrations_an_hour(app: Flask, auth: AuthActions) -> None:
    for _ in range(3):
        assert auth.register(verify=False).status_code == 302
    response = auth.register(verify=False)
    assert response.status_code == 400
    assert "该号码获取验证码过于频繁" in response.get_data(as_text=True)
    assert len(_pending(app)) == 3


def test_an_unverified_registration_does_not_keep_the_owner_out(app: Flask) -> None:
    squatter = AuthActions(app.test_client())
    squatter.register(display_name="冒名者", verify=False)
    owner = AuthActions(app.test_client())
    assert owner.register(display_name="真主人").status_code == 302
    (user,) = _users(app)
    assert user.display_name == "真主人"
    # The squatter's registration is gone with the owner's: their code page sends them back.
    assert squatter.client.get("/account/verify").headers["Location"] == "/account/register"


@pytest.mark.parametrize("number", ["١٣٩١٢٣٤٥٦٧٨", "139١٢٣٤٥٦٧٨", "۱۳۹۱۲۳۴۵۶۷۸"])
def test_arabic_indic_digits_are_refused_with_a_clear_message(
    app: Flask, auth: AuthActions, number: str
) -> None:
    response = auth.register(identifier=number)
    assert response.status_code == 400
    assert "手机号只能使用数字0–9" in response.get_data(as_text=True)
    assert _users(app) == [] and _pending(app) == []


def test_full_width_digits_are_normalised(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    assert auth.register(identifier="１３９　１２３４－５６７８").status_code == 302
    assert _users(app)[0].mobile == "13912345678"
    auth.logout()
    assert auth.login(identifier="１３９１２３４５６７８").status_code == 302


def test_english_message_for_foreign_digits(client: FlaskClient, auth: AuthActions) -> None:
    client.set_cookie("lang", "en")
    response = auth.register(identifier="١٣٩١٢٣٤٥٦٧٨")
    assert "A mobile number may only use the digits 0–9" in response.get_data(as_text=True)


def test_production_without_a_gateway_refuses_registration_clearly(
    database_url: str, tmp_path: Path
) -> None:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "DATA_DIR": str(tmp_path / "data"),
            "XUNHUAN_ENV": "production",
        }
    )
    try:
        response = AuthActions(app.test_client()).register()
        assert response.status_code == 400
        assert "短信验证码服务尚未开通" in response.get_data(as_text=True)
        assert _users(app) == [] and _pending(app) == []
    finally:
        app.extensions["xunhuan.engine"].dispose()


class _Gateway:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, *, to: str, text: str) -> None:
        self.sent.append((to, text))


def test_a_configured_sender_gets_the_code(database_url: str, tmp_path: Path) -> None:
    gateway = _Gateway()
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "DATA_DIR": str(tmp_path / "data"),
            "XUNHUAN_SMS_SENDER": gateway,
        }
    )
    try:
        AuthActions(app.test_client()).register(verify=False)
        ((to, text),) = gateway.sent
        assert to == "13912345678" and "验证码" in text
    finally:
        app.extensions["xunhuan.engine"].dispose()


def test_a_person_who_agreed_to_an_older_notice_is_asked_again_at_login(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    with app_session(app) as session:
        user = make_user(session, identifier="13600000009", consent_version="2025-01-01")
    response = client.post(
        "/account/login?next=/my/listings",
        data={
            "csrf_token": csrf_token(client),
            "identifier": "13600000009",
            "password": "builder-pass-1",
        },
    )
    assert response.headers["Location"].startswith("/account/consent")
    assert client.get("/my/listings").headers["Location"].startswith("/account/consent")
    page = client.get("/account/consent?next=/my/listings")
    assert "2025-01-01" in page.get_data(as_text=True)
    token = csrf_token(client, "/account/consent")
    response = client.post("/account/consent?next=/my/listings", data={"csrf_token": token})
    assert response.status_code == 400
    assert "请勾选同意后继续" in response.get_data(as_text=True)
    response = client.post(
        "/account/consent?next=/my/listings", data={"csrf_token": token, "consent": "y"}
    )
    assert response.headers["Location"] == "/my/listings"
    assert client.get("/my/listings").status_code == 200
    with app_session(app) as session:
        again = session.get(User, user.id)
        assert again is not None and again.consent_version == PRIVACY_NOTICE_VERSION
    auth.logout()


def test_registering_a_taken_number_looks_the_same_and_tells_only_the_owner(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    from market.notifications.models import Notification

    with app_session(app) as session:
        owner = make_user(session)
        number = owner.mobile or ""
    caplog.set_level(logging.INFO, logger="market.accounts.sms")
    taken = AuthActions(app.test_client()).register(identifier=number, verify=False)
    free = AuthActions(app.test_client()).register(identifier="13700009999", verify=False)
    assert (taken.status_code, taken.headers["Location"]) == (302, "/account/verify")
    assert (free.status_code, free.headers["Location"]) == (302, "/account/verify")
    texts = {r.args[0]: r.args[1] for r in caplog.records if isinstance(r.args, tuple)}
    assert "已经注册过" in texts[number] and not re.search(r"[0-9]{6}", texts[number])
    assert re.search(r"[0-9]{6}", texts["13700009999"])
    with app_session(app) as session:
        notes = session.exec(select(Notification).where(Notification.user_id == owner.id)).all()
        assert [n.link for n in notes] == ["/account/reset"]
        assert len(session.exec(select(User)).all()) == 1


def test_resending_to_a_taken_number_sends_the_notice_again_not_a_code(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with app_session(app) as session:
        number = make_user(session).mobile or ""
    visitor = AuthActions(app.test_client())
    visitor.register(identifier=number, verify=False)
    with app_session(app) as session:
        pending = session.exec(select(PendingRegistration)).one()
        pending.last_sent_at = utcnow() - timedelta(minutes=2)
        session.add(pending)
        session.commit()
    caplog.set_level(logging.INFO, logger="market.accounts.sms")
    caplog.clear()
    token = csrf_token(visitor.client, "/account/verify")
    assert (
        visitor.client.post("/account/verify/resend", data={"csrf_token": token}).status_code == 302
    )
    (text,) = [r.args[1] for r in caplog.records if isinstance(r.args, tuple)]
    assert "已经注册过" in text and not re.search(r"[0-9]{6}", str(text))
