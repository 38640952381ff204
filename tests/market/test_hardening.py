"""Production rules: a strong secret, private pages not cached, HSTS on TLS, no demo data,
shop rules bounded."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import func, select

from market import create_app
from market.accounts.models import Role, User
from market.config import ConfigError, Settings, flask_config
from market.consignment.models import ShopProfile
from tests.builders import PASSWORD, app_session
from tests.market.test_consignment_services import staff_of_new_shop, take_in
from tests.support.auth import AuthActions, LoginAs, csrf_token


@pytest.mark.parametrize(
    "key",
    ["short-key", "x" * 64, "ab" * 32, "dev-not-secret", "changeme", " " * 40],
)
def test_production_refuses_a_weak_or_short_secret_key(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        flask_config(Settings(env="production", data_dir=tmp_path, secret_key=key))


def test_production_accepts_a_long_random_secret_key(tmp_path: Path) -> None:
    key = secrets.token_hex(32)
    assert (
        flask_config(Settings(env="production", data_dir=tmp_path, secret_key=key))["SECRET_KEY"]
        == key
    )


def test_trusted_proxies_must_be_a_small_number() -> None:
    with pytest.raises(ConfigError, match="XUNHUAN_TRUSTED_PROXIES"):
        Settings.from_environment({"XUNHUAN_TRUSTED_PROXIES": "yes"})
    assert Settings.from_environment({"XUNHUAN_TRUSTED_PROXIES": "1"}).trusted_proxies == 1


@pytest.mark.parametrize("role", list(Role))
def test_every_logged_in_page_is_private_and_not_stored(
    client: FlaskClient, login_as: LoginAs, role: Role
) -> None:
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login_as(role)
    for path in ("/", "/account/profile", "/account/sessions", "/notifications"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store", path
    # Static files stay cacheable for everybody.
    static = client.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_every_pdf_is_private_and_not_stored(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff, now=datetime.now(UTC))
        mobile = staff.mobile or ""
    AuthActions(client).login(mobile, PASSWORD)
    for path in (
        f"/shop/items/{item.id}/agreement.pdf",
        f"/shop/consignors/{item.consignor_id}/statement.pdf",
        f"/shop/tags.pdf?item={item.id}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == "private, no-store", path


def test_hsts_is_sent_over_tls_only(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://xunhuan.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_hsts_behind_a_trusted_proxy_that_says_https(database_url: str, tmp_path: Path) -> None:
    app = create_app(
        {"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path), "TRUSTED_PROXIES": 1}
    )
    client = app.test_client()
    answer = client.get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4"})
    assert "Strict-Transport-Security" in answer.headers
    # Without the setting the same header is not believed.
    plain = create_app({"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "b")})
    answer = plain.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in answer.headers


def test_seed_demo_is_refused_in_production(app: Flask) -> None:
    app.config["XUNHUAN_ENV"] = "production"
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refused in production" in result.output
    with app_session(app) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0


def _save_rules(client: FlaskClient, **fields: str) -> tuple[int, str]:
    data = {
        "csrf_token": csrf_token(client, "/shop/profile"),
        "minimum_payout": "50",
        "default_rate": "25",
        "tiers": "",
        "term_days": "90",
        "steps": "30:80",
        "end_action": "return",
        **fields,
    }
    answer = client.post("/shop/profile", data=data)
    return answer.status_code, answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"steps": f"{10**30}:80"}, "降价天数须在第 0 到 364 天之间"),
        ({"steps": "30:80, 400:50", "term_days": "365"}, "降价天数须在第 0 到 364 天之间"),
        ({"steps": "30:80, 120:50", "term_days": "90"}, "寄卖期须长于最后一次降价的天数"),
        ({"term_days": str(10**30)}, ""),
        ({"tiers": f"{10**30}:20"}, ""),
        ({"minimum_payout": str(10**30)}, ""),
        ({"default_rate": str(10**30)}, ""),
    ],
)
def test_shop_rules_out_of_bounds_are_refused_at_save(
    app: Flask, client: FlaskClient, fields: dict[str, str], message: str
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        mobile, shop_id = staff.mobile or "", staff.organization_id
    AuthActions(client).login(mobile, PASSWORD)
    status, html = _save_rules(client, **fields)
    assert status == 400
    assert message in html
    with app_session(app) as session:
        profile = session.get(ShopProfile, shop_id)
        assert profile is None or profile.steps == [[0, 10_000], [30, 8_000], [60, 6_000]]


def test_bounded_shop_rules_save_and_intake_works(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        mobile = staff.mobile or ""
    AuthActions(client).login(mobile, PASSWORD)
    status, _html = _save_rules(client, steps="30:80, 364:10", term_days="365")
    assert status == 302
