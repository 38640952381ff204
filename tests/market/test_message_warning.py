"""A trade message with a number in it: the sender is warned first, the recipient sees it masked."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from market.trades import services as trades
from market.trades.models import Message
from tests.builders import PASSWORD, app_session, make_listing, make_user
from tests.support.auth import AuthActions, csrf_token

TEXT = "周六下午来拿吧，我的手机 139 8765 4321"


def _setup(app: Flask) -> tuple[int, str, str]:
    with app.app_context(), app_session(app) as session:
        seller, buyer = make_user(session), make_user(session)
        listing = make_listing(session, seller)
        reservation = trades.reserve_listing(
            session=session, listing_id=listing.id or 0, buyer=buyer
        )
        return reservation.id or 0, seller.mobile or "", buyer.mobile or ""


def _messages(app: Flask) -> list[str]:
    with app.app_context(), app_session(app) as session:
        return [m.body for m in session.exec(select(Message)).all()]


def _send(client: FlaskClient, path: str, body: str, anyway: bool = False) -> str | int:
    data = {"csrf_token": csrf_token(client, path), "body": body}
    if anyway:
        data["send_anyway"] = "1"
    response = client.post(f"{path}/messages", data=data)
    return response.status_code if response.status_code != 200 else response.get_data(as_text=True)


def test_a_number_in_a_message_is_warned_about_before_it_is_sent(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    reservation_id, seller_mobile, buyer_mobile = _setup(app)
    path = f"/reservations/{reservation_id}"
    assert auth.login(identifier=buyer_mobile, password=PASSWORD).status_code == 302

    page = _send(client, path, TEXT)
    assert isinstance(page, str) and 'data-testid="message-warning"' in page
    assert "消息中含有手机号" in page and 'name="send_anyway"' in page
    assert "139 8765 4321" in page  # the draft is kept for editing
    assert _messages(app) == []

    assert _send(client, path, "周六下午来拿吧") == 302  # nothing to warn about
    assert _send(client, path, TEXT, anyway=True) == 302
    assert _messages(app) == ["周六下午来拿吧", TEXT]
    assert TEXT in client.get(path).get_data(as_text=True)  # the sender sees their own text

    auth.logout()
    assert auth.login(identifier=seller_mobile, password=PASSWORD).status_code == 302
    seen = client.get(path).get_data(as_text=True)
    assert "我的手机 139****4321" in seen
    assert "139 8765 4321" not in seen and "13987654321" not in seen
