"""No one's IMEI/serial, mobile or ID number reaches a page or API answer seen by someone else.

The walk visits every GET route of the URL map with the demo's ids filled in, as an anonymous
visitor and as a second ordinary resident, over the demo data plus a listing whose text holds
a mobile, an ID number, a bank card, an e-mail and an IMEI and whose disclosures hold a serial.
The owner (and a regulator) then see the same values raw: the masking depends on the viewer.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from market.accounts.models import Role, User
from market.books.models import ShareDay
from market.certificates.models import WipeCertificate
from market.consignment.models import ConsignmentItem, Consignor
from market.demo import seed_demo
from market.fleamarkets.models import MarketDay
from market.listings.catalog import category_keys
from market.listings.models import Listing
from market.orgs.models import Organization
from market.privacy import id_check_char, luhn_ok
from market.search.indexing import documents
from market.trades import reports
from market.trades import services as trades
from market.trades.models import Reservation
from tests.builders import app_session, make_listing, make_user
from tests.support.auth import AuthActions

MOBILE = "13987654321"
REPORTED = "13987650000"  # typed by the buyer into a report
ID_NUMBER = "12010419900307123" + id_check_char("12010419900307123")
CARD = next(f"622202123456789{d}" for d in "0123456789" if luhn_ok(f"622202123456789{d}"))
EMAIL = "zhang.san@example.com"
IMEI = "490154203237518"
SERIAL = "F2LXK0ABCD12"
PLANTED = (MOBILE, ID_NUMBER, CARD, EMAIL, IMEI, SERIAL)

# Routes the walk cannot ask for a page of people's data: files, and routes for other kinds of
# callers (the regulator's desk and the partner API answer 403/401 to both walkers anyway).
NOT_WALKED = {
    "static": "static files",
    "images.variant": "image bytes",
    "regulator.subject": "regulator desk, keyed by a credit subject",
    "platform_api.subject": "partner platform API, needs an API key",
}


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """The demo, an owner's listing full of numbers, a buyer who talks with the owner."""
    with app.app_context(), app_session(app) as session:
        seed_demo(session=session, images=app.extensions["xunhuan.images"])
        owner = make_user(session, display_name="卖家甲")
        buyer = make_user(session, display_name="买家乙")
        regulator = make_user(session, role=Role.REGULATOR)
        listing = make_listing(
            session,
            owner,
            title=f"iPhone 12 急出 {MOBILE}",
            category="电子产品/手机",
            description=(
                f"九成新。电话 {MOBILE[:3]} {MOBILE[3:7]} {MOBILE[7:]}，身份证{ID_NUMBER}，"
                f"卡号{CARD}，邮箱{EMAIL}，IMEI {IMEI}。¥1288，ISBN 9787115428028"
            ),
            disclosures={"serial": SERIAL, "repairs": f"换过屏，联系{MOBILE}"},
        )
        # The talk is about another item, so the planted listing stays on sale (and in search).
        lamp = make_listing(session, owner, title="旧台灯")
        reservation = trades.reserve_listing(session=session, listing_id=lamp.id, buyer=buyer)
        trades.send_message(
            session=session,
            reservation_id=reservation.id,
            sender=owner,
            body=f"加我手机 {MOBILE}，身份证 {ID_NUMBER}",
        )
        reports.file_report(
            session=session,
            reporter=buyer,
            reason="fraud",
            # The buyer's own words: shown raw to the buyer (their data download) and to
            # regulators only; the number is the buyer's to see, so it is not one of PLANTED.
            text=f"他让我打 {REPORTED}",
            listing_id=listing.id,
        )
        app.extensions["xunhuan.search"].rebuild(list(documents(session)))
        session.commit()  # end the read, so the pages' requests can write (SQLite locks)
        ids, forbidden = (
            _ids(session),
            {(u.id if u else None): _forbidden(session, u) for u in (None, buyer)},
        )
        session.close()
        # Returned outside the app context: a request under an outer context would share its g.
        world = {
            "ids": ids,
            "forbidden": forbidden,
            "owner": owner,
            "buyer": buyer,
            "regulator": regulator,
            "listing": listing,
            "reservation": reservation,
        }
    return world


def _client(app: Flask, user: User | None) -> FlaskClient:
    client = app.test_client()
    if user is not None:
        response = AuthActions(client).login_user(user)
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return client


