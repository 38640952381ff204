"""The consignment pages and printed papers: access, the listing's price, PDFs in both languages."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import select

from market.clock import CHINA
from market.consignment import lifecycle, payouts, services
from market.consignment.models import ConsignmentItem, Consignor, ShopProfile
from market.listings.models import Listing
from market.orgs.models import Organization
from tests.builders import PASSWORD, app_session, make_user, picture
from tests.market.test_consignment_services import (
    staff_of_new_shop,
    take_in,
    take_in_with_code,
)
from tests.support.auth import AuthActions, csrf_token


def pdf_text(body: bytes, tmp_path: Path) -> str:
    assert body.startswith(b"%PDF")
    path = tmp_path / "doc.pdf"
    path.write_bytes(body)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"\s+", " ", out)


def test_staff_of_another_shop_get_403_and_cannot_sell(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        other = staff_of_new_shop(session)
        item = take_in(app, session, staff, now=datetime.now(UTC))
        resident = make_user(session)
        mobiles = other.mobile or "", resident.mobile or ""
    auth.login(mobiles[0], PASSWORD)
    for path in (
        f"/shop/items/{item.id}",
        f"/shop/items/{item.id}/agreement.pdf",
        f"/shop/consignors/{item.consignor_id}",
        f"/shop/consignors/{item.consignor_id}/statement.pdf",
        f"/shop/tags.pdf?item={item.id}",
    ):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/shop/counter")
    answer = client.post("/shop/counter", data={"csrf_token": token, "code": item.code})
    assert answer.status_code == 400
    assert "不是本店的寄卖品" in answer.get_data(as_text=True)
    auth.logout()
    auth.login(mobiles[1], PASSWORD)
    assert client.get("/shop").status_code == 403
    assert client.get("/shop/counter").status_code == 403
    with app_session(app) as session:
        assert session.get(ConsignmentItem, item.id).status == "on_sale"  # type: ignore[union-attr]


def test_the_listing_page_shows_todays_price_and_the_next_markdown_after_a_missed_tick(
    app: Flask, client: FlaskClient
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff, now=datetime.now(UTC) - timedelta(days=35))
    html = client.get(f"/listings/{item.listing_id}").get_data(as_text=True)
    assert "¥1,030" in html and "¥1,288" not in html
    assert item.code in html
    next_day = (item.intake_at + timedelta(days=60)).astimezone(CHINA).date()
    assert f"{next_day.isoformat()} 起降至 ¥772" in html
    with app_session(app) as session:  # the page computes it; the tick stores it
        assert session.get(Listing, item.listing_id).price_fen == 128_800  # type: ignore[union-attr]
    assert app.test_cli_runner().invoke(args=["consignment", "tick"]).exit_code == 0
    with app_session(app) as session:
        assert session.get(Listing, item.listing_id).price_fen == 103_000  # type: ignore[union-attr]


def test_the_tick_command_marks_down_and_reindexes(app: Flask, runner: FlaskCliRunner) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff, now=datetime.now(UTC) - timedelta(days=31))
    result = runner.invoke(args=["consignment", "tick"])
    assert result.exit_code == 0 and "updated 1" in result.output
    index = app.extensions["xunhuan.search"]
    index.refresh()
    assert index.search("", max_price=110_000).total == 1  # indexed at the marked-down price
    with app_session(app) as session:
        assert session.get(Listing, item.listing_id).price_fen == 103_000  # type: ignore[union-attr]


def test_agreement_tags_and_statement_read_in_chinese_and_english(
    app: Flask, client: FlaskClient, auth: AuthActions, tmp_path: Path
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session, address="南开区学府街 88 号")
        profile = session.get(ShopProfile, staff.organization_id)
        assert profile is not None
        profile.opening_hours = "周二至周日 9:30–18:00"
        session.add(profile)
        session.commit()
        item = take_in(app, session, staff, now=datetime.now(UTC))
        lifecycle.sell_at_counter(session=session, staff=staff, item_id=item.id or 0)
        payouts.pay_out(
            session=session,
            staff=staff,
            consignor_id=item.consignor_id,
            method="transfer",
            reference="WX2026-0001",
        )
        mobile = staff.mobile or ""
    auth.login(mobile, PASSWORD)

    agreement = pdf_text(client.get(f"/shop/items/{item.id}/agreement.pdf").data, tmp_path)
    for text in (
        "寄卖协议",
        "Consignment Agreement",
        item.code,
        "王阿姨",
        "实木书桌",
        "¥1,288",
        "第 30 天起 from day 30: 80%",
        "退还寄卖人 Returned to the consignor",
        "寄卖人签字 Consignor signature",
        "本店签章 Shop signature",
        "周二至周日",
    ):
        assert text in agreement, text

    tags = pdf_text(client.get(f"/shop/tags.pdf?item={item.id}").data, tmp_path)
    for text in (item.code, "实木书桌", "成色 Grade B", "扫码看现价 Scan for today's price"):
        assert text in tags, text

    statement = pdf_text(
        client.get(f"/shop/consignors/{item.consignor_id}/statement.pdf").data, tmp_path
    )
    for text in (
        "寄卖对账单",
        "Consignor Statement",
        item.code,
        "已售出 Sold",
        "¥322",
        "¥966",
        "转账 Transfer",
        "WX2026-0001",
        "余额 Balance ¥0",
    ):
        assert text in statement, text


def test_the_public_shop_page_shows_the_profile(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session, address="南开区学府街 88 号")
        profile = session.get(ShopProfile, staff.organization_id)
        assert profile is not None
        profile.opening_hours, profile.description = "周一休息", "社区寄卖，欢迎光临。"
        session.add(profile)
        session.commit()
        org_id = staff.organization_id
    html = client.get(f"/orgs/{org_id}").get_data(as_text=True)
    assert "周一休息" in html and "社区寄卖，欢迎光临。" in html
    assert "南开区学府街 88 号" in html and "学府" in html
    assert re.search(r'data-testid="staff-count">\s*1 人', html)


def test_intake_shows_the_claim_code_once_and_prints_it_on_the_agreement(
    app: Flask, client: FlaskClient, auth: AuthActions, tmp_path: Path
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        mobile = staff.mobile or ""
    auth.login(mobile, PASSWORD)
    token = csrf_token(client, "/shop/intake/家具")
    shop = {"mode": "sell", "street": "学府", "venue": f"shop:{staff.organization_id}"}
    answer = client.post(
        "/shop/intake/家具",
        content_type="multipart/form-data",
        data={
            "csrf_token": token,
            "title": "实木书桌",
            "description": "桌面轻微划痕。",
            "price": "1288",
            "q_new": "used",
            "q_surface": "wear",
            "q_pests": "no",
            "d_dimensions": "120×60×75 cm",
            "d_material": "实木",
            "d_odour": "no",
            "consignor_mobile": "13900001111",
            "consignor_name": "王阿姨",
            "term_days": "90",
            "steps": "30:80, 60:60",
            "end_action": "return",
            "accepted": "y",
            "photos": (io.BytesIO(picture()), "desk.jpg"),
            **shop,
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    html = client.get(answer.headers["Location"]).get_data(as_text=True)
    code = re.search(r'data-testid="claim-code">([A-Z0-9]{4}-[A-Z0-9]{4})<', html)
    assert code is not None
    with app_session(app) as session:
        item = session.exec(select(ConsignmentItem)).one()
        consignor = session.get(Consignor, item.consignor_id)
        assert consignor is not None and consignor.claim_code_hash is not None
        assert consignor.user_id is None
    agreement = pdf_text(client.get(f"/shop/items/{item.id}/agreement.pdf").data, tmp_path)
    for text in ("认领码 Claim code", code.group(1), "My consignments"):
        assert text in agreement, text
    # Another member of staff (another session) never sees it: the shop keeps only a hash.
    auth.logout()
    with app_session(app) as session:
        colleague = make_user(
            session,
            role=staff.role_enum,
            organization=session.get(Organization, staff.organization_id),
        )
        colleague_mobile = colleague.mobile or ""
    auth.login(colleague_mobile, PASSWORD)
    assert code.group(1) not in client.get(f"/shop/items/{item.id}").get_data(as_text=True)
    reprint = pdf_text(client.get(f"/shop/items/{item.id}/agreement.pdf").data, tmp_path)
    assert code.group(1) not in reprint


def test_a_resident_links_a_walk_in_record_with_the_claim_code(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        taken = take_in_with_code(app, session, staff, now=datetime.now(UTC))
        lifecycle.sell_at_counter(session=session, staff=staff, item_id=taken.item.id or 0)
        resident = make_user(session)
        mobile = resident.mobile or ""
    code = taken.claim_code or ""
    auth.login(mobile, PASSWORD)
    page = client.get("/my/consignments").get_data(as_text=True)
    assert "关联寄卖记录" in page and taken.item.code not in page
    token = csrf_token(client, "/my/consignments")
    refused = client.post("/my/consignments", data={"csrf_token": token, "code": "AAAA-BBBB"})
    assert refused.status_code == 400
    assert "认领码不正确或已使用" in refused.get_data(as_text=True)
    linked = client.post(
        "/my/consignments", data={"csrf_token": token, "code": code.lower()}, follow_redirects=True
    )
    html = linked.get_data(as_text=True)
    assert "已关联您在" in html and taken.item.code in html and "¥966" in html
    again = client.post("/my/consignments", data={"csrf_token": token, "code": code})
    assert again.status_code == 400 and "认领码不正确或已使用" in again.get_data(as_text=True)


def test_claim_attempts_are_rate_limited_per_user(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        taken = take_in_with_code(app, session, staff)
        mobile = make_user(session).mobile or ""
    auth.login(mobile, PASSWORD)
    token = csrf_token(client, "/my/consignments")
    for _ in range(10):
        answer = client.post("/my/consignments", data={"csrf_token": token, "code": "AAAA-BBBB"})
        assert answer.status_code == 400
    blocked = client.post(
        "/my/consignments", data={"csrf_token": token, "code": taken.claim_code or ""}
    )
    assert blocked.status_code == 429
    with app_session(app) as session:
        assert session.get(Consignor, taken.item.consignor_id).user_id is None  # type: ignore[union-attr]
    assert client.get("/my/consignments").status_code == 200  # reading is not limited


def test_staff_unlink_a_wrong_link_and_get_a_new_code(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        taken = take_in_with_code(app, session, staff)
        services.claim_with_code(
            session=session, user=make_user(session), code=taken.claim_code or ""
        )
        mobile = staff.mobile or ""
    consignor_id = taken.item.consignor_id
    auth.login(mobile, PASSWORD)
    token = csrf_token(client, f"/shop/consignors/{consignor_id}")
    done = client.post(
        f"/shop/consignors/{consignor_id}/unlink", data={"csrf_token": token}, follow_redirects=True
    )
    fresh = re.search(r"新的认领码：([A-Z0-9]{4}-[A-Z0-9]{4})", done.get_data(as_text=True))
    assert fresh is not None
    with app_session(app) as session:
        assert session.get(Consignor, consignor_id).user_id is None  # type: ignore[union-attr]
    assert client.post(f"/shop/consignors/{consignor_id}/unlink").status_code == 400  # no CSRF


def test_a_non_finite_shop_rule_is_refused_on_the_profile_page(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        mobile = staff.mobile or ""
    auth.login(mobile, PASSWORD)
    token = csrf_token(client, "/shop/profile")
    answer = client.post(
        "/shop/profile",
        data={
            "csrf_token": token,
            "minimum_payout": "50",
            "default_rate": "25",
            "tiers": "500:nan",
            "term_days": "90",
            "steps": "30:80",
            "end_action": "return",
        },
    )
    assert answer.status_code == 400
    assert "分成规则格式不对" in answer.get_data(as_text=True)
    with app_session(app) as session:
        profile = session.get(ShopProfile, staff.organization_id)
        assert profile is not None and profile.tiers == []
