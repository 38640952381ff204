"""Rate limits on registration, new listings and photos: per account and per IP, counted in the
database so every worker sees the same counts, each refusal a 429 with Retry-After."""

from __future__ import annotations

import io
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import func, select

from market.db import make_engine
from market.listings.models import Listing
from market.ratelimit import DatabaseStorage
from tests.builders import FURNITURE_FORM, app_session, picture
from tests.support.auth import AuthActions, LoginAs, csrf_token

NEW_DESK = "/listings/new/家具"


def _post_listing(client: FlaskClient, photos: int = 1):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        **FURNITURE_FORM, "csrf_token": csrf_token(client, NEW_DESK), "action": "publish"
    }  # fmt: skip
    data["photos"] = [(io.BytesIO(picture((30 * i, 90, 160))), f"p{i}.jpg") for i in range(photos)]
    return client.post(NEW_DESK, data=data, content_type="multipart/form-data")


def _listings(app: Flask) -> int:
    with app_session(app) as session:
        return session.exec(select(func.count()).select_from(Listing)).one()


def test_two_workers_count_in_one_table(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    first, second = make_engine(url), make_engine(url)  # as two gunicorn workers would
    try:
        one, other = DatabaseStorage(engine=first), DatabaseStorage(engine=second)
        assert one.incr("k", 60) == 1
        assert other.incr("k", 60) == 2
        assert other.incr("k", 60, amount=3) == 5
        assert one.get("k") == 5
        assert time.time() < one.get_expiry("k") <= time.time() + 60
        assert one.incr("short", 1) == 1
        time.sleep(1.1)
        assert one.get("short") == 0
        assert other.incr("short", 1) == 1  # a new window starts from nothing
        one.clear("k")
        assert other.get("k") == 0
        assert one.check()
        assert one.reset() == 1
    finally:
        first.dispose()
        second.dispose()


def test_new_listings_are_limited_per_account_and_the_next_account_may_still_list(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    app.config["LISTING_RATE_LIMIT"] = {"account": "2 per hour", "ip": "3 per hour"}
    login_as()
    assert [_post_listing(client).status_code for _ in range(2)] == [302, 302]
    refused = _post_listing(client)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "操作太频繁" in refused.get_data(as_text=True)
    assert _listings(app) == 2

    login_as()  # another resident on the same address: their own count, the address's limit
    assert _post_listing(client).status_code == 302
    client.set_cookie("lang", "en")
    by_address = _post_listing(client)
    assert by_address.status_code == 429 and "Retry-After" in by_address.headers
    assert "Too many attempts" in by_address.get_data(as_text=True)
    assert _listings(app) == 3
    assert client.get(NEW_DESK).status_code == 200  # pages are never counted


def test_photos_are_counted_one_by_one_across_the_views_that_take_them(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    app.config["UPLOAD_RATE_LIMIT"] = {"account": "3 per hour", "ip": "100 per hour"}
    app.config["LISTING_RATE_LIMIT"] = {"account": "100 per hour", "ip": "100 per hour"}
    login_as()
    assert _post_listing(client, photos=2).status_code == 302
    assert _post_listing(client, photos=1).status_code == 302
    assert _post_listing(client, photos=1).status_code == 429  # a fourth photo in the hour
    assert _listings(app) == 2
    listing_id = 1
    with app_session(app) as session:
        listing_id = session.exec(select(Listing.id)).first() or 0
    token = csrf_token(client, f"/listings/{listing_id}/edit")
    edit = client.post(
        f"/listings/{listing_id}/edit",
        data={**FURNITURE_FORM, "csrf_token": token, "photos": [(io.BytesIO(picture()), "x.jpg")]},
        content_type="multipart/form-data",
    )
    assert edit.status_code == 429  # the edit page shares the photos' count


def test_registration_is_limited_per_address(app: Flask, auth: AuthActions) -> None:
    app.config["REGISTER_RATE_LIMIT"] = {"ip": "2 per hour"}
    first = auth.register(identifier="13900000001", verify=False)
    second = auth.register(identifier="13900000002", verify=False)
    assert first.status_code == second.status_code == 302
    third = auth.register(identifier="13900000003", verify=False)
    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) > 0
