"""Issue 17: every path that puts a listing on the market asks the same wipe gate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from market.accounts.models import Role, User
from market.certificates import services as certificates
from market.db import get_session
from market.listings import devices
from market.listings import services as listings
from market.listings.errors import ListingError
from market.listings.models import Listing
from market.listings.services import ListingInput
from market.trades import services as trades
from tests.builders import make_listing, make_user, picture
from tests.market.test_certificates import public_pem, signed
from tests.support.auth import LoginAs, csrf_token

ANSWERS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "electronics": (
        {
            "new": "used",
            "body": "light",
            "screen": "invisible",
            "battery": "85",
            "repaired": "no",
            "works": "yes",
            "damage": "no",
        },
        {"serial": "无", "activation_lock_off": "yes", "battery_percent": "87", "repairs": "无"},
    ),
    "appliances": (
        {"new": "used", "condition": "cosmetic", "works": "yes"},
        {"safety_checked": "yes", "cleaned": "yes", "age_years": "3"},
    ),
    "general": ({"new": "used", "wear": "some", "works": "yes"}, {}),
    "furniture": (
        {"new": "used", "surface": "wear", "pests": "no"},
        {"dimensions": "1×1×1 cm", "material": "塑料", "odour": "no"},
    ),
    "books": (
        {"new": "used", "condition": "fine", "writing": "no"},
        {"highlighting": "无", "ex_library": "no", "missing_media": "no"},
    ),
}
FAMILY = {"电子产品": "electronics", "办公设备": "appliances", "家具": "furniture", "图书": "books"}
DEVICE_CATEGORIES = [
    "电子产品/手机", "电子产品/电脑", "电子产品/平板", "电子产品/相机", "电子产品/存储设备",
    "电子产品/智能穿戴", "电子产品/其他数码", "办公设备/打印机", "办公设备/复印机",
    "办公设备/扫描仪", "办公设备/传真机", "办公设备/投影仪", "办公设备/其他办公设备", "其他",
    "家具",
]  # fmt: skip


def item(title: str = "iPhone 11, 没清数据", category: str = "其他", **kw: Any) -> ListingInput:
    condition, disclosures = ANSWERS[FAMILY.get(category.split("/")[0], "general")]
    fields: dict[str, Any] = {
        "title": title, "category": category, "mode": "sell", "street": "长虹",
        "description": "激活锁未关。", "price_fen": 150_000, "condition": dict(condition),
        "disclosures": dict(disclosures),
    }  # fmt: skip
    fields.update(kw)
    return ListingInput(**fields)


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """The request session, so the search index follows every commit as in production."""
    with app.test_request_context():
        yield get_session()


def create(app: Flask, session: Session, owner: User, data: ListingInput, **kw: Any) -> Listing:
    kw.setdefault("publish", True)
    return listings.create_listing(
        session=session, owner=owner, data=data, photos=[picture()],
        store=app.extensions["xunhuan.images"], **kw,
    )  # fmt: skip


def refused(fn: Any, session: Session) -> devices.GateRefused:
    with pytest.raises(devices.GateRefused) as error:
        fn()
    session.rollback()
    return error.value


class Shop:
    """A consignment shop's wipe station that signs passed certificates."""

    def __init__(self, session: Session) -> None:
        self.staff = make_user(session, role=Role.SHOP_STAFF)
        self.key = Ed25519PrivateKey.generate()
        self.station, self.token = certificates.register_station_key(
            session=session, user=self.staff, label="柜台", public_key_pem=public_pem(self.key)
        )
        self.session = session

    def certify(self, listing_id: int | None = None, **overrides: Any) -> str:
        body = signed(self.key, listing_id=listing_id, **overrides)
        cert, _created = certificates.accept_certificate(
            session=self.session, station=self.station, body=body
        )
        return cert.id


def count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Listing)).one()


