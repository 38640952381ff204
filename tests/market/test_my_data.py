"""My data: a person downloads what is kept about them, and has it erased."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from credit.events import CreditEvent
from market.accounts.models import User, UserSession
from market.credit import services as credit
from market.credit.case_models import CreditCase
from market.credit.models import CreditLedgerEntry, CreditPersonal
from market.db import utcnow
from market.listings.models import Listing, ListingPhoto
from market.notifications.models import Notification
from market.trades.models import Message, Rating, Report, Reservation
from tests.builders import PASSWORD, app_session, make_listing, make_user
from tests.support.auth import AuthActions, csrf_token


@dataclass
class World:
    me: int
    other: int
    my_listing: int
    trade: int


def _world(app: Flask) -> World:
    """Two people who traded once, through a request session so search and ledger follow."""
    with app.test_request_context():
        from market.db import get_session

        session = get_session()
        me = make_user(session, identifier="13800000001", display_name="王小明")
        other = make_user(session, identifier="13800000002", display_name="李大华")
        mine = make_listing(session, me, title="我的榆木书桌")
        make_listing(session, other, title="别人的自行车")
        sold = make_listing(session, other, title="已售台灯", status="completed")
        session.add(ListingPhoto(listing_id=mine.id or 0, image_key="a" * 64))
        trade = Reservation(
            listing_id=sold.id or 0,
            buyer_id=me.id or 0,
            seller_id=other.id or 0,
            status="completed",
            price_fen=3000,
            completed_at=utcnow(),
        )
        session.add(trade)
        session.flush()
        session.add(
            Message(
                reservation_id=trade.id or 0,
                sender_id=me.id or 0,
                recipient_id=other.id or 0,
                body="周六下午取货可以吗",
            )
        )
        session.add(
            Message(
                reservation_id=trade.id or 0,
                sender_id=other.id or 0,
                recipient_id=me.id or 0,
                body="可以，南门见",
            )
        )
        session.add(
            Rating(
                reservation_id=trade.id or 0,
                rater_id=me.id or 0,
                ratee_id=other.id or 0,
                stars=5,
                comment="很好",
            )
        )
        session.add(
            Report(reporter_id=me.id or 0, listing_id=sold.id, reason="fraud", text="我举报的内容")
        )
        session.add(Notification(user_id=me.id or 0, message="您有新消息"))
        session.add(Notification(user_id=other.id or 0, message="别人的通知"))
        key = credit.key_from_config(app.config)
        subject = credit.user_subject(me.id or 0, key)
        event = CreditEvent(
            subject=subject,
            kind="trade_completed",
            weight=None,
            source="xunhuan",
            counterparty=credit.user_subject(other.id or 0, key),
            occurred_at=utcnow(),
            evidence=f"trade:{trade.id}",
            event_id=f"test:trade{trade.id}",
        )
        credit.append_events(session, [(event, {"user_id": str(me.id), "name": "王小明"})])
        session.add(
            CreditCase(
                kind="appeal",
                subject=subject,
                target_event_id="test:x",
                statement="我的申诉陈述",
                opened_by_user_id=me.id,
            )
        )
        session.commit()
        return World(me.id or 0, other.id or 0, mine.id or 0, trade.id or 0)


def _log_in(client: FlaskClient) -> None:
    assert AuthActions(client).login("13800000001", PASSWORD).status_code == 302


def test_the_download_holds_my_data_and_no_one_elses(app: Flask, client: FlaskClient) -> None:
    world = _world(app)
    _log_in(client)
    assert "下载我的数据" in client.get("/account/data").get_data(as_text=True)
    assert 'data-testid="my-data-link"' in client.get("/account/profile").get_data(as_text=True)
    response = client.get("/account/data.json")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["mobile"] == "13800000001"
    assert data["consent"]["consent_version"]
    assert [item["title"] for item in data["listings"]] == ["我的榆木书桌"]
    assert data["listings"][0]["photos"] == ["a" * 64]
    (trade,) = data["trades"]
    assert trade["id"] == world.trade and trade["role"] == "buyer"
    assert trade["other_party"] == "李**"
    assert [m["body"] for m in trade["messages"]] == ["周六下午取货可以吗", "可以，南门见"]
    assert data["ratings_given"][0]["comment"] == "很好"
    assert data["reports_filed"][0]["text"] == "我举报的内容"
    assert [n["message"] for n in data["notifications"]] == ["您有新消息"]
    assert [e["kind"] for e in data["credit"]["events"]] == ["trade_completed"]
    assert data["credit"]["cases"][0]["statement"] == "我的申诉陈述"
    assert len(data["sessions"]) == 1
    text = json.dumps(data, ensure_ascii=False)
    for foreign in ("13800000002", "李大华", "别人的自行车", "别人的通知"):
        assert foreign not in text


def test_the_download_needs_a_login(client: FlaskClient) -> None:
    assert client.get("/account/data.json").status_code == 302


def _search(client: FlaskClient, q: str) -> set[str]:
    body = client.get("/api/v1/listings", query_string={"q": q}).json
    assert body is not None
    return {item["title"] for item in body["items"]}


def _delete(client: FlaskClient, password: str) -> object:
    token = csrf_token(client, "/account/data")
    return client.post("/account/delete", data={"csrf_token": token, "password": password})


def test_a_wrong_password_deletes_nothing(app: Flask, client: FlaskClient) -> None:
    world = _world(app)
    _log_in(client)
    response = _delete(client, "wrong-password")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "密码不正确，账号未注销。" in response.get_data(as_text=True)  # type: ignore[attr-defined]
    with app_session(app) as session:
        me = session.get(User, world.me)
        assert me is not None and me.display_name == "王小明" and me.deleted_at is None
        assert session.get(Listing, world.my_listing).status == "active"  # type: ignore[union-attr]
    assert client.get("/my/listings").status_code == 200


def test_deletion_erases_the_person_and_keeps_the_ledger_intact(
    app: Flask, client: FlaskClient
) -> None:
    world = _world(app)
    _log_in(client)
    phone = app.test_client()
    _log_in(phone)
    assert _search(client, "榆木书桌") == {"我的榆木书桌"}
    with app_session(app) as session:
        subject = credit.user_subject(world.me, credit.key_from_config(app.config))
        refs = session.exec(
            select(CreditLedgerEntry.personal_ref).where(CreditLedgerEntry.subject == subject)
        ).all()
        ledger_before = session.exec(select(CreditLedgerEntry.entry_hash)).all()
    assert refs and all(refs)

    response = _delete(client, PASSWORD)
    assert response.status_code == 302  # type: ignore[attr-defined]

    assert _search(client, "榆木书桌") == set()
    assert client.get(f"/listings/{world.my_listing}").status_code == 404
    for browser in (client, phone):
        assert browser.get("/my/listings").status_code == 302
    assert AuthActions(app.test_client()).login("13800000001", PASSWORD).status_code == 400
    with app_session(app) as session:
        me = session.get(User, world.me)
        assert me is not None
        assert me.display_name == "已注销用户" and me.mobile == f"x{world.me:010d}"
        assert me.email is None and me.home_street is None and not me.is_active
        assert not me.password_hash.startswith("$argon2")
        assert session.get(Listing, world.my_listing).status == "withdrawn"  # type: ignore[union-attr]
        assert session.exec(select(UserSession).where(UserSession.user_id == world.me)).all() == []
        assert all(session.get(CreditPersonal, ref) is None for ref in refs)
        assert session.exec(select(CreditCase)).one().statement is None
        assert session.exec(select(CreditLedgerEntry.entry_hash)).all() == ledger_before
        # What the other party relies on stays: the trade, its messages and the rating.
        assert session.get(Reservation, world.trade) is not None
        assert len(session.exec(select(Message)).all()) == 2
        notes = session.exec(select(Notification)).all()
        assert [n.user_id for n in notes] == [world.other]
    result = app.test_cli_runner().invoke(args=["credit", "verify"])
    assert result.exit_code == 0, result.output


def test_an_open_trade_blocks_deletion(app: Flask, client: FlaskClient) -> None:
    world = _world(app)
    with app_session(app) as session:
        other = session.get(User, world.other)
        assert other is not None
        listing = make_listing(session, other, title="在约的椅子")
        session.add(
            Reservation(
                listing_id=listing.id or 0, buyer_id=world.me, seller_id=world.other, status="open"
            )
        )
        session.commit()
    _log_in(client)
    response = _delete(client, PASSWORD)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "请先完成或取消" in response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert client.get("/my/listings").status_code == 200


def test_a_registered_person_can_delete_and_the_number_registers_again(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    assert _delete(client, "correct-horse").status_code == 302  # type: ignore[attr-defined]
    assert auth.register(display_name="新主人").status_code == 302
