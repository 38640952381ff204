"""The listing participant registry: areas plug in at start-up, services find it on the session."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from market.db import get_engine
from market.listings import services
from market.listings.models import Listing
from market.listings.participants import EXTENSION, Participant, Participants
from tests.builders import app_session, make_listing, make_user


def test_each_area_that_takes_part_in_a_listing_registers_in_create_app(app: Flask) -> None:
    registry = app.extensions[EXTENSION]
    assert registry.names() == ["certificates", "trades", "consignment", "book corners", "credit"]


def test_a_service_asks_the_registry_the_session_carries(app: Flask) -> None:
    with app_session(app) as session:
        item = make_listing(session, make_user(session))
        assert services.lock_message(session, item) is None  # the app's: nobody claims it
    own = Participants()
    own.register(Participant(name="counter", lock=lambda _s, listing: f"held {listing.id}"))
    with Session(get_engine(app), info={EXTENSION: own}) as session:
        listing = session.get(Listing, item.id)
        assert listing is not None
        assert services.lock_message(session, listing) == f"held {item.id}"


def test_registering_a_name_again_replaces_it(app: Flask) -> None:
    registry = Participants()
    registry.register(Participant(name="corner", lock=lambda _s, _l: "first"))
    registry.register(Participant(name="corner", lock=lambda _s, _l: "second"))
    assert registry.names() == ["corner"]
    assert registry.lock_message(None, None) == "second"  # type: ignore[arg-type]


def test_no_listener_is_installed_on_every_session_in_the_process(
    app: Flask, client: FlaskClient
) -> None:
    client.get(f"/schools/{1}/books")  # the book corners' pages and hooks are loaded
    for cls in (Session, OrmSession):
        with cls(get_engine(app)) as bare:  # a session nobody set up
            for name in ("before_flush", "after_flush", "after_commit"):
                assert list(getattr(bare.dispatch, name)) == [], (cls.__name__, name)
