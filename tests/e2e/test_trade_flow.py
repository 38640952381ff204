from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.e2e import pages
from tests.e2e.pages import PHONE

PASSWORD = "tianjin-nankai-8"


def _photo_with_gps(path: Path, color: tuple[int, int, int]) -> str:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (39.0, 7.0, 30.0), 3: "E", 4: (117.0, 9.0, 45.0)}
    Image.new("RGB", (1200, 900), color).save(path, "JPEG", exif=exif)
    return str(path)


def test_list_find_reserve_message_confirm_and_rate(
    app: Flask, page: Page, browser: Browser, live_server: str, tmp_path: Path, artifacts: Path
) -> None:
    base = live_server
    photos = [_photo_with_gps(tmp_path / f"desk{i}.jpg", (30 + 80 * i, 120, 90)) for i in range(2)]

    # The seller lists a desk from a phone.
    pages.register(
        page, base, identifier="13811112222", name="陈卖家", street="学府", password=PASSWORD
    )
    pages.publish_furniture(page, base, title="实木书桌 带抽屉", photos=photos)
    expect(page.locator(".flash")).to_contain_text("已发布")
    expect(page.locator("h1")).to_have_text("实木书桌 带抽屉")
    expect(page.locator(".listing .photos img")).to_have_count(2)
    page.screenshot(path=str(artifacts / "listing-phone.png"), full_page=True)
    listing_url = page.url

    # Its photos carry no EXIF, GPS above all.
    for src in page.locator(".listing .photos img").evaluate_all("els => els.map(e => e.src)"):
        body = page.request.get(src).body()
        image = Image.open(io.BytesIO(body))
        assert not image.getexif() and "exif" not in image.info

    # A neighbour finds it by a two-character Chinese word and reserves it.
    buyer_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    buyer = buyer_context.new_page()
    try:
        pages.register(
            buyer, base, identifier="13833334444", name="刘买家", street="华苑", password=PASSWORD
        )
        pages.search(buyer, base, "书桌")
        expect(buyer.get_by_test_id("result-count")).to_contain_text("共 1 件")
        expect(buyer.locator(".listing-card mark").first).to_have_text("书桌")
        buyer.locator(".listing-card").first.click()
        buyer.get_by_role("button", name="我想要").click()
        expect(buyer.locator(".flash")).to_contain_text("预订成功")
        buyer.get_by_label("消息").fill("周六下午三点方便吗？")
        buyer.get_by_role("button", name="发送").click()
        expect(buyer.locator(".messages")).to_contain_text("周六下午三点方便吗？")

        # The seller sees one unread message, answers, and both confirm the handover.
        page.goto(base)
        expect(page.get_by_test_id("reservations-link").locator(".badge")).to_have_text("1")
        page.get_by_test_id("reservations-link").click()
        page.get_by_role("link", name="实木书桌 带抽屉").click()
        expect(page.locator(".messages")).to_contain_text("周六下午三点方便吗？")
        page.get_by_label("消息").fill("可以，学府街社区门口见。")
        page.get_by_role("button", name="发送").click()
        page.get_by_role("button", name="确认已交接").click()
        expect(page.get_by_text("您已确认交接，等待对方确认。")).to_be_visible()

        buyer.reload()
        expect(buyer.locator(".messages")).to_contain_text("学府街社区门口见")
        buyer.get_by_role("button", name="确认已交接").click()
        expect(buyer.get_by_test_id("reservation-status")).to_have_text("已成交")

        # Both rate each other once.
        buyer.get_by_text("5 ★").click()
        buyer.get_by_label("评价").fill("桌子很好，卖家守时。")
        buyer.get_by_role("button", name="提交评价").click()
        expect(buyer.get_by_text("您已评价，谢谢！")).to_be_visible()
        page.reload()
        page.get_by_text("4 ★").click()
        page.get_by_role("button", name="提交评价").click()
        expect(page.get_by_text("您已评价，谢谢！")).to_be_visible()
        buyer.screenshot(path=str(artifacts / "trade-completed.png"), full_page=True)

        # The listing is sold, no longer found, and the seller's profile counts the trade.
        buyer.goto(listing_url)
        expect(buyer.locator(".listing .status")).to_have_text("已成交")
        pages.search(buyer, base, "书桌")
        expect(buyer.get_by_test_id("result-count")).to_contain_text("共 0 件")
        buyer.goto(listing_url)
        buyer.get_by_role("link", name="陈*").click()
        expect(buyer.get_by_test_id("trades-count")).to_have_text("1")
    finally:
        buyer_context.close()
