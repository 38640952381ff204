"""The marketplace side of wipe certificates, signed here independently with `cryptography`."""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from market.accounts.models import Role
from market.certificates.models import StationKey
from market.listings.models import Listing
from market.trades.models import Report
from tests.builders import app_session, make_listing, make_user, picture
from tests.support.auth import AuthActions, LoginAs, csrf_token
from tests.support.erasure import SSD_RUN, make_certificate, sign_independently


def public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def signed(key: Ed25519PrivateKey, **overrides: Any) -> dict[str, Any]:
    """The sample certificate from a shop's SSD station, not yet tied to a listing, signed
    exactly as the issue specifies, without the agent's code."""
    fields = {"certificate_id": str(uuid.uuid4()), "host": "counter-1", "listing_id": None}
    return sign_independently(key, make_certificate(**{**fields, **SSD_RUN, **overrides}))


def _staff(app: Flask, client: FlaskClient) -> int:
    with app.app_context(), app_session(app) as session:
        staff = make_user(session, role=Role.SHOP_STAFF)
    AuthActions(client).login_user(staff)
    return staff.organization_id or 0


def _register(client: FlaskClient, key: Ed25519PrivateKey, label: str = "柜台1号机") -> str:
    token = csrf_token(client, "/shop/settings")
    page = client.post(
        "/shop/settings",
        data={"csrf_token": token, "label": label, "public_key_pem": public_pem(key)},
    )
    assert page.status_code == 200, page.get_data(as_text=True)
    found = re.search(
        r'data-testid="upload-token" class="token">([^<]+)<', page.get_data(as_text=True)
    )
    assert found
    return found.group(1)


@pytest.fixture
def station(app: Flask, client: FlaskClient) -> tuple[Ed25519PrivateKey, str]:
    _staff(app, client)
    key = Ed25519PrivateKey.generate()
    return key, _register(client, key)


def _upload(client: FlaskClient, token: str, body: object):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/certificates", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def test_a_registered_station_uploads_once_and_again_idempotently(
    app: Flask, client: FlaskClient, station: tuple[Ed25519PrivateKey, str]
) -> None:
    key, token = station
    with app_session(app) as session:
        stored = session.exec(select(StationKey)).one()
    assert token not in stored.token_hash  # only the hash is kept
    body = signed(key)
    first = _upload(client, token, body)
    assert first.status_code == 201 and first.json["status"] == "created"
    again = _upload(client, token, body)
    assert again.status_code == 200 and again.json["status"] == "already_received"


def test_a_tampered_certificate_is_rejected(
    client: FlaskClient, station: tuple[Ed25519PrivateKey, str]
) -> None:
    key, token = station
    body = signed(key, result="failed")
    forged = copy.deepcopy(body)
    forged["result"] = "passed"
    response = _upload(client, token, forged)
    assert response.status_code == 400 and response.json["reason"]
    assert client.get(f"/api/v1/certificates/{body['certificate_id']}").status_code == 404


def test_the_same_id_with_other_content_is_a_conflict(
    client: FlaskClient, station: tuple[Ed25519PrivateKey, str]
) -> None:
    key, token = station
    body = signed(key)
    assert _upload(client, token, body).status_code == 201
    other = signed(key, certificate_id=body["certificate_id"], asset_tag="CH-9999")
    response = _upload(client, token, other)
    assert response.status_code == 409 and response.json["error"] == "conflict"


def test_unknown_keys_and_bad_tokens_are_refused(
    client: FlaskClient, station: tuple[Ed25519PrivateKey, str]
) -> None:
    _key, token = station
    stranger = Ed25519PrivateKey.generate()
    assert _upload(client, token, signed(stranger)).status_code == 403
    assert _upload(client, "not-a-token", signed(stranger)).status_code == 401
    assert client.post("/api/v1/certificates", json={}).status_code == 401
    assert _upload(client, token, ["not", "a", "certificate"]).status_code == 400


def test_a_revoked_station_can_no_longer_upload(
    app: Flask, client: FlaskClient, station: tuple[Ed25519PrivateKey, str]
) -> None:
    key, token = station
    with app_session(app) as session:
        station_id = session.exec(select(StationKey.id)).one()
    client.post(
        f"/shop/settings/keys/{station_id}/revoke",
        data={"csrf_token": csrf_token(client, "/shop/settings")},
    )
    assert _upload(client, token, signed(key)).status_code == 401


def test_the_certificate_page_masks_the_serial_and_checks_the_signature(
    client: FlaskClient, station: tuple[Ed25519PrivateKey, str]
) -> None:
    key, token = station
    body = signed(key)
    _upload(client, token, body)
    view = client.get(f"/api/v1/certificates/{body['certificate_id']}").json
    assert view["model"] == "Samsung SSD 860 EVO 500GB"
    assert view["serial_masked"] == "S3*********456X"
    assert view["signature_verified"] is True and view["level"] == "clear"
    page = client.get(f"/certificates/{body['certificate_id']}").get_data(as_text=True)
    assert "S3Z1NB0K123456X" not in page and "S3*********456X" in page
    assert "数字签名有效" in page


