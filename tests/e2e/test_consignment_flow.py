"""A day at the consignment counter: intake for a walk-in, a tag, a sale, a payout, a statement;
then the same routine in English, for a consignor who links the record to their account with the
claim code and follows the sale on their own page; no Chinese is left on those pages but what
people typed in."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from market.accounts.models import Role
from market.consignment.models import ShopProfile
from market.orgs.models import OrgKind
from tests.builders import PASSWORD, app_session, make_organization, make_user
from tests.e2e import pages
from tests.e2e.pages import PHONE


def _text_of_pdf(body: bytes, path: Path) -> str:
    assert body.startswith(b"%PDF")
    path.write_bytes(body)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"\s+", " ", out)


def test_intake_tag_counter_sale_payout_and_statement(
    app: Flask, page: Page, browser: Browser, live_server: str, tmp_path: Path, artifacts: Path
) -> None:
    base = live_server
    with app_session(app) as session:
        shop = make_organization(
            session,
            name="学府街寄卖店",
            kind=OrgKind.CONSIGNMENT_SHOP,
            street="学府",
            address="南开区学府街 88 号",
        )
        session.add(
            ShopProfile(
                organization_id=shop.id or 0,
                minimum_payout_fen=5_000,
                default_rate_bp=2_500,
                opening_hours="周二至周日 9:30–18:00",
            )
        )
        session.commit()
        staff = make_user(session, role=Role.SHOP_STAFF, organization=shop, display_name="李店员")
        staff_mobile = staff.mobile or ""
        resident_mobile = make_user(session, display_name="Chen").mobile or ""
    shop_data = ("学府街寄卖店", "南开区学府街 88 号", "周二至周日 9:30–18:00", "李店员", "李**")
    first_item = ("王阿姨", "实木书桌 带抽屉")
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
    # The walk-in is told their one-time claim code (the shop keeps only its hash).
    claim_format = re.compile(r"^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$")
    expect(page.get_by_test_id("claim-code")).to_have_text(claim_format)

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
    expect(page.locator(".flash")).to_contain_text("已结算 ¥966。")  # whole yuan, as pages show it
    expect(page.get_by_test_id("balance")).to_have_text("¥0")
    expect(page.get_by_test_id("payouts")).to_contain_text("¥966")
    href = page.get_by_test_id("statement-pdf").get_attribute("href")
    statement = _text_of_pdf(page.request.get(f"{base}{href}").body(), tmp_path / "st.pdf")
    for text in (
        "寄卖对账单",
        "Consignor Statement",
        code,
        "现金 Cash",
        "已结算 Paid out ¥966",
        "余额 Balance ¥0",
    ):
        assert text in statement, text
    page.screenshot(path=str(artifacts / "consignment-statement.png"), full_page=True)

    # The same routine again in English, switched with the page's language button, on a second
    # item for a consignor who has an account.
    untranslated: dict[str, str] = {}
    page.goto(f"{base}/shop/consignors")
    pages.switch_language(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Consignors and payouts")
    expect(page.get_by_role("columnheader", name="Balance")).to_be_visible()
    untranslated |= pages.chinese_left(page, shop_data + first_item)
    page.get_by_role("link", name="Today", exact=True).click()
    expect(page.get_by_role("heading", name="Sold today (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Taken in today (1)")).to_be_visible()
    untranslated |= pages.chinese_left(page, shop_data + first_item)
    page.get_by_role("link", name="Intake", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Intake: choose a category")
    untranslated |= pages.chinese_left(page, shop_data)
    page.get_by_role("link", name="Furniture").click()
    expect(page.locator("h1")).to_have_text("Intake")
    untranslated |= pages.chinese_left(page, shop_data)
    page.get_by_label("Consignor's mobile").fill(resident_mobile)
    page.get_by_label("Consignor's name").fill("Chen Jing")
    page.set_input_files("input[name=photos]", [str(photo)])
    page.get_by_label("Title").fill("Oak bookshelf, five shelves")
    page.get_by_label("Description").fill("Sturdy, a few scratches on the side.")
    page.get_by_label("Price (¥)").fill("800")
    page.get_by_role("radiogroup", name="Brand new and unused?").get_by_text(
        "Used", exact=True
    ).click()
    page.get_by_role("radiogroup", name="Surface").get_by_text("Surface wear", exact=True).click()
    page.get_by_role("radiogroup", name="Insect damage").get_by_text("None", exact=True).click()
    page.get_by_label("Dimensions").fill("80×30×180 cm")
    page.get_by_label("Material").fill("Oak")
    page.get_by_label("Any odors?").select_option("no")
    expect(page.get_by_label("Term (days)")).to_have_value("90")
    page.get_by_label(
        "The consignor read and accepted the agreement (both sign the printout)"
    ).check()
    page.get_by_role("button", name="Take in and list").click()
    code_en = page.get_by_test_id("item-code").inner_text()
    expect(page.locator(".flash")).to_have_text(
        f"Taken in: {code_en}. Print the agreement for both to sign, and attach the tag."
    )
    expect(page.get_by_test_id("item-status")).to_have_text("On sale")
    expect(page.locator("dt", has_text="Status")).to_be_visible()
    untranslated |= pages.chinese_left(page, shop_data)
    page.screenshot(path=str(artifacts / "consignment-item-en.png"), full_page=True)

    claim_code = page.get_by_test_id("claim-code").inner_text()

    # The printed agreement (with the walk-in's claim code) and tag carry their English text.
    href = page.get_by_role("link", name="Print agreement").get_attribute("href")
    agreement = _text_of_pdf(page.request.get(f"{base}{href}").body(), tmp_path / "agr.pdf")
    for text in (
        "寄卖协议",
        "Consignment Agreement",
        code_en,
        "Oak bookshelf",
        "List price ¥800",
        "Markdown schedule",
        "Shop's share",
        "Consignor signature",
        "Minimum payout ¥50",
        f"Claim code {claim_code}",
        "enter this code under My consignments",
    ):
        assert text in agreement, text
    href = page.get_by_test_id("item-tag").get_attribute("href")
    tag = _text_of_pdf(page.request.get(f"{base}{href}").body(), tmp_path / "tag-en.pdf")
    for text in (
        code_en,
        "Oak bookshelf",
        "¥800",
        "Grade B",
        "Markdowns: 30天/days: 80%",
        "Scan for today's price",
    ):
        assert text in tag, text

    # The public listing shows today's price and the next markdown in English.
    page.get_by_role("link", name="View listing").click()
    expect(page.get_by_test_id("consigned")).to_contain_text(f"Consigned item {code_en}")
    expect(page.get_by_test_id("consigned-price")).to_have_text("¥800")
    expect(page.get_by_test_id("consigned")).to_contain_text(
        re.compile(r"From \d{4}-\d{2}-\d{2}: ¥640")
    )
    untranslated |= pages.chinese_left(page, shop_data)

    with browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True) as context:
        # The consignor, in English, links the record to their account with the claim code.
        mine = context.new_page()
        mine.goto(f"{base}/account/login")
        pages.switch_language(mine)
        mine.get_by_label("Mobile number or e-mail").fill(resident_mobile)
        mine.get_by_label("Password").fill(PASSWORD)
        mine.locator("form").get_by_role("button", name="Log in").click()
        mine.goto(f"{base}/account/profile")
        mine.get_by_test_id("my-consignments-link").click()
        expect(mine.locator("h1")).to_have_text("My consignments")
        untranslated |= pages.chinese_left(mine, shop_data)
        claim = mine.get_by_test_id("claim-form")
        claim.get_by_role("textbox").fill(claim_code)
        claim.get_by_role("button").click()
        expect(mine.get_by_role("cell", name="Oak bookshelf, five shelves")).to_be_visible()
        expect(mine.get_by_role("cell", name="On sale", exact=True)).to_be_visible()
        untranslated |= pages.chinese_left(mine, shop_data)

        # Sold at the counter, then paid out by transfer.
        page.goto(f"{base}/shop/counter")
        expect(page.locator("h1")).to_have_text("Counter")
        expect(page.get_by_label("Item code")).to_be_focused()
        page.keyboard.type(code_en)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name=f"Sold: {code_en}")).to_be_visible()
        expect(page.get_by_test_id("sale-price")).to_have_text("¥800")
        expect(page.get_by_test_id("sale-consignor")).to_have_text("¥600")
        expect(page.locator("dt", has_text="Consignor's share")).to_be_visible()
        untranslated |= pages.chinese_left(page, shop_data)
        page.get_by_role("link", name="Consignors and payouts").click()
        page.get_by_role("link", name="Chen Jing").click()
        expect(page.get_by_test_id("balance")).to_have_text("¥600")
        page.get_by_label("Payment method").select_option("transfer")
        page.get_by_label("Transfer reference").fill("TX-2026-0042")
        page.get_by_role("button", name="Pay out the balance").click()
        expect(page.locator(".flash")).to_have_text("Paid out ¥600.")
        expect(page.get_by_test_id("balance")).to_have_text("¥0")
        expect(page.get_by_test_id("payouts")).to_contain_text("Transfer")
        expect(page.get_by_test_id("payouts")).to_contain_text("TX-2026-0042")
        untranslated |= pages.chinese_left(page, shop_data)
        href = page.get_by_test_id("statement-pdf").get_attribute("href")
        statement = _text_of_pdf(page.request.get(f"{base}{href}").body(), tmp_path / "st-en.pdf")
        for text in (
            "Consignor Statement",
            "Chen Jing",
            code_en,
            "Sold",
            "Transfer",
            "TX-2026-0042",
            "Paid out ¥600",
            "Balance ¥0",
        ):
            assert text in statement, text

        # The consignor is told of the sale and sees it, and the payout, on their own page.
        mine.get_by_test_id("notifications-link").click()
        told = (
            f"Your consigned item {code_en} has sold; your share of ¥600 was added to your balance."
        )
        expect(mine.get_by_test_id("notifications")).to_contain_text(told)
        untranslated |= pages.chinese_left(mine, shop_data)
        mine.get_by_role("link", name=told).click()
        expect(mine.locator("h1")).to_have_text("My consignments")
        expect(mine.get_by_role("cell", name="Sold", exact=True)).to_be_visible()
        expect(mine.get_by_test_id("paid")).to_have_text("¥600")
        expect(mine.get_by_test_id("balance")).to_have_text("¥0")
        untranslated |= pages.chinese_left(mine, shop_data)
    # Every English page above had no Chinese but what people typed in.
    assert not untranslated, "\n".join(["Chinese left in English:", *untranslated.values()])
