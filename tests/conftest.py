"""Fixtures: a fresh database per test on SQLite and on PostgreSQL, app, client, runner.

The shared helpers (`auth`, `login_as`, `csrf_token`, `session`, `ctx`) live in `tests/support/`.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from market import create_app
from market.migrate import upgrade
from tests.support.pg import PostgresCluster, find_bindir
from tests.support.requirements import need
from tests.support.sms import install as install_code_log

install_code_log()

pytest_plugins = [
    "tests.support.auth",
    "tests.support.db",
    "tests.support.devices",
    "tests.support.server",
]

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster | None]:
    """One PostgreSQL cluster for the whole run, started on first use."""
    bindir = find_bindir()
    if bindir is None:
        yield None
        return
    cluster = PostgresCluster(bindir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster: PostgresCluster | None) -> str | None:
    """A database migrated to head once, copied for each test."""
    if pg_cluster is None:
        return None
    pg_cluster.create_database("xunhuan_template")
    upgrade(pg_cluster.url("xunhuan_template"))
    return "xunhuan_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A fresh, migrated database for one test, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    cluster: PostgresCluster | None = request.getfixturevalue("pg_cluster")
    need(
        cluster is not None,
        "PostgreSQL server",
        "apt-get install postgresql (or run make test as root)",
    )
    assert cluster is not None
    template = request.getfixturevalue("pg_template")
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = cluster.create_database(name, template=template)
    yield url
    cluster.drop_database(name)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data")})
    app.extensions["xunhuan.search"].rebuild([])  # what `xunhuan init-db` does on a new install
    yield app
    app.extensions["xunhuan.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that need the PostgreSQL cluster or the browser (`make test-fast` skips them)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and "postgresql" in [
            value for value in callspec.params.values() if isinstance(value, str)
        ]
        if on_postgres or "pg_cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
        if item.nodeid.startswith("tests/e2e/"):
            item.add_marker(pytest.mark.browser)
