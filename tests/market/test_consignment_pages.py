"""The consignment pages and printed papers: access, the listing's price, PDFs in both languages."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from market.consignment import lifecycle, payouts
from market.consignment.models import ConsignmentItem, ShopProfile
from market.listings.models import Listing
from tests.builders import PASSWORD, app_session, make_user
from tests.conftest import AuthActions, csrf_token
from tests.market.test_consignment_services import staff_of_new_shop, take_in


def pdf_text(body: bytes, tmp_path: Path) -> str:
    assert body.startswith(b"%PDF")
    path = tmp_path / "doc.pdf"
    path.write_bytes(body)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
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
    for path in (f"/shop/items/{item.id}", f"/shop/items/{item.id}/agreement.pdf",
                 f"/shop/consignors/{item.consignor_id}",
                 f"/shop/consignors/{item.consignor_id}/statement.pdf",
                 f"/shop/tags.pdf?item={item.id}"):
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
    next_day = (item.intake_at + timedelta(days=60)).astimezone(lifecycle.terms.SHOP_TZ).date()
    assert f"{next_day.isoformat()} 起降至 ¥772" in html
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
        payouts.pay_out(session=session, staff=staff, consignor_id=item.consignor_id,
                        method="transfer", reference="WX2026-0001")
        mobile = staff.mobile or ""
    auth.login(mobile, PASSWORD)

    agreement = pdf_text(client.get(f"/shop/items/{item.id}/agreement.pdf").data, tmp_path)
    for text in ("寄卖协议", "Consignment Agreement", item.code, "王阿姨", "实木书桌", "¥1,288",
                 "第 30 天起 from day 30: 80%", "退还寄卖人 Returned to the consignor",
                 "寄卖人签字 Consignor signature", "本店签章 Shop signature", "周二至周日"):
        assert text in agreement, text

    tags = pdf_text(client.get(f"/shop/tags.pdf?item={item.id}").data, tmp_path)
    for text in (item.code, "实木书桌", "成色 Grade B", "扫码看现价 Scan for today's price"):
        assert text in tags, text

    statement = pdf_text(
        client.get(f"/shop/consignors/{item.consignor_id}/statement.pdf").data, tmp_path
    )
    for text in ("寄卖对账单", "Consignor Statement", item.code, "已售出 Sold", "¥322", "¥966",
                 "转账 Transfer", "WX2026-0001", "余额 Balance ¥0"):
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
