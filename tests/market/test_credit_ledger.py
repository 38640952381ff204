"""The credit ledger in the database: intake from the outbox, verify, checkpoints."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, func, select

from credit.checkpoints import verify_checkpoint
from credit.events import CreditEvent, org_subject
from market.accounts.models import User
from market.credit import services as credit
from market.credit.models import CreditCheckpoint, CreditLedgerEntry, CreditPersonal
from market.credit.repository import SqlLedger
from market.orgs.models import OrgKind
from market.trades import services as trades
from market.trades.models import DomainEvent, Reservation
from tests.builders import app_session, make_listing, make_organization, make_user, plain_session
from tests.credit.builders import NOW, SELLER, buyer

SHOP_USCC = "91350100M000100Y43"


@pytest.fixture
def ctx(app: Flask):  # type: ignore[no-untyped-def]
    with app.app_context(), plain_session(app) as session:
        yield session


def hooked(app: Flask) -> Session:
    """A session wired like a request's: outbox events are delivered after each commit."""
    return app_session(app)


def sell(session: Session, seller: User, buyer: User, **listing: object) -> Reservation:
    item = make_listing(session, seller, **listing)
    r = trades.reserve_listing(session=session, listing_id=item.id or 0, buyer=buyer)
    for user in (buyer, seller):
        trades.confirm_handover(session=session, reservation_id=r.id or 0, user=user)
    return r


def key(app: Flask) -> bytes:
    return credit.key_from_config(app.config)


def score_of(app: Flask, session: Session, user: User) -> credit.Standing:
    return credit.standing(session=session, subject=credit.user_subject(user.id or 0, key(app)))


def ledger_size(session: Session) -> int:
    return session.exec(select(func.count()).select_from(CreditLedgerEntry)).one()


def test_completed_trades_and_ratings_move_the_sellers_score(app: Flask, ctx: Session) -> None:
    session = hooked(app)
    seller = make_user(session)
    before = score_of(app, session, seller).result
    buyers = [make_user(session) for _ in range(11)]
    sales = [sell(session, seller, b) for b in buyers]
    after_trades = score_of(app, session, seller).result
    assert after_trades.confidence == pytest.approx(11, rel=1e-3)
    assert after_trades.score > before.score
    trades.rate(
        session=session, reservation_id=sales[0].id or 0, rater=buyers[0], stars=1, comment=""
    )
    after_bad = score_of(app, session, seller).result
    assert after_bad.score < after_trades.score
    assert [c.kind for c in after_bad.contributions].count("rating") == 1
    # The seller rating the buyer is not about the seller.
    trades.rate(session=session, reservation_id=sales[1].id or 0, rater=seller, stars=5, comment="")
    assert len(score_of(app, session, seller).result.contributions) == 12
    session.close()


def test_a_trade_at_a_shop_also_credits_the_shops_organization(app: Flask, ctx: Session) -> None:
    session = hooked(app)
    shop = make_organization(session, kind=OrgKind.CONSIGNMENT_SHOP, uscc=SHOP_USCC)
    sell(session, make_user(session), make_user(session), venue=f"shop:{shop.id}")
    result = credit.standing(session=session, subject=org_subject(SHOP_USCC)).result
    assert [c.kind for c in result.contributions] == ["trade_completed"]
    session.close()


def test_the_intake_is_idempotent_and_marks_the_outbox_delivered(app: Flask, ctx: Session) -> None:
    seller, buyer = make_user(ctx), make_user(ctx)
    r = sell(ctx, seller, buyer)  # a plain session: nothing delivered yet
    trades.rate(session=ctx, reservation_id=r.id or 0, rater=buyer, stars=5, comment="")
    assert ledger_size(ctx) == 0
    assert credit.deliver_pending(session=ctx, key=key(app)) == 2
    assert credit.deliver_pending(session=ctx, key=key(app)) == 0
    result = app.test_cli_runner().invoke(args=["credit", "deliver"])
    assert result.exit_code == 0 and "delivered 0" in result.output
    assert ledger_size(ctx) == 2
    pending = select(DomainEvent).where(DomainEvent.delivered_at == None)  # noqa: E711
    assert ctx.exec(pending).all() == []
    personal = ctx.exec(select(CreditPersonal)).all()
    assert {p.data["user_id"] for p in personal} == {str(seller.id)}


def test_the_cli_delivers_what_the_requests_left(app: Flask, ctx: Session) -> None:
    seller = make_user(ctx)
    for _ in range(3):
        sell(ctx, seller, make_user(ctx))
    result = app.test_cli_runner().invoke(args=["credit", "deliver"])
    assert result.exit_code == 0 and "delivered 3" in result.output
    assert ledger_size(ctx) == 3


def test_verify_prints_the_head_of_a_clean_chain(app: Flask, ctx: Session) -> None:
    empty = app.test_cli_runner().invoke(args=["credit", "verify"])
    assert empty.exit_code == 0 and "0" * 64 in empty.output
    session = hooked(app)
    sell(session, make_user(session), make_user(session))
    session.close()
    head = ctx.exec(select(CreditLedgerEntry)).one()
    ctx.commit()  # end the read: on SQLite every transaction holds the write lock
    result = app.test_cli_runner().invoke(args=["credit", "verify"])
    assert result.exit_code == 0
    assert head.entry_hash in result.output


