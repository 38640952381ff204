"""One unit of work: GET pages never write, and every command's commits index and deliver."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, col, select

from market.books.models import CornerBook, ShareDay
from market.certificates.models import WipeCertificate
from market.consignment import terms
from market.consignment.models import ConsignmentItem, Consignor, ItemStatus
from market.consignment.services import agreement_of
from market.credit.models import CreditScore
from market.db import get_engine, unit_of_work, utcnow
from market.demo import seed_demo
from market.fleamarkets.models import MarketDay
from market.listings.models import Listing, ListingPhoto
from market.orgs.models import Organization
from market.platforms.services import create_platform
from market.trades.models import DomainEvent, Reservation
from tests.builders import make_listing, make_user
from tests.support.auth import AuthActions

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
# Writes a GET makes on purpose, and why:
# - api_calls, api_keys.last_used_at: the partner API records every call, reads included;
#   who read whose credit is the audit trail a regulator asks for, written with the answer.
# - user_sessions: the idle-timeout clock (touched at most every few minutes) and the
#   rotation of a remember-me token; without the touch a reader is logged out mid-reading.
# - rate_limit_counters: a rate-limited read (the partner API's) is counted where every worker
#   sees the count (market/ratelimit.py); the count is the limit's, not anybody's data.
AUDIT_TABLES = ("api_calls", "api_keys", "user_sessions", "rate_limit_counters")
# Query strings a route needs to answer.
QUERY = {"platform_api.consistency": "?from=1"}
# Routes no role can open with the seeded data, and why.
NOT_OPENED = {
    "static": "a file, not a page",
}


def _writes(statement: str) -> bool:
    if not WRITE.match(statement):
        return False
    return not any(re.search(rf"\b{table}\b", statement) for table in AUDIT_TABLES)


class Writes:
    """Every INSERT, UPDATE or DELETE the engine sends while recording."""

    def __init__(self, app: Flask) -> None:
        self.engine = get_engine(app)
        self.seen: list[str] = []
        self.recording = False
        sa.event.listen(self.engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.recording and _writes(statement):
            self.seen.append(statement.split("\n")[0][:120])


def _fall_due(app: Flask) -> tuple[int, int]:
    """Let an expiry and a consignment markdown fall due without the tick running."""
    with app.app_context(), unit_of_work() as session:
        listing = session.exec(
            select(Listing).where(Listing.status == "active").order_by(col(Listing.id))
        ).first()
        assert listing is not None
        listing.expires_at = utcnow() - timedelta(hours=1)
        session.add(listing)
        item = session.exec(
            select(ConsignmentItem).where(ConsignmentItem.status == ItemStatus.ON_SALE.value)
        ).first()
        assert item is not None
        shown = session.get(Listing, item.listing_id)
        assert shown is not None
        for days in range(1, item.term_days):
            item.intake_at = utcnow() - timedelta(days=days)
            if terms.price_at(agreement_of(item), utcnow()) != shown.price_fen:
                break
        else:
            pytest.fail("the demo item has no markdown to fall due")
        item.expires_at = terms.expires_at(agreement_of(item))
        session.add(item)
        return listing.id or 0, item.id or 0


def _values(session: Session) -> dict[str, Any]:
    """A value for each URL argument, from the seeded data."""
    corner_book = session.exec(select(CornerBook)).first()
    assert corner_book is not None
    school = session.exec(select(Organization).where(Organization.kind == "school")).first()
    assert school is not None
    share_day = session.exec(select(ShareDay)).first()
    assert share_day is not None
    photo = session.exec(select(ListingPhoto)).first()
    assert photo is not None
    consignor = session.exec(select(Consignor)).first()
    assert consignor is not None
    return {
        "listing_id": session.exec(
            select(Listing.id).where(Listing.status == "active").order_by(col(Listing.id))
        ).first(),
        "certificate_id": session.exec(select(WipeCertificate.id)).first(),
        "subject_ref": session.exec(select(CreditScore.subject)).first(),
        "subject": session.exec(select(CreditScore.subject)).first(),
        "day_id": session.exec(select(MarketDay.id)).first(),
        "consignor_id": consignor.id,
        "item_id": session.exec(select(ConsignmentItem.id)).first(),
        "reservation_id": session.exec(select(Reservation.id)).first(),
        "school_id": corner_book.school_id,
        "org_id": school.id,
        "user_id": session.exec(select(Listing.owner_id)).first(),
        "category": "家具",
        "kind": "appeal",
        "key": photo.image_key,
        "size": 320,
        "ext": "webp",
        "share_day": share_day,
        "corner_listing": corner_book.listing_id,
    }


def _urls(app: Flask, values: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(endpoint, URL) of every GET route; an argument without a value fails the test."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_OPENED:
            continue
        args = {}
        for name in rule.arguments:
            assert values.get(name) is not None, f"no value for <{name}> of {rule.rule}"
            args[name] = values[name]
        if rule.endpoint == "books.show":
            args["listing_id"] = values["corner_listing"]
        if rule.endpoint == "books.share_day":
            args["school_id"] = values["share_day"].school_id
            args["day_id"] = values["share_day"].id
        with app.test_request_context():
            from flask import url_for

            yield rule.endpoint, url_for(rule.endpoint, **args) + QUERY.get(rule.endpoint, "")


@pytest.fixture
def demo(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context(), unit_of_work() as session:
        logins = seed_demo(session=session, images=app.extensions["xunhuan.images"])
        corner = session.exec(select(CornerBook)).first()
        assert corner is not None
        coordinator = session.exec(select(Listing.owner_id)).first()
        session.add(
            ShareDay(
                school_id=corner.school_id,
                day=utcnow().date() + timedelta(days=3),
                place="图书馆",
                created_by=coordinator or 0,
            )
        )
    _fall_due(app)
    return logins


def test_no_get_route_writes_to_the_database_for_any_role(
    app: Flask, client: FlaskClient, demo: list[tuple[str, str, str]]
) -> None:
    with app.app_context(), unit_of_work() as session:
        _org, _row, key = create_platform(session=session, name="津门闲置网")
    writes = Writes(app)
    with app.app_context(), Session(get_engine(app)) as session:
        urls = list(_urls(app, _values(session)))
    auth = AuthActions(client)
    opened: set[str] = set()
    partner = {"Authorization": f"Bearer {key}"}
    for role, login, password in [("anonymous", "", ""), ("partner", "", ""), *demo]:
        if login:
            assert auth.login(login, password).status_code == 302, role
        for endpoint, url in urls:
            writes.recording = True
            response = client.get(url, headers=partner if role == "partner" else {})
            writes.recording = False
            assert response.status_code < 500, (role, url)
            assert not writes.seen, (role, url, writes.seen)
            if response.status_code < 400:
                opened.add(endpoint)
        if login:
            auth.logout()
    assert {endpoint for endpoint, _url in urls} - opened == set()


def test_a_due_expiry_and_markdown_show_on_the_page_before_the_tick_stores_them(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    with app.app_context(), unit_of_work() as session:
        owner = make_user(session)
        old = make_listing(session, owner, expires_at=utcnow() - timedelta(minutes=1))
    assert "status-expired" in client.get(f"/listings/{old.id}").get_data(as_text=True)
    with app.app_context(), Session(get_engine(app)) as session:
        assert session.get(Listing, old.id).status == "active"  # shown, not stored
    assert "expired 1 listings" in runner.invoke(args=["listings", "expire"]).output
    with app.app_context(), Session(get_engine(app)) as session:
        assert session.get(Listing, old.id).status == "expired"


def _ids(app: Flask, status: str) -> set[int]:
    page = app.extensions["xunhuan.search"].search(statuses=(status,), per_page=100)
    return {item["id"] for item in page.items}


def test_listings_expire_leaves_the_index_showing_the_listing_expired(
    app: Flask, runner: FlaskCliRunner
) -> None:
    with app.app_context(), unit_of_work() as session:
        owner = make_user(session)
        old = make_listing(session, owner, expires_at=utcnow() - timedelta(minutes=1))
        fresh = make_listing(session, owner)
    assert _ids(app, "active") == {old.id, fresh.id}  # the builders' commits indexed them
    result = runner.invoke(args=["listings", "expire"])
    assert result.exit_code == 0, result.output
    assert _ids(app, "active") == {fresh.id}
    assert _ids(app, "expired") == {old.id}


def _indexed(app: Flask, listing_id: int) -> dict[str, Any]:
    """The listing's search document, as searches see it."""
    search = app.extensions["xunhuan.search"]
    statuses = ("active", "expired", "draft", "withdrawn", "reserved", "completed")
    page, found = 1, {}
    while True:
        result = search.search(statuses=statuses, per_page=50, page=page)
        found.update({item["id"]: item for item in result.items})
        if page >= result.pages:
            return found[listing_id]
        page += 1


