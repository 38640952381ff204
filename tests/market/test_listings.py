from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlmodel import select

from market.db import utcnow
from market.listings.assessment import grade_from
from market.listings.catalog import Grade
from market.listings.grading import checklist_for
from market.listings.models import Listing, ListingPhoto
from tests.builders import FURNITURE_FORM, PASSWORD, app_session, make_listing, make_user, picture
from tests.support.auth import AuthActions, LoginAs, csrf_token

NEW_DESK = "/listings/new/家具"


def _post_listing(
    client: FlaskClient, form: dict[str, str], photos: int = 2, action: str = "publish"
):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {**form, "csrf_token": csrf_token(client, NEW_DESK), "action": action}
    data["photos"] = [(io.BytesIO(picture((40 * i, 90, 160))), f"p{i}.jpg") for i in range(photos)]
    return client.post(NEW_DESK, data=data, content_type="multipart/form-data")


def test_a_resident_publishes_a_listing_with_two_photos(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    owner = login_as().id or 0
    response = _post_listing(client, FURNITURE_FORM)
    assert response.status_code == 302
    with app_session(app) as session:
        listing = session.exec(select(Listing)).one()
        photos = session.exec(select(ListingPhoto)).all()
    assert (listing.owner_id, listing.status, listing.grade) == (owner, "active", "B")
    assert listing.price_fen == 20000
    assert listing.expires_at and listing.expires_at - utcnow() > timedelta(days=59)
    assert listing.disclosures["dimensions"] == "120×60×75 cm"
    assert len(photos) == 2
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert (
        "宜家 书桌 120x60" in page and "9成新" in page and "表面磨损" in page and "实木贴面" in page
    )


def test_the_grade_follows_the_checklist_and_knock_outs_cap_it() -> None:
    phones = checklist_for("电子产品/手机")
    clean = {
        "new": "used",
        "body": "none",
        "screen": "perfect",
        "battery": "90",
        "repaired": "no",
        "works": "yes",
        "damage": "no",
    }
    assert grade_from(phones, clean) is Grade.A_PLUS
    assert grade_from(phones, {**clean, "battery": "85"}) is Grade.B
    assert grade_from(phones, {**clean, "repaired": "yes"}) is Grade.D
    assert grade_from(phones, {**clean, "damage": "yes"}) is Grade.F
    assert grade_from(phones, {**clean, "new": "sealed"}) is Grade.N


def test_a_missing_disclosure_is_refused_and_nothing_is_saved(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as()
    form = {k: v for k, v in FURNITURE_FORM.items() if k != "d_dimensions"}
    response = _post_listing(client, form)
    assert response.status_code == 400
    assert "请填写此项。" in response.get_data(as_text=True)
    with app_session(app) as session:
        assert session.exec(select(Listing)).all() == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"price": "-5"}, "价格需在 0 到 1,000,000 元之间。"),
        ({"price": "abc"}, "不是有效的小数。"),
        ({"price": ""}, "请填写价格"),
        ({"title": "x" * 61}, "字段长度不能超过 60 个字符。"),
        ({"street": "朝阳"}, "不是有效的选择。"),
        ({"q_surface": "shiny"}, "不是有效的选择。"),
    ],
)
def test_bad_listing_input_gets_a_message_and_changes_nothing(
    app: Flask, client: FlaskClient, change: dict[str, str], message: str, login_as: LoginAs
) -> None:
    login_as()
    response = _post_listing(client, {**FURNITURE_FORM, **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app_session(app) as session:
        assert session.exec(select(Listing)).all() == []


def test_a_listing_needs_a_photo_to_be_published_but_not_to_be_a_draft(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as()
    refused = _post_listing(client, FURNITURE_FORM, photos=0)
    assert refused.status_code == 400 and "发布前请至少上传一张照片。" in refused.get_data(
        as_text=True
    )
    draft = _post_listing(client, FURNITURE_FORM, photos=0, action="draft")
    assert draft.status_code == 302
    with app_session(app) as session:
        assert session.exec(select(Listing.status)).one() == "draft"


def test_a_file_that_is_not_a_picture_is_refused(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as()
    data: dict[str, object] = {
        **FURNITURE_FORM,
        "csrf_token": csrf_token(client, NEW_DESK),
        "photos": [(io.BytesIO(b"not a picture at all"), "photo.jpg")],
    }
    response = client.post(NEW_DESK, data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "这不是图片文件" in response.get_data(as_text=True)
    with app_session(app) as session:
        assert session.exec(select(Listing)).all() == []


def test_stored_photos_carry_no_exif(app: Flask, client: FlaskClient, login_as: LoginAs) -> None:
    login_as()
    img = Image.new("RGB", (800, 600), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"
    exif[0x8825] = {2: (39.0, 6.0, 0.0), 4: (117.0, 10.0, 0.0)}  # GPS IFD
    raw = io.BytesIO()
    img.save(raw, "JPEG", exif=exif)
    data: dict[str, object] = {
        **FURNITURE_FORM,
        "csrf_token": csrf_token(client, NEW_DESK),
        "action": "publish",
        "photos": [(io.BytesIO(raw.getvalue()), "gps.jpg")],
    }
    assert client.post(NEW_DESK, data=data, content_type="multipart/form-data").status_code == 302
    with app_session(app) as session:
        key = session.exec(select(ListingPhoto.image_key)).one()
    for ext in ("webp", "jpg"):
        served = client.get(f"/images/{key}/960.{ext}")
        assert served.status_code == 200
        stored = Image.open(io.BytesIO(served.data))
        assert not stored.getexif() and "exif" not in stored.info


def test_user_html_in_a_title_is_shown_escaped(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as()
    _post_listing(client, {**FURNITURE_FORM, "title": "<script>alert(1)</script>书桌"})
    with app_session(app) as session:
        listing_id = session.exec(select(Listing.id)).one()
    page = client.get(f"/listings/{listing_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;书桌" in page


def test_only_the_owner_edits(app: Flask, client: FlaskClient, login_as: LoginAs) -> None:
    with app.app_context(), app_session(app) as session:
        listing = make_listing(session, make_user(session))
    login_as()
    assert client.get(f"/listings/{listing.id}/edit").status_code == 403
    token = csrf_token(client, "/")
    response = client.post(f"/listings/{listing.id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 403
    with app_session(app) as session:
        assert session.get(Listing, listing.id).status == "active"  # type: ignore[union-attr]


def test_a_reserved_listing_only_takes_a_new_description(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    owner = login_as().id or 0
    _post_listing(client, FURNITURE_FORM)
    with app.app_context(), app_session(app) as session:
        listing = session.exec(select(Listing)).one()
        from market.trades.services import reserve_listing

        reserve_listing(session=session, listing_id=listing.id or 0, buyer=make_user(session))
    edit = f"/listings/{listing.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert "只能修改描述" in page and 'name="title"' not in page
    token = csrf_token(client, edit)
    changed = client.post(
        edit, data={"csrf_token": token, "description": "已约好周六交接。", "title": "改"}
    )
    assert changed.status_code == 302
    with app_session(app) as session:
        saved = session.get(Listing, listing.id)
    assert saved is not None and saved.owner_id == owner
    assert (saved.description, saved.title) == ("已约好周六交接。", "宜家 书桌 120x60")


def test_a_withdrawn_listing_is_hidden_from_others(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as()
    _post_listing(client, FURNITURE_FORM)
    with app_session(app) as session:
        listing_id = session.exec(select(Listing.id)).one()
    client.post(f"/listings/{listing_id}/withdraw", data={"csrf_token": csrf_token(client, "/")})
    assert client.get(f"/listings/{listing_id}").status_code == 200  # the owner still sees it
    assert app.test_client().get(f"/listings/{listing_id}").status_code == 404


def test_listings_expire_after_sixty_days_even_without_the_scheduled_run(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context(), app_session(app) as session:
        owner = make_user(session)
        old = make_listing(session, owner, expires_at=utcnow() - timedelta(minutes=1))
    page = client.get(f"/listings/{old.id}").get_data(as_text=True)
    assert "已过期" in page and "我想要" not in page
    with app_session(app) as session:  # the page computes it; the tick stores it
        assert session.get(Listing, old.id).status == "active"  # type: ignore[union-attr]
    assert app.test_cli_runner().invoke(args=["listings", "expire"]).exit_code == 0
    with app_session(app) as session:
        assert session.get(Listing, old.id).status == "expired"  # type: ignore[union-attr]


def test_the_expire_command_expires_due_listings(app: Flask) -> None:
    with app.app_context(), app_session(app) as session:
        owner = make_user(session)
        old = make_listing(session, owner, expires_at=utcnow() - timedelta(days=1))
        fresh = make_listing(session, owner)
    result = app.test_cli_runner().invoke(args=["listings", "expire"])
    assert result.exit_code == 0 and "expired 1 listings" in result.output
    with app_session(app) as session:
        assert session.get(Listing, old.id).status == "expired"  # type: ignore[union-attr]
        assert session.get(Listing, fresh.id).status == "active"  # type: ignore[union-attr]


def test_infinite_or_not_a_number_prices_are_refused(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as()
    for price in ("Infinity", "sNaN", "NaN", "-Infinity"):
        response = _post_listing(client, {**FURNITURE_FORM, "price": price})
        assert response.status_code == 400, price
    with app_session(app) as session:
        assert session.exec(select(Listing)).all() == []


def test_my_listings_page_shows_my_overdue_listings_expired_and_stores_nothing(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    me = login_as().id or 0
    with app.app_context(), app_session(app) as session:
        from market.accounts.models import User

        mine = make_listing(session, session.get(User, me), expires_at=utcnow() - timedelta(days=1))  # type: ignore[arg-type]
        theirs = make_listing(session, make_user(session), expires_at=utcnow() - timedelta(days=1))
    assert "已过期" in client.get("/my/listings").get_data(as_text=True)
    with app_session(app) as session:  # a page view writes nothing; the tick stores it
        assert session.get(Listing, mine.id).status == "active"  # type: ignore[union-attr]
        assert session.get(Listing, theirs.id).status == "active"  # type: ignore[union-attr]


def test_a_resident_cannot_put_a_shop_or_school_name_on_a_listing(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    """A stranger's item must not wear a shop's or a school's name and grade."""
    from market.orgs.models import OrgKind
    from tests.builders import make_organization

    with app_session(app) as session:
        shop = make_organization(session, kind=OrgKind.CONSIGNMENT_SHOP)
        school = make_organization(session, kind=OrgKind.SCHOOL)
        venues = [f"shop:{shop.id}", f"school:{school.id}"]
    login_as()
    assert "shop:" not in client.get(NEW_DESK).get_data(as_text=True)  # not even offered
    for venue in venues:
        response = _post_listing(client, {**FURNITURE_FORM, "venue": venue})
        assert response.status_code == 400
    with app_session(app) as session:
        assert session.exec(select(Listing)).all() == []
        from market.listings import services
        from market.listings.errors import ListingError

        data = services.ListingInput(
            title="书桌",
            category="家具",
            mode="sell",
            street="学府",
            price_fen=100,
            venue=venues[0],
            condition={"new": "used", "surface": "wear", "pests": "no"},
            disclosures={"dimensions": "120×60×75 cm", "material": "实木贴面", "odour": "no"},
        )
        with pytest.raises(ListingError, match="请到店或到旧书角登记"):  # the service too
            services.validate(session=session, data=data)


def test_a_registered_lock_refuses_every_owner_action_and_changes_nothing(app: Flask) -> None:
    from market.listings import services
    from market.listings.errors import ListingError
    from market.listings.participants import Participant, register
    from market.listings.services import ListingInput

    with app_session(app) as session:
        owner = make_user(session)
        item = make_listing(session, owner)
        locked = item.id

        def counter_only(_session: object, listing: Listing) -> str | None:
            return "寄卖品请在柜台管理。" if listing.id == locked else None

        register(app, Participant(name="counter-only", lock=counter_only))
        data = ListingInput(
            title="改过的标题",
            category=item.category,
            mode=item.mode,
            street=item.street,
            price_fen=1,
            condition=item.condition or {},
            disclosures=item.disclosures or {},
        )
        actions = [
            lambda: services.update_listing(
                session=session,
                listing_id=locked or 0,
                user=owner,
                data=data,
                photos=[],
                remove_photo_ids=[],
                store=None,  # type: ignore[arg-type]
                publish=True,
            ),
            lambda: services.update_description(
                session=session, listing_id=locked or 0, user=owner, description="x"
            ),
            lambda: services.withdraw_listing(session=session, listing_id=locked or 0, user=owner),
            lambda: services.renew_listing(session=session, listing_id=locked or 0, user=owner),
        ]
        for action in actions:
            with pytest.raises(ListingError, match="寄卖品请在柜台管理"):
                action()
            session.rollback()
        fresh = session.get(Listing, locked)
        assert fresh is not None and fresh.title == item.title and fresh.status == "active"


def test_the_owner_of_a_locked_listing_is_told_where_to_manage_it(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    from market.listings.participants import Participant, register

    with app_session(app) as session:
        owner = make_user(session)
        item = make_listing(session, owner)
        locked, mobile = item.id, owner.mobile or ""

    def counter_only(_session: object, listing: Listing) -> str | None:
        return "寄卖品请在柜台管理。" if listing.id == locked else None

    auth.login(identifier=mobile, password=PASSWORD)
    page = client.get(f"/listings/{locked}").get_data(as_text=True)
    assert "/withdraw" in page and "managed-elsewhere" not in page
    register(app, Participant(name="counter-only", lock=counter_only))
    page = client.get(f"/listings/{locked}").get_data(as_text=True)
    assert "寄卖品请在柜台管理。" in page and "/withdraw" not in page and "/edit" not in page
