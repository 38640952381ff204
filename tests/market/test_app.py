from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from market import create_app
from market.config import ConfigError, Settings, flask_config


def test_factory_honours_test_config(app: Flask, database_url: str) -> None:
    assert app.testing
    assert app.config["DATABASE_URL"] == database_url


def test_factory_reads_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XUNHUAN_ENV", "development")
    monkeypatch.setenv("XUNHUAN_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app()
    assert not app.testing
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'd' / 'xunhuan.db'}"
    # A development key is generated once, kept out of the repo, and reused.
    key_file = tmp_path / "d" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"] == key_file.read_text()


def test_production_refuses_a_missing_or_default_secret_key(tmp_path: Path) -> None:
    for key in ("", "dev-not-secret"):
        settings = Settings(env="production", data_dir=tmp_path, secret_key=key)
        with pytest.raises(ConfigError, match="SECRET_KEY"):
            flask_config(settings)


def test_production_cookies_are_secure(tmp_path: Path) -> None:
    config = flask_config(
        Settings(env="production", data_dir=tmp_path, secret_key=secrets.token_hex(32))
    )
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="XUNHUAN_ENV"):
        Settings.from_environment({"XUNHUAN_ENV": "staging"})


def test_postgres_urls_use_psycopg_3() -> None:
    from market.db import make_engine

    engine = make_engine("postgresql://u@127.0.0.1:1/x")
    assert engine.dialect.driver == "psycopg"


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    from market.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5_000
    engine.dispose()


def test_healthz_reports_the_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_says_when_the_database_is_unreachable(tmp_path: Path) -> None:
    app = create_app(
        {"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "DATA_DIR": str(tmp_path)}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"


def test_security_headers_are_on_every_page(client: FlaskClient) -> None:
    for path in ("/", "/account/login", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_pages_carry_no_inline_script_or_third_party_asset(client: FlaskClient) -> None:
    html = client.get("/account/register").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html
    assert "http://" not in html.replace("http://localhost", "")
    assert "https://" not in html


def test_friendly_404_in_both_languages(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
    client.set_cookie("lang", "en")
    assert "Page not found" in client.get("/no-such-page").get_data(as_text=True)


def test_api_errors_are_json_with_a_reason(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json and response.json["reason"]