def test_every_command_and_tick_commits_through_the_unit_of_work(
    app: Flask, runner: FlaskCliRunner
) -> None:
    """seed-demo's credit events reach the ledger and its listings the index, and the ticks'
    changes reach the index, with no command indexing or delivering by hand."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context(), Session(get_engine(app)) as session:
        events = session.exec(select(DomainEvent)).all()
        assert events and all(e.delivered_at is not None for e in events)
        listings = session.exec(select(sa.func.count()).select_from(Listing)).one()
    assert app.extensions["xunhuan.search"].status().documents == listings
    expired_id, item_id = _fall_due(app)
    with app.app_context(), Session(get_engine(app)) as session:
        item = session.get(ConsignmentItem, item_id)
        assert item is not None
        marked_down = terms.price_at(agreement_of(item), utcnow())
    commands = [
        ["listings", "expire"],
        ["listings", "hold-ungated"],
        ["consignment", "tick"],
        ["credit", "deliver"],
        ["credit", "tick"],
        ["credit", "verify"],
        ["credit", "recompute", "--stale"],
        ["credit", "checkpoint"],
        ["reindex"],
        ["books", "seed-catalogue"],
        ["platform", "list"],
        ["platform", "audit"],
    ]
    for args in commands[:3]:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    assert _indexed(app, expired_id)["status"] == "expired"
    assert _indexed(app, item.listing_id)["price_fen"] == marked_down
    for args in commands[3:]:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)


def test_the_commands_open_no_session_but_the_unit_of_work() -> None:
    import inspect

    from market import cli

    source = inspect.getsource(cli)
    for by_hand in ("Session(", "get_engine", ".upsert(", "documents("):
        assert by_hand not in source, by_hand
    # Only the manual retry (`credit deliver`) and the scheduled run deliver by name.
    assert source.count("deliver_all(") == 2