def _three_entries(app: Flask) -> None:
    session = hooked(app)
    seller = make_user(session)
    for _ in range(3):
        sell(session, seller, make_user(session))
    session.close()


def test_verify_names_an_entry_edited_in_the_database(app: Flask, ctx: Session) -> None:
    _three_entries(app)
    row = ctx.exec(select(CreditLedgerEntry).where(CreditLedgerEntry.seq == 2)).one()
    forged = row.payload.replace("trade_completed", "wipe_certificate")
    ctx.execute(sa.text("UPDATE credit_ledger SET payload = :p WHERE seq = 2"), {"p": forged})
    ctx.commit()
    result = app.test_cli_runner().invoke(args=["credit", "verify"])
    assert result.exit_code == 1
    assert "entry 2" in result.output and "edited" in result.output


@pytest.mark.parametrize("seq", [2, 3])
def test_verify_detects_a_deleted_entry(app: Flask, ctx: Session, seq: int) -> None:
    _three_entries(app)
    ctx.execute(sa.text("DELETE FROM credit_ledger WHERE seq = :s"), {"s": seq})
    ctx.commit()
    result = app.test_cli_runner().invoke(args=["credit", "verify"])
    assert result.exit_code == 1
    assert f"entry {seq}" in result.output


def test_a_checkpoint_signs_the_head_with_a_private_key_file(app: Flask, ctx: Session) -> None:
    _three_entries(app)
    result = app.test_cli_runner().invoke(args=["credit", "checkpoint"])
    assert result.exit_code == 0, result.output
    key_file = Path(app.config["DATA_DIR"]) / "credit_checkpoint_key.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    # The first delivery already signed a scheduled checkpoint; the command adds the newest.
    row = ctx.exec(select(CreditCheckpoint).order_by(col(CreditCheckpoint.id).desc())).first()
    assert row is not None and row.seq == 3
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(row.public_key))
    signed = {
        "seq": row.seq,
        "head_hash": row.head_hash,
        "at": row.signed_at,
        "signature": row.signature,
    }
    assert verify_checkpoint(signed, public, SqlLedger(ctx)).ok
    assert not verify_checkpoint({**signed, "seq": 2}, public, SqlLedger(ctx)).ok


@st.composite
def chains(draw: st.DrawFn) -> list[tuple[CreditEvent, dict[str, str] | None]]:
    """1-8 events of a shop and its buyers; the persons' carry personal data beside the chain."""
    out: list[tuple[CreditEvent, dict[str, str] | None]] = []
    for i in range(draw(st.integers(1, 8))):
        who = draw(st.integers(0, 3))
        kind = draw(st.sampled_from(["trade_completed", "wipe_certificate", "compliance"]))
        subject = SELLER if who == 0 or kind != "trade_completed" else buyer(who)
        cp = buyer(10 + i) if kind == "trade_completed" else None
        detail = "check=complaint;result=pass" if kind == "compliance" else None
        event = CreditEvent(
            subject, kind, None, "xunhuan", cp, NOW, f"ref:{i}", f"chain:{i}", detail
        )
        out.append((event, {"user_id": str(who)} if subject != SELLER else None))
    return out


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_verify_names_the_first_tampered_entry_of_a_random_chain(
    app: Flask, data: st.DataObject
) -> None:
    with app.app_context(), app_session(app) as session:
        items = data.draw(chains())
        entries = credit.append_events(session, items)
        session.flush()
        n = len(entries)
        tamper = data.draw(
            st.sampled_from(
                ["none", "edit", "delete", "swap"] if n > 1 else ["none", "edit", "delete"]
            )
        )
        first = data.draw(st.integers(1, n))
        if tamper == "edit":
            payload = entries[first - 1].payload
            at = data.draw(st.integers(0, len(payload) - 1))
            forged = payload[:at] + ("X" if payload[at] != "X" else "Y") + payload[at + 1 :]
            session.execute(
                sa.text("UPDATE credit_ledger SET payload = :p WHERE seq = :s"),
                {"p": forged, "s": first},
            )
        elif tamper == "delete":
            session.execute(sa.text("DELETE FROM credit_ledger WHERE seq = :s"), {"s": first})
        elif tamper == "swap":
            first = data.draw(st.integers(1, n - 1))
            other = data.draw(st.integers(first + 1, n))
            swap = sa.text("UPDATE credit_ledger SET seq = :new WHERE seq = :old")
            for old, new in ((first, -1), (other, first), (-1, other)):
                session.execute(swap, {"old": old, "new": new})
        session.expire_all()  # read what the database now holds, not the session's copies
        result = credit.verify(session=session)
        if tamper == "none":
            assert result.ok and result.head_hash == entries[-1].entry_hash
        else:
            assert not result.ok
            assert result.first_broken_seq == first, (tamper, result)
        session.rollback()  # the next example starts from an empty ledger
