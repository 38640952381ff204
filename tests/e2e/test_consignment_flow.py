"""A day at the consignment counter: intake for a walk-in, a tag, a sale, a payout, a statement."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from flask import Flask
from PIL import Image
from playwright.sync_api import Page, expect

from market.accounts.models import Role
from market.consignment.models import ShopProfile
from market.orgs.models import OrgKind
from tests.builders import PASSWORD, app_session, make_organization, make_user
from tests.e2e import pages


def _text_of_pdf(body: bytes, path: Path) -> str:
    assert body.startswith(b"%PDF")
    path.write_bytes(body)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    return re.sub(r"\s+", " ", out)


def test_intake_tag_counter_sale_payout_and_statement(
    app: Flask, page: Page, live_server: str, tmp_path: Path, artifacts: Path
) -> None:
    base = live_server
    with app_session(app) as session:
        shop = make_organization(session, name="学府街寄卖店", kind=OrgKind.CONSIGNMENT_SHOP,
                                 street="学府", address="南开区学府街 88 号")
        session.add(ShopProfile(organization_id=shop.id or 0, minimum_payout_fen=5_000,
                                default_rate_bp=2_500, opening_hours="周二至周日 9:30–18:00"))
        session.commit()
        staff = make_user(session, role=Role.SHOP_STAFF, organization=shop, display_name="李店员")
        staff_mobile = staff.mobile or ""
    photo = tmp_path / "desk.jpg"
    Image.new("RGB", (1200, 900), (140, 100, 60)).save(photo, "JPEG")

    # Staff log in and take in a desk for a walk-in consignor.
    pages.log_in(page, base, identifier=staff_mobile, password=PASSWORD)
    page.get_by_test_id("shop-link").click()
    expect(page.locator("h1")).to_have_text("学府街寄卖店")
    page.get_by_role("link", name="收货", exact=True).first.click()
    page.get_by_role("link", name="家具").click()
    page.get_by_label("寄卖人手机号").fill("13900001111")
    page.get_by_label("寄卖人姓名").fill("王阿姨")
    page.set_input_files("input[name=photos]", [str(photo)])
    page.get_by_label("标题").fill("实木书桌 带抽屉")
    page.get_by_label("描述").fill("桌面有轻微划痕，结构牢固。")
    page.get_by_label("价格（元）").fill("1288")
    page.get_by_role("radiogroup", name="是否全新未使用").get_by_text("已使用").click()
    page.get_by_role("radiogroup", name="表面").get_by_text("表面磨损").click()
    page.get_by_role("radiogroup", name="虫蛀").get_by_text("无").click()
    page.get_by_label("尺寸").fill("120×60×75 cm")
    page.get_by_label("材质").fill("实木贴面")
    page.get_by_label("是否有异味").select_option("no")
    expect(page.get_by_label("寄卖期（天）")).to_have_value("90")
    page.get_by_label("寄卖人已阅读并同意寄卖协议（打印后双方签字）").check()
    page.screenshot(path=str(artifacts / "consignment-intake.png"), full_page=True)
    page.get_by_role("button", name="收货并上架").click()
    expect(page.locator(".flash")).to_contain_text("已收货")
    code = page.get_by_test_id("item-code").inner_text()
    assert re.fullmatch(r"K-\d{6}", code)
    expect(page.get_by_test_id("item-status")).to_have_text("寄卖中")
    item_url = page.url

    # The tag sheet prints the code, the price and the grade.
    href = page.get_by_test_id("item-tag").get_attribute("href")
    tags = _text_of_pdf(page.request.get(f"{base}{href}").body(), tmp_path / "tags.pdf")
    for text in (code, "实木书桌", "¥1,288", "成色 Grade B", "Scan for today's price"):
        assert text in tags, text

    # The listing is public at the shop, with today's price.
    page.get_by_role("link", name="查看物品页").click()
    expect(page.get_by_test_id("consigned-price")).to_have_text("¥1,288")
    expect(page.get_by_test_id("consigned")).to_contain_text("起降至 ¥1,030")

    # A customer pays at the counter: the staff type the code (as a scanner would).
    page.goto(f"{base}/shop/counter")
    expect(page.get_by_label("寄卖编号")).to_be_focused()
    page.keyboard.type(code.lower())
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("sale-price")).to_have_text("¥1,288")
    expect(page.get_by_test_id("sale-consignor")).to_have_text("¥966")

    # The consignor's balance is paid out in cash; the statement shows the payout.
    page.goto(f"{base}/shop")
    page.get_by_role("link", name="王阿姨").click()
    expect(page.get_by_test_id("balance")).to_have_text("¥966")
    page.get_by_label("付款方式").select_option("cash")
    page.get_by_role("button", name="结清余额").click()
    expect(page.locator(".flash")).to_contain_text("已结算 ¥966.00")
    expect(page.get_by_test_id("balance")).to_have_text("¥0")
    expect(page.get_by_test_id("payouts")).to_contain_text("¥966")
    href = page.get_by_test_id("statement-pdf").get_attribute("href")
    statement = _text_of_pdf(page.request.get(f"{base}{href}").body(), tmp_path / "st.pdf")
    for text in ("寄卖对账单", "Consignor Statement", code, "现金 Cash", "已结算 Paid out ¥966",
                 "余额 Balance ¥0"):
        assert text in statement, text
    page.screenshot(path=str(artifacts / "consignment-statement.png"), full_page=True)

    # One page in English.
    page.goto(f"{base}/shop/consignors")
    pages.switch_language(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(item_url)
    expect(page.locator("dt", has_text="Status")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.screenshot(path=str(artifacts / "consignment-item-en.png"), full_page=True)
