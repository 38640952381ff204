from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import func, select

from market import create_app
from market.accounts.models import Role, User
from market.demo.data import ACCOUNTS
from market.listings.models import Listing, ListingPhoto
from market.orgs.models import Organization
from tests.builders import app_session


def test_init_db_creates_the_schema_in_an_empty_data_dir(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(tmp_path)})
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app_session(app) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_seed_demo_loads_a_living_marketplace(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for role, mobile, *_rest in ACCOUNTS:
        assert mobile in result.output and role.value in result.output
    with app_session(app) as session:
        assert session.exec(select(func.count()).select_from(Listing)).one() >= 60
        roles = set(session.exec(select(User.role)))
        assert {r.value for r in Role} <= roles
        kinds = set(session.exec(select(Organization.kind)))
        assert len(kinds) == 5
        photo = session.exec(select(ListingPhoto)).first()
    assert photo is not None
    picture = app.test_client().get(f"/images/{photo.image_key}/320.webp")
    assert picture.status_code == 200 and picture.mimetype == "image/webp"
    assert "immutable" in picture.headers["Cache-Control"]
    with app_session(app) as session:
        from market.certificates.services import passed_certificate_of, signature_verifies
        from market.listings import devices as gate

        active = [x for x in session.exec(select(Listing)) if x.status == "active"]
        assert all(gate.refusal(session=session, listing=x) is None for x in active)
        devices = [
            x
            for x in active
            if gate.detect(
                category=x.category,
                title=x.title,
                description=x.description,
                disclosures=x.disclosures,
            )
        ]
        assert devices and all(x.condition and x.disclosures for x in devices)
        for device in devices:
            certificate = passed_certificate_of(session=session, listing_id=device.id or 0)
            assert certificate and signature_verifies(session=session, certificate=certificate)
    with app_session(app) as session:  # the regulator's desk has work, the ledger has events
        from market.credit import queues
        from market.credit.models import CreditLedgerEntry
        from market.credit.services import verify

        assert len(queues.open_disputes(session)) == 1 and len(queues.open_reports(session)) == 1
        assert session.exec(select(func.count()).select_from(CreditLedgerEntry)).one() >= 6
        assert verify(session=session).ok
    with app_session(app) as session:  # issue 6: the shop, the market day, the book corner
        from market.books import swap_credits
        from market.books.models import CornerBook
        from market.consignment.models import (
            ConsignmentItem,
            ConsignmentSale,
            Consignor,
            ItemStatus,
            ShopProfile,
        )
        from market.consignment.payouts import balance_of
        from market.fleamarkets.models import MarketDay, StallApplication, StallListing
        from market.fleamarkets.services import china_today

        assert session.exec(select(ShopProfile)).one().opening_hours
        sale = session.exec(select(ConsignmentSale)).one()
        sold_for = session.get(Consignor, sale.consignor_id)
        assert sold_for is not None and sold_for.user_id is not None  # a resident's item
        assert sale.channel == "counter" and sale.consignor_fen > 0
        assert balance_of(session=session, consignor_id=sale.consignor_id) == sale.consignor_fen
        statuses = set(session.exec(select(ConsignmentItem.status)))
        assert statuses == {ItemStatus.SOLD.value, ItemStatus.ON_SALE.value}
        day = session.exec(select(MarketDay)).one()
        ahead = (day.market_date - china_today(day.created_at)).days
        assert day.status == "published" and day.stalls == 20 and 14 <= ahead <= 20
        stalls = {a.status: a for a in session.exec(select(StallApplication))}
        assert set(stalls) == {"approved", "pending"} and stalls["approved"].stall_no == 1
        assert session.exec(
            select(StallListing).where(StallListing.application_id == stalls["approved"].id)
        ).first()
        book = session.exec(select(CornerBook)).one()
        given = session.get(Listing, book.listing_id)
        assert book.handed_in_at is not None and given is not None
        school, giver = book.school_id, given.owner_id
        assert swap_credits.balance(session=session, school_id=school, user_id=giver) == 1
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output


def test_demo_accounts_log_in_with_the_printed_passwords(
    app: Flask, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["seed-demo"])
    from tests.support.auth import AuthActions

    client = app.test_client()
    _role, mobile, _name, _street, password, _org = ACCOUNTS[-1]
    assert AuthActions(client).login(identifier=mobile, password=password).status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_create_user_with_a_role(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "create-user",
            "--identifier",
            "13711112222",
            "--name",
            "管理员",
            "--role",
            "admin",
            "--password",
            "long-enough-1",
        ]
    )
    assert result.exit_code == 0, result.output
    with app_session(app) as session:
        user = session.exec(select(User)).one()
    assert user.role == "admin"


def test_create_user_refuses_a_staff_role_without_an_organization(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "create-user",
            "--identifier",
            "13711112222",
            "--name",
            "店员",
            "--role",
            "shop_staff",
            "--password",
            "long-enough-1",
        ]
    )
    assert result.exit_code == 2
    assert "organization" in result.output