def test_other_roles_cannot_open_shop_settings(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    with app.app_context(), app_session(app) as session:
        resident = make_user(session)
    login_as(resident)
    assert client.get("/shop/settings").status_code == 403


def _try_publish(app: Flask, listing_id: int, owner_id: int) -> str:
    """Publish through the listing service; return 'published' or the refusal message."""
    from market.accounts.models import User
    from market.db import get_session
    from market.listings.errors import ListingError
    from market.listings.services import renew_listing

    with app.test_request_context():
        session = get_session()
        try:
            renew_listing(session=session, listing_id=listing_id, user=session.get(User, owner_id))  # type: ignore[arg-type]
        except ListingError as error:
            session.rollback()
            return str(error.message)
    return "published"


def test_a_phone_is_published_only_with_a_passed_certificate(
    app: Flask, client: FlaskClient, station: tuple[Ed25519PrivateKey, str]
) -> None:
    from market.images.processing import save_photo
    from market.listings.models import ListingPhoto

    key, token = station
    with app.app_context(), app_session(app) as session:
        seller = make_user(session)
        phone = make_listing(
            session,
            seller,
            category="电子产品/手机",
            status="draft",
            disclosures={"activation_lock_off": "yes"},
        )
        photo = save_photo(app.extensions["xunhuan.images"], picture())
        session.add(ListingPhoto(listing_id=phone.id or 0, position=0, image_key=photo))
        session.commit()
    assert "GB 46864-2025" in _try_publish(app, phone.id or 0, seller.id or 0)
    failed = signed(key, listing_id=phone.id, result="failed")
    assert _upload(client, token, failed).status_code == 201
    assert "GB 46864-2025" in _try_publish(app, phone.id or 0, seller.id or 0)
    passed = signed(key, listing_id=phone.id)
    assert _upload(client, token, passed).status_code == 201
    assert _try_publish(app, phone.id or 0, seller.id or 0) == "published"
    page = client.get(f"/listings/{phone.id}").get_data(as_text=True)
    assert "数据已清除" in page and f"/certificates/{passed['certificate_id']}" in page
    with app_session(app) as session:
        assert session.get(Listing, phone.id).status == "active"  # type: ignore[union-attr]


def test_a_data_not_cleared_report_carries_the_certificate(
    app: Flask, client: FlaskClient, station: tuple[Ed25519PrivateKey, str], login_as: LoginAs
) -> None:
    key, token = station
    with app.app_context(), app_session(app) as session:
        seller = make_user(session)
        phone = make_listing(session, seller, category="电子产品/手机")
        reporter = make_user(session)
    body = signed(key, listing_id=phone.id)
    _upload(client, token, body)
    buyer = app.test_client()
    login_as(reporter, client=buyer)
    url = f"/report?listing={phone.id}"
    buyer.post(
        url,
        data={
            "csrf_token": csrf_token(buyer, url),
            "reason": "data_not_cleared",
            "text": "相册里还有照片。",
        },
    )
    with app_session(app) as session:
        report = session.exec(select(Report)).one()
    assert report.certificate_id == body["certificate_id"]


def test_an_upper_case_certificate_id_is_found_under_its_normal_form(
    client: FlaskClient, station: tuple[Ed25519PrivateKey, str]
) -> None:
    key, token = station
    upper = str(uuid.uuid4()).upper()
    assert _upload(client, token, signed(key, certificate_id=upper)).status_code == 201
    assert client.get(f"/api/v1/certificates/{upper.lower()}").status_code == 200
    assert client.get(f"/certificates/{upper}").status_code == 200


def test_an_unverified_overwrite_does_not_unlock_a_device_listing(
    app: Flask, client: FlaskClient, station: tuple[Ed25519PrivateKey, str]
) -> None:
    from market.certificates.services import passed_certificate_of

    key, token = station
    with app.app_context(), app_session(app) as session:
        phone = make_listing(session, make_user(session), category="电子产品/手机")
    skipped = {
        "mode": "none",
        "coverage_percent": 0.0,
        "bytes_verified": 0,
        "subsections": None,
        "seed": None,
        "result": "skipped",
        "mismatches": 0,
    }
    body = signed(key, listing_id=phone.id, profile="custom", verification=skipped)
    assert _upload(client, token, body).status_code == 201
    with app_session(app) as session:
        assert passed_certificate_of(session=session, listing_id=phone.id or 0) is None
    assert "已覆写但未校验" in client.get(f"/certificates/{body['certificate_id']}").get_data(
        as_text=True
    )
