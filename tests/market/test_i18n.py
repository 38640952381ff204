from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from market import ROOT
from market.accounts.models import User
from tests.builders import app_session
from tests.support.auth import AuthActions, csrf_token


def test_chinese_is_the_default(client: FlaskClient) -> None:
    html = client.get("/account/login", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html
    assert "登录" in html


def test_switching_to_english_is_remembered(client: FlaskClient) -> None:
    response = client.post(
        "/lang/en", data={"csrf_token": csrf_token(client), "next": "/account/login"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"
    html = client.get("/account/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in" in html and "登录" not in html
    assert "Mobile number or e-mail" in html
    client.post("/lang/zh", data={"csrf_token": csrf_token(client)})
    assert '<html lang="zh-Hans">' in client.get("/").get_data(as_text=True)


def test_language_switch_refuses_to_redirect_off_site(client: FlaskClient) -> None:
    response = client.post(
        "/lang/en", data={"csrf_token": csrf_token(client), "next": "//evil.example/x"}
    )
    assert response.headers["Location"] == "/"


def test_a_logged_in_user_keeps_the_language_on_another_device(
    app: Flask, auth: AuthActions, client: FlaskClient
) -> None:
    auth.register()
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/")})
    with app_session(app) as session:
        assert session.exec(select(User)).one().locale == "en"
    other = app.test_client()
    AuthActions(other).login()
    assert '<html lang="en">' in other.get("/").get_data(as_text=True)


def test_validation_messages_are_translated(client: FlaskClient, auth: AuthActions) -> None:
    client.set_cookie("lang", "en")
    response = auth.register(identifier="123")
    assert "Enter an 11-digit mobile number or a valid e-mail address." in response.get_data(
        as_text=True
    )


def test_the_english_catalogue_translates_every_message(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "--no-location",
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (ROOT / "translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = {m.id: m for m in read_po(f) if m.id}
    missing = sorted(wanted - catalogue.keys())
    untranslated = sorted(
        i for i in wanted & catalogue.keys() if not catalogue[i].string or catalogue[i].fuzzy
    )
    assert not missing, f"run `make translations` and translate: {missing}"
    assert not untranslated, f"untranslated or fuzzy: {untranslated}"
