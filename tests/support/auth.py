"""Sign in through the real forms: the CSRF token, `AuthActions` and its fixtures."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import object_session
from werkzeug.test import TestResponse

from market.accounts.models import Role, User
from tests.builders import PASSWORD, app_session, make_user
from tests.support.sms import codes as sent_codes

CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, path: str = "/account/login") -> str:
    """Read the CSRF token a real browser would find in the page's form."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


class AuthActions:
    """Register, log in and log out through the real forms, CSRF token included."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def register(
        self,
        identifier: str = "13912345678",
        password: str = "correct-horse",
        display_name: str = "张三",
        home_street: str = "学府",
        *,
        consent: bool = True,
        verify: bool = True,
    ) -> TestResponse:
        """Fill in the form (ticking the consent box), then type the code the log shows;
        return the last response (the redirect home once the account exists)."""
        token = csrf_token(self.client, "/account/register")
        data = {
            "csrf_token": token,
            "identifier": identifier,
            "display_name": display_name,
            "home_street": home_street,
            "password": password,
            "confirm": password,
        }
        if consent:
            data["consent"] = "y"
        response = self.client.post("/account/register", data=data)
        if not verify or response.headers.get("Location") != "/account/verify":
            return response
        return self.verify(sent_codes.latest(identifier))

    def verify(self, code: str) -> TestResponse:
        token = csrf_token(self.client, "/account/verify")
        return self.client.post("/account/verify", data={"csrf_token": token, "code": code})

    def login(
        self, identifier: str = "13912345678", password: str = "correct-horse",
        *, remember: bool = False,
    ) -> TestResponse:  # fmt: skip
        token = csrf_token(self.client, "/account/login")
        data = {"csrf_token": token, "identifier": identifier, "password": password}
        if remember:
            data["remember"] = "y"
        return self.client.post("/account/login", data=data)

    def logout(self) -> TestResponse:
        token = csrf_token(self.client, "/")
        return self.client.post("/account/logout", data={"csrf_token": token})

    def login_user(self, user: User, password: str = PASSWORD) -> TestResponse:
        """Log in as a user made by the builders (their identifier is the mobile number)."""
        identifier = user.mobile or ""  # read first: after the commit below it could reload
        if (held := object_session(user)) is not None:
            held.commit()  # a read may have begun a transaction; SQLite would stay locked
        return self.login(identifier=identifier, password=password)


LoginAs = Callable[..., User]


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def login_as(app: Flask, client: FlaskClient) -> LoginAs:
    """Log `client` (or another test client) in as `user`, or as a new user with `role`, logging
    out whoever was signed in there first; return the user. Fails unless the login redirects."""

    def login(who: Role | User = Role.RESIDENT, *, client: FlaskClient = client) -> User:
        if isinstance(who, User):
            user = who
        else:
            with app.app_context(), app_session(app) as session:
                user = make_user(session, role=who)
        identifier = user.mobile or ""  # read before any commit, which could make it reload
        if (held := object_session(user)) is not None:
            held.commit()  # a read may have begun a transaction; SQLite would stay locked
        auth = AuthActions(client)
        if client.get("/account/login").status_code == 302:  # someone is signed in here
            auth.logout()
        response = auth.login(identifier=identifier, password=PASSWORD)
        assert response.status_code == 302, f"login as {identifier}: {response.status_code}"
        return user

    return login
