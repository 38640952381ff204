"""The score projection, the scheduled run, and the grade badges on seller, listing, shop pages."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, func, select

from credit.events import CreditEvent, org_subject
from credit.model import FORMULA_VERSION, add_months
from market.credit import scores
from market.credit import services as credit
from market.credit.models import CreditCheckpoint, CreditScore
from market.orgs.models import OrgKind
from tests.builders import app_session, make_organization, make_user
from tests.market.test_credit_ledger import SHOP_USCC, hooked, sell

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SELLER = "p:" + "a" * 64


def buyer(i: int) -> str:
    return "p:" + hashlib.sha256(f"buyer-{i}".encode()).hexdigest()


def trade(i: int, when: datetime, subject: str = SELLER) -> CreditEvent:
    return CreditEvent(
        subject=subject,
        kind="trade_completed",
        weight=None,
        source="xunhuan",
        counterparty=buyer(i),
        occurred_at=when,
        evidence=f"reservation:{i}",
        event_id=f"test:trade:{subject[:6]}:{i}",
    )


def finding(when: datetime, months: int = 3) -> CreditEvent:
    return CreditEvent(
        subject=SELLER,
        kind="finding",
        weight=None,
        source="xunhuan/regulator/1",
        counterparty=None,
        occurred_at=when,
        evidence="case:1",
        event_id="test:finding:1",
        detail=f"tier=ordinary;status=confirmed;category=misdescription;months={months}",
    )


def append(session: Session, *events: CreditEvent) -> None:
    credit.append_events(session, [(e, None) for e in events])
    session.commit()


def test_every_append_refreshes_the_subjects_row(ctx: Session) -> None:
    append(ctx, *(trade(i, NOW - timedelta(days=1)) for i in range(25)))
    row = ctx.get(CreditScore, SELLER)
    assert row is not None
    assert (row.grade, row.events, row.formula_version) == ("A", 25, FORMULA_VERSION)
    append(ctx, finding(NOW - timedelta(hours=1)))
    ctx.expire_all()
    row = ctx.get(CreditScore, SELLER)
    assert row is not None and row.grade == "C" and row.events == 26
    assert "active_ordinary_record" in row.reasons


def test_a_publication_period_ends_by_itself_without_any_run(ctx: Session) -> None:
    start = NOW - timedelta(days=30)
    append(ctx, *(trade(i, start) for i in range(40)), finding(start, months=3))
    ctx.expire_all()
    stored = ctx.get(CreditScore, SELLER)
    assert stored is not None and stored.grade == "C"
    until = add_months(start, 3)
    # The row knows when it goes stale: no later than the day the record stops being published.
    assert stored.stale_after <= until
    assert scores.lookup(ctx, SELLER, now=until - timedelta(minutes=1)).grade == "C"
    after = scores.lookup(ctx, SELLER, now=until + timedelta(minutes=1))
    assert after.grade == "A" and "active_ordinary_record" not in after.reasons


def test_recompute_rebuilds_rows_of_another_formula(app: Flask, ctx: Session) -> None:
    append(ctx, *(trade(i, NOW) for i in range(3)))
    other = "o:" + SHOP_USCC
    append(ctx, *(trade(i, NOW, subject=other) for i in range(3)))
    for subject in (SELLER, other):
        row = ctx.get(CreditScore, subject)
        assert row is not None
        row.grade, row.formula_version = "D", "an older formula"
        ctx.add(row)
    ctx.commit()
    # A read never trusts a row of another formula, even before the recompute ran.
    assert scores.lookup(ctx, SELLER).grade == "N"
    ctx.rollback()  # end the read (SQLite holds its write lock from BEGIN IMMEDIATE)
    result = app.test_cli_runner().invoke(args=["credit", "recompute"])
    assert result.exit_code == 0, result.output
    assert "recomputed 2 subjects" in result.output
    ctx.expire_all()
    rows = ctx.exec(select(CreditScore)).all()
    assert {(r.grade, r.formula_version) for r in rows} == {("N", FORMULA_VERSION)}


def test_an_unknown_subject_is_new_and_gets_no_row(ctx: Session) -> None:
    answer = scores.lookup(ctx, "p:" + "b" * 64)
    assert answer.grade == "N" and answer.score == pytest.approx(90.0)
    assert ctx.exec(select(func.count()).select_from(CreditScore)).one() == 0


def test_the_first_delivery_signs_a_checkpoint_and_tick_signs_when_due(
    app: Flask, ctx: Session
) -> None:
    session = hooked(app)
    seller = make_user(session)
    sell(session, seller, make_user(session))
    checkpoints = ctx.exec(select(CreditCheckpoint)).all()
    assert len(checkpoints) == 1 and checkpoints[0].seq >= 1
    ctx.rollback()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["credit", "tick"])
    assert result.exit_code == 0, result.output
    assert "no checkpoint due" in result.output
    sell(session, seller, make_user(session))  # the head moves; the hour has not passed
    assert ctx.exec(select(func.count()).select_from(CreditCheckpoint)).one() == 1
    ctx.rollback()
    app.config["CREDIT_CHECKPOINT_INTERVAL"] = 0
    result = runner.invoke(args=["credit", "tick"])
    assert "checkpoint at seq" in result.output, result.output
    newest = ctx.exec(select(CreditCheckpoint).order_by(col(CreditCheckpoint.id).desc())).first()
    assert newest is not None and newest.seq == credit.SqlLedger(ctx).head_seq()
    session.close()


def test_tick_stores_stale_scores(app: Flask, ctx: Session) -> None:
    append(ctx, *(trade(i, NOW) for i in range(2)))
    row = ctx.get(CreditScore, SELLER)
    assert row is not None
    row.stale_after, row.score = NOW - timedelta(days=400), 1.0
    ctx.add(row)
    ctx.commit()
    result = app.test_cli_runner().invoke(args=["credit", "tick"])
    assert "refreshed 1 scores" in result.output, result.output
    ctx.expire_all()
    row = ctx.get(CreditScore, SELLER)
    assert row is not None and row.score > 80


def test_seller_listing_and_shop_pages_show_grades(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        session = hooked(app)
        shop = make_organization(
            session, name="南开寄卖店", kind=OrgKind.CONSIGNMENT_SHOP, uscc=SHOP_USCC
        )
        bare = make_organization(session, name="无代码寄卖点", kind=OrgKind.CONSIGNMENT_SHOP)
        agency = make_organization(session, name="商务局", kind=OrgKind.REGULATOR_AGENCY)
        seller = make_user(session, display_name="王小明")
        sold = sell(session, seller, make_user(session), venue=f"shop:{shop.id}")
        ids = (shop.id, bare.id, agency.id, seller.id, sold.listing_id)
        session.close()
    shop_id, bare_id, agency_id, seller_id, listing_id = ids
    with app_session(app) as session:
        row = session.get(CreditScore, org_subject(SHOP_USCC))
        assert row is not None and row.events == 1
    page = client.get(f"/orgs/{shop_id}").get_data(as_text=True)
    assert 'data-testid="credit-badge"' in page and "南开寄卖店" in page
    assert '<dd data-testid="trades-count">1</dd>' in page
    assert 'data-testid="no-credit"' in client.get(f"/orgs/{bare_id}").get_data(as_text=True)
    assert client.get(f"/orgs/{agency_id}").status_code == 404
    seller_page = client.get(f"/users/{seller_id}").get_data(as_text=True)
    assert 'data-testid="credit-badge"' in seller_page and "王*" in seller_page
    assert "王小明" not in seller_page
    detail = client.get(f"/listings/{listing_id}").get_data(as_text=True)
    assert 'data-testid="venue-grade"' in detail and f'href="/orgs/{shop_id}"' in detail