def test_a_phone_is_gated_in_every_electronics_like_category_and_by_its_words_elsewhere(
    app: Flask, db: Session
) -> None:
    seller, shop = make_user(db), Shop(db)
    for n, category in enumerate(DEVICE_CATEGORIES):
        error = refused(lambda: create(app, db, seller, item("iPhone 11 手机", category)), db)  # noqa: B023
        assert "GB 46864-2025" in str(error.message) and "寄卖店" in str(error.message)
        assert count(db) == n, category
        cert = shop.certify()
        listing = create(app, db, seller, item("iPhone 11 手机", category), certificate_id=cert)
        assert listing.status == "active", category


@pytest.mark.parametrize(
    ("title", "category"),
    [
        ("手机壳 适用 iPhone 11", "其他"),
        ("手机支架 桌面", "其他"),
        ("手机摄影", "图书/课外读物"),
        ("手机摄影", "其他"),
        ("宜家 书桌", "家具"),
    ],
)
def test_false_friends_publish_without_a_certificate(
    app: Flask, db: Session, title: str, category: str
) -> None:
    listing = create(app, db, make_user(db), item(title, category, description=""))
    assert listing.status == "active"


def test_an_imei_anywhere_gates_the_listing(app: Flask, db: Session) -> None:
    data = item("旧东西 一台", description="串号 490154203237518，不知道是什么。")
    refused(lambda: create(app, db, make_user(db), data), db)
    assert count(db) == 0


def test_a_no_storage_reason_publishes_and_the_public_page_shows_it(
    app: Flask, db: Session, client: FlaskClient
) -> None:
    data = item(
        "罗技 有线键盘",
        "电子产品/其他数码",
        description="USB 有线。",
        no_data=True,
        no_data_reason="no_storage",
    )
    listing = create(app, db, make_user(db), data)
    assert listing.status == "active" and listing.no_data_reason == "no_storage"
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert 'data-testid="no-data-reason"' in page and "无存储功能" in page
    clearing = client.get(f"/api/v1/listings/{listing.id}").json["data_clearing"]
    assert clearing == {"certificate_url": None, "no_data_reason": "no_storage",
                        "no_data_note": None}  # fmt: skip


@pytest.mark.parametrize(
    ("title", "category", "reason", "note", "why"),
    [
        ("小米 13", "电子产品/手机", "no_storage", "", "这个分类的设备都存储个人数据"),
        ("iPhone 11", "电子产品/手机", "accessory", "", "设备本身"),
        ("iPhone 11 手机", "其他", "no_storage", "", "设备本身"),
        ("旧手机", "其他", "accessory", "", "设备本身"),
    ],
)
def test_a_reason_that_does_not_answer_the_device_is_refused(
    app: Flask, db: Session, title: str, category: str, reason: str, note: str, why: str
) -> None:
    data = item(
        title, category, description="", no_data=True, no_data_reason=reason, no_data_note=note
    )
    error = refused(lambda: create(app, db, make_user(db), data), db)
    assert why in str(error.message)
    assert count(db) == 0


@pytest.mark.parametrize(
    ("title", "category", "reason", "note"),
    [
        ("手机壳 透明", "电子产品/手机", "accessory", ""),  # a case, listed where phones are
        ("iPhone 11 主板", "电子产品/手机", "destroyed", "进水无法开机，存储芯片已剪断。"),
        ("爱普生 投影仪", "办公设备/投影仪", "no_storage", ""),
    ],
)
def test_a_reason_that_answers_the_device_publishes(
    app: Flask, db: Session, title: str, category: str, reason: str, note: str
) -> None:
    data = item(
        title, category, description="", no_data=True, no_data_reason=reason, no_data_note=note
    )
    assert create(app, db, make_user(db), data).status == "active"


@pytest.mark.parametrize(
    ("reason", "note", "message"),
    [
        ("", "", "请选择物品不存储个人数据的原因"),
        ("nothing-stored", "", "未知的原因"),
        ("destroyed", "", "请说明存储是如何拆除或销毁的"),
    ],
)
def test_bad_reasons_get_a_clear_message_and_change_nothing(
    app: Flask, db: Session, reason: str, note: str, message: str
) -> None:
    data = item(no_data=True, no_data_reason=reason, no_data_note=note)
    with pytest.raises(ListingError) as error:
        create(app, db, make_user(db), data, publish=False)
    db.rollback()
    assert message in str(error.value.message)
    assert error.value.field in ("no_data_reason", "no_data_note")
    assert count(db) == 0


