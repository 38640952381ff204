"""The credit pages: my credit, the seller badge; and certificates crediting a shop."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from credit.events import org_subject
from credit.model import FORMULA_VERSION
from market.accounts.models import User
from market.credit import services as credit
from market.i18n import COOKIE
from market.orgs.models import Organization
from market.trades.models import DomainEvent
from tests.builders import app_session, make_user
from tests.market.test_certificates import _register, _staff, _upload, signed
from tests.market.test_credit_ledger import SHOP_USCC, hooked, sell
from tests.support.auth import LoginAs


def _seller_with_trades(app: Flask, trades: int = 2) -> int:
    with app.app_context():
        session = hooked(app)
        seller = make_user(session, display_name="王小明")
        for _ in range(trades):
            sell(session, seller, make_user(session))
        session.close()
    return seller.id or 0


def test_my_credit_shows_the_grade_the_events_and_what_would_change(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    seller_id = _seller_with_trades(app)
    with app_session(app) as session:
        seller = session.get(User, seller_id)
        assert seller is not None
    login_as(seller)
    page = client.get("/my/credit").get_data(as_text=True)
    assert 'data-testid="credit-grade">N<' in page
    assert "完成交易" in page and FORMULA_VERSION in page
    assert "再完成" in page  # the hint in the page's language
    client.set_cookie(COOKIE, "en")
    english = client.get("/my/credit").get_data(as_text=True)
    assert "more clean trade" in english and "再完成" not in english


def test_my_credit_needs_a_login(client: FlaskClient) -> None:
    assert client.get("/my/credit").status_code in (302, 401)


def test_the_seller_page_shows_the_grade_badge_with_a_masked_name(
    app: Flask, client: FlaskClient
) -> None:
    seller_id = _seller_with_trades(app, trades=3)
    page = client.get(f"/users/{seller_id}").get_data(as_text=True)
    badge = page.split('data-testid="credit-badge"')[1].split("</p>")[0]
    assert ">N<" in badge and "3笔已完成交易" in badge and "王**" in badge
    assert "王小明" not in page


def test_an_accepted_passed_certificate_credits_the_shop(app: Flask, client: FlaskClient) -> None:
    shop_id = _staff(app, client)
    with app_session(app) as session:
        shop = session.get(Organization, shop_id)
        assert shop is not None
        shop.uscc = SHOP_USCC
        session.add(shop)
        session.commit()
    key = Ed25519PrivateKey.generate()
    token = _register(client, key)
    assert _upload(client, token, signed(key)).status_code == 201
    with app_session(app) as session:
        result = credit.standing(session=session, subject=org_subject(SHOP_USCC)).result
        assert session.exec(select(DomainEvent)).one().delivered_at is not None
    assert [c.kind for c in result.contributions] == ["wipe_certificate"]
    assert result.contributions[0].raw_weight == 0.5
