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
def ctx(app: Flask, session: Session) -> Iterator[Session]:
    """The same session inside an app context, for service calls that read the app's settings."""
    with app.app_context():
        yield session