def test_bad_reasons_are_answered_in_english_on_the_english_form(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    with app.test_request_context():
        user = make_user(get_session())
    login_as(user)
    client.set_cookie("lang", "en")
    path = "/listings/new/其他"
    condition, _ = ANSWERS["general"]
    form = {"csrf_token": csrf_token(client, path), "title": "iPhone 11", "mode": "sell",
            "price": "1500", "street": "长虹", "venue": "online", "no_data": "y",
            "no_data_reason": "bogus", "action": "publish",
            **{f"q_{k}": v for k, v in condition.items()}}  # fmt: skip
    response = client.post(path, data={**form, "photos": []}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Unknown reason" in response.get_data(as_text=True)
    form["no_data_reason"] = ""
    response = client.post(path, data=form, content_type="multipart/form-data")
    assert "Please choose why the item stores no personal data" in response.get_data(as_text=True)
    with app.test_request_context():
        assert count(get_session()) == 0


def test_publishing_a_draft_and_renewing_ask_the_gate(app: Flask, db: Session) -> None:
    seller, shop = make_user(db), Shop(db)
    draft = create(app, db, seller, item(), publish=False)
    assert draft.status == "draft"
    refused(lambda: listings.renew_listing(session=db, listing_id=draft.id, user=seller), db)
    shop.certify(draft.id)  # the station uploads it for this listing
    assert listings.renew_listing(session=db, listing_id=draft.id, user=seller).status == "active"
    # A device listed before the gate, expired: renewing it asks the gate too.
    old = create(app, db, seller, item("宜家 书桌", "家具", description=""))
    old.title, old.status = "华为 Mate 40 手机", "expired"  # as saved before the gate existed
    db.add(old)
    db.commit()
    refused(lambda: listings.renew_listing(session=db, listing_id=old.id, user=seller), db)
    assert db.get(Listing, old.id).status == "expired"


def test_an_edit_that_turns_a_live_listing_into_a_device_is_refused(
    app: Flask, db: Session
) -> None:
    seller = make_user(db)
    live = create(app, db, seller, item("宜家 书桌", "家具", description=""))
    for data in (item("iPhone 11", "家具", description=""),  # the title
                 item("旧手机", "电子产品/其他数码", description="")):  # the category  # fmt: skip
        refused(lambda data=data: listings.update_listing(
            session=db, listing_id=live.id, user=seller, data=data, photos=[],
            remove_photo_ids=[], store=app.extensions["xunhuan.images"], publish=False,
        ), db)  # fmt: skip
        again = db.get(Listing, live.id)
        assert again.title == "宜家 书桌" and again.status == "active"


def test_a_description_edit_while_reserved_cannot_name_a_device(app: Flask, db: Session) -> None:
    seller, buyer = make_user(db), make_user(db)
    live = create(app, db, seller, item("宜家 书桌", "家具", description=""))
    trades.reserve_listing(session=db, listing_id=live.id or 0, buyer=buyer)
    refused(lambda: listings.update_description(
        session=db, listing_id=live.id, user=seller, description="其实是 iPhone 11 手机",
    ), db)  # fmt: skip
    assert db.get(Listing, live.id).description == ""


def test_consignment_intake_asks_the_gate(app: Flask, db: Session) -> None:
    from market.consignment import services as consignment
    from tests.market.test_consignment_services import desk, staff_of_new_shop

    staff = staff_of_new_shop(db)
    store = app.extensions["xunhuan.images"]
    condition, disclosures = ANSWERS["general"]
    phone = {"title": "iPhone 11 手机", "category": "其他", "condition": condition,
             "disclosures": disclosures}  # fmt: skip
    refused(
        lambda: consignment.intake(session=db, staff=staff, data=desk(**phone), store=store), db
    )
    key = Ed25519PrivateKey.generate()
    station, _ = certificates.register_station_key(
        session=db, user=staff, label="柜台", public_key_pem=public_pem(key)
    )
    cert, _ = certificates.accept_certificate(session=db, station=station, body=signed(key))
    taken = consignment.intake(
        session=db, staff=staff, data=desk(**phone, certificate_id=cert.id), store=store
    )
    assert db.get(Listing, taken.item.listing_id).status == "active"


def test_a_flea_market_stall_cannot_bring_an_uncertified_device(app: Flask, db: Session) -> None:
    from market.fleamarkets import applications
    from market.fleamarkets.errors import FleaMarketError
    from tests.market.test_fleamarkets import _day, _organizer

    day = _day(db, _organizer(db))
    seller = make_user(db)
    old = make_listing(db, seller, title="iPad Air 4 平板", category="其他")  # before the gate

    def apply() -> Any:
        return applications.apply_for_stall(
            session=db, user=seller, day_id=day.id or 0, listing_ids=[old.id or 0],
            config=app.config,
        )  # fmt: skip

    with pytest.raises(FleaMarketError) as error:
        apply()
    assert "GB 46864-2025" in str(error.value.message)
    Shop(db).certify(old.id)
    assert apply().status == "pending"


def test_the_book_corner_publishes_through_the_gate(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from market.books import catalogue, corner
    from market.books.listing import list_book
    from market.orgs.models import OrgKind
    from tests.builders import make_organization

    checked: list[str] = []
    real = devices.check

    def spy(*, session: Session, listing: Any) -> None:
        checked.append(listing.title)
        real(session=session, listing=listing)

    monkeypatch.setattr(devices, "check", spy)
    with app.test_request_context():
        session = get_session()
        school = make_organization(session, kind=OrgKind.SCHOOL, name="南开中学", street="学府")
        coordinator = make_user(session, Role.SCHOOL_COORDINATOR, organization=school)
        klass = corner.create_class(
            session=session, coordinator=coordinator, school_id=school.id or 0, name="七年级2班"
        )
        student = make_user(session)
        corner.join(session=session, user=student, school_id=school.id or 0, code=klass.join_code)
        condition, disclosures = ANSWERS["books"]
        listing = list_book(
            session=session, owner=student, school_id=school.id or 0, isbn13="9787115000002",
            condition=condition, disclosures=disclosures, photos=[],
            store=app.extensions["xunhuan.images"],
            entry=catalogue.TextbookInput(title="手机摄影从入门到精通", author="王某",
                                          publisher="人民邮电出版社"),
        )  # fmt: skip
        assert listing.status == "active"
    assert checked == ["手机摄影从入门到精通"]


def test_search_never_finds_a_device_the_gate_refused(
    app: Flask, db: Session, client: FlaskClient
) -> None:
    seller = make_user(db)
    refused(
        lambda: create(
            app,
            db,
            seller,
            item(
                "iPhone 11, 没清数据",
                "电子产品/其他数码",
                condition=ANSWERS["electronics"][0],
                disclosures=ANSWERS["electronics"][1],
            ),
        ),
        db,
    )
    draft = create(app, db, seller, item("iPhone 11, 没清数据"), publish=False)
    assert client.get("/api/v1/listings", query_string={"q": "手机"}).json["items"] == []
    assert client.get(f"/api/v1/listings/{draft.id}").status_code == 404
    Shop(db).certify(draft.id)
    listings.renew_listing(session=db, listing_id=draft.id, user=seller)
    found = client.get("/api/v1/listings", query_string={"q": "iphone"}).json["items"]
    assert [i["id"] for i in found] == [draft.id]
    clearing = client.get(f"/api/v1/listings/{draft.id}").json["data_clearing"]
    assert clearing["certificate_url"].startswith("/api/v1/certificates/")


def test_the_certificate_upload_api_links_but_does_not_publish(
    app: Flask, db: Session, client: FlaskClient
) -> None:
    seller, shop = make_user(db), Shop(db)
    draft = create(app, db, seller, item(), publish=False)
    failed = signed(shop.key, listing_id=draft.id, result="failed")
    headers = {"Authorization": f"Bearer {shop.token}"}
    assert client.post("/api/v1/certificates", json=failed, headers=headers).status_code == 201
    refused(lambda: listings.renew_listing(session=db, listing_id=draft.id, user=seller), db)
    passed = signed(shop.key, listing_id=draft.id)
    assert client.post("/api/v1/certificates", json=passed, headers=headers).status_code == 201
    db.expire_all()
    assert db.get(Listing, draft.id).status == "draft"  # the seller publishes, not the station
    assert listings.renew_listing(session=db, listing_id=draft.id, user=seller).status == "active"


def test_listings_published_before_the_gate_are_held_back_as_drafts(
    app: Flask, db: Session, client: FlaskClient
) -> None:
    from market.notifications.models import Notification

    seller = make_user(db)
    old = create(app, db, seller, item("宜家 书桌", "家具", description=""))
    old.title = "iPhone 11 手机"  # as saved before the gate existed
    db.add(old)
    db.commit()
    desk = create(app, db, seller, item("宜家 书桌 二号", "家具", description=""))
    assert [i["id"] for i in client.get("/api/v1/listings?q=手机").json["items"]] == [old.id]
    result = app.test_cli_runner().invoke(args=["listings", "hold-ungated"])
    assert result.exit_code == 0 and "held 1 listings" in result.output
    db.expire_all()
    assert db.get(Listing, old.id).status == "draft"
    assert db.get(Listing, desk.id).status == "active"
    assert client.get("/api/v1/listings?q=手机").json["items"] == []
    notes = db.exec(select(Notification).where(Notification.user_id == seller.id)).all()
    assert len(notes) == 1 and notes[0].link == f"/listings/{old.id}/edit"


def test_the_edit_and_renew_pages_put_the_refusal_at_the_top_of_the_form(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    with app.test_request_context():
        session = get_session()
        seller = make_user(session)
        live = create(app, session, seller, item("宜家 书桌", "家具", description=""))
        draft = create(app, session, seller, item(), publish=False)
    login_as(seller)
    renew = client.post(
        f"/listings/{draft.id}/renew",
        data={"csrf_token": csrf_token(client, f"/listings/{draft.id}")},
    )
    assert renew.headers["Location"] == f"/listings/{draft.id}/edit?refused=1"
    page = client.get(renew.headers["Location"]).get_data(as_text=True)
    assert 'role="alert" tabindex="-1" autofocus' in page
    assert page.index('data-testid="gate-alert"') < page.index('name="photos"')
    path = f"/listings/{live.id}/edit"
    condition, disclosures = ANSWERS["furniture"]
    form = {"csrf_token": csrf_token(client, path), "title": "iPhone 11 手机", "mode": "sell",
            "price": "1500", "street": "长虹", "venue": "online", "action": "publish",
            **{f"q_{k}": v for k, v in condition.items()},
            **{f"d_{k}": v for k, v in disclosures.items()}}  # fmt: skip
    response = client.post(path, data=form, content_type="multipart/form-data")
    assert response.status_code == 400 and 'data-testid="gate-alert"' in response.get_data(
        as_text=True
    )
    with app.test_request_context():
        again = get_session().get(Listing, live.id)
        assert again.title == "宜家 书桌" and again.status == "active"


def test_shop_stock_goes_back_on_sale_only_through_the_gate(app: Flask, db: Session) -> None:
    from datetime import timedelta

    from market.consignment import lifecycle, terms
    from market.consignment import services as consignment
    from tests.market.test_consignment_services import staff_of_new_shop, take_in

    staff = staff_of_new_shop(db)
    kept = take_in(app, db, staff, end_action="shop_stock")
    old = take_in(app, db, staff, end_action="shop_stock")
    listing = db.get(Listing, old.listing_id)
    listing.title = "iPhone 11 手机"  # as taken in before the gate existed
    db.add(listing)
    db.commit()
    after = terms.expires_at(consignment.agreement_of(old)) + timedelta(minutes=1)
    lifecycle.tick(session=db, now=after)
    db.expire_all()
    assert db.get(Listing, kept.listing_id).status == "active"
    assert db.get(Listing, old.listing_id).status == "draft"
