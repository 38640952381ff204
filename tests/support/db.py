"""Sessions on the test's app database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlmodel import Session

from tests.builders import app_session


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session on the test's database, outside any app context, for tests that also make
    requests: the test client then opens (and closes) its own request session, not ours."""
    with app_session(app) as session:
        yield session


@pytest.fixture
def ctx(app: Flask) -> Iterator[Session]:
    """A session of its own inside an app context, for service calls that make no requests
    (a pushed app context would be shared by the test client's requests)."""
    with app.app_context(), app_session(app) as session:
        yield session