def _ids(session: Session) -> dict[str, list[Any]]:
    def all_of(model: Any, column: str = "id") -> list[Any]:
        return [getattr(row, column) for row in session.exec(select(model)).all()]

    schools = [o.id for o in session.exec(select(Organization)).all() if o.kind == "school"]
    return {
        "listing_id": all_of(Listing),
        "user_id": all_of(User),
        "reservation_id": all_of(Reservation),
        "certificate_id": all_of(WipeCertificate),
        "org_id": all_of(Organization),
        "school_id": schools,
        "day_id": sorted({*all_of(MarketDay), *all_of(ShareDay)}),
        "item_id": all_of(ConsignmentItem),
        "consignor_id": all_of(Consignor),
        "category": [category_keys()[0], "电子产品/手机"],
        "kind": ["appeal", "repair"],
    }


def _paths(app: Flask, ids: dict[str, list[Any]]) -> list[str]:
    paths = [
        "/search?q=iPhone",
        "/api/v1/listings?q=iPhone",
    ]
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_WALKED:
            continue
        names = sorted(rule.arguments)
        missing = [n for n in names if n not in ids]
        assert not missing, f"the walk cannot fill {missing} of {rule.rule}: add the ids"
        with app.test_request_context():
            for values in itertools.product(*(ids[n] for n in names)):
                paths.append(app.url_for(rule.endpoint, **dict(zip(names, values, strict=True))))
    return paths


def _forbidden(session: Session, viewer: User | None) -> set[str]:
    """Raw values no page may show this viewer: the planted ones, the demo's serials, mobiles."""
    values = set(PLANTED) | {f"{MOBILE[:3]} {MOBILE[3:7]} {MOBILE[7:]}"}
    if viewer is None:
        values.add(REPORTED)
    for listing in session.exec(select(Listing)).all():
        serial = (listing.disclosures or {}).get("serial")
        if serial:
            values.add(str(serial))
    for certificate in session.exec(select(WipeCertificate)).all():
        serial = (certificate.body.get("device") or {}).get("serial")
        if serial:
            values.add(str(serial))
    for user in session.exec(select(User)).all():
        if user.mobile and (viewer is None or user.id != viewer.id):
            values.add(user.mobile)
    return values


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_page_or_api_answer_shows_anyone_elses_identifiers(
    app: Flask, world: dict[str, Any]
) -> None:
    ids = world["ids"]
    paths = _paths(app, ids)
    for viewer in (None, world["buyer"]):
        client = _client(app, viewer)
        forbidden = world["forbidden"][viewer.id if viewer else None]
        leaks, answered = [], 0
        for path in paths:
            response = client.get(path)
            if response.mimetype not in ("text/html", "application/json"):
                continue
            answered += response.status_code == 200
            text = response.get_data(as_text=True)
            leaks += [(path, value) for value in forbidden if value in text]
        assert not leaks, (viewer, leaks[:20])
        # The index holds the masked text: the number finds nothing, the rest of it still does.
        assert client.get(f"/api/v1/listings?q={MOBILE}").get_json()["total"] == 0
        found = client.get("/api/v1/listings?q=急出").get_json()["items"]
        assert [i["title"] for i in found if i["id"] == world["listing"].id] == [
            "iPhone 12 急出 139****4321"
        ]
        assert answered > len(ids["listing_id"])  # the walk saw pages, not only refusals


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_planted_listing_is_shown_masked_to_others(app: Flask, world: dict[str, Any]) -> None:
    listing, reservation = world["listing"], world["reservation"]
    buyer = _client(app, world["buyer"])
    page = buyer.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "139****4321" in page and "1201**********" in page and "z***@example.com" in page
    assert "F2******CD12" in page and "49*********7518" in page and f"****{CARD[-4:]}" in page
    assert "9787115428028" in page and "¥1288" in page  # a book's ISBN and a price stay
    assert 'data-testid="masked-notice"' not in page
    api = buyer.get(f"/api/v1/listings/{listing.id}").get_json()
    assert api["disclosures"]["serial"] == "F2******CD12"
    assert "139****4321" in api["title"] and "139****4321" in api["description"]
    talk = buyer.get(f"/reservations/{reservation.id}").get_data(as_text=True)
    assert "加我手机 139****4321" in talk


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_owner_and_regulators_see_the_raw_values(app: Flask, world: dict[str, Any]) -> None:
    listing = world["listing"]
    for who in ("owner", "regulator"):
        client = _client(app, world[who])
        page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
        for value in (MOBILE, ID_NUMBER, CARD, EMAIL, IMEI, SERIAL):
            assert value in page, (who, value)
        api = client.get(f"/api/v1/listings/{listing.id}").get_json()
        assert api["disclosures"]["serial"] == SERIAL and IMEI in api["description"]
    kinds = "手机号、身份证号、银行卡号、电子邮箱、IMEI/序列号"
    owner = _client(app, world["owner"])
    page = owner.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert f"描述中含有{kinds}，公开展示时会被遮盖。" in page
    talk = owner.get(f"/reservations/{world['reservation'].id}").get_data(as_text=True)
    assert f"加我手机 {MOBILE}" in talk
