"""A flea-market day end to end: the organizer announces it, a resident applies with a listing,
the organizer approves, and the day's public page shows the stall (searchable, in English too)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from market.accounts.models import Role
from market.db import utcnow
from market.fleamarkets.services import china_today
from market.images.processing import save_photo
from market.listings.models import ListingPhoto
from tests.builders import PASSWORD, app_session, make_listing, make_user, picture
from tests.e2e import pages
from tests.e2e.conftest import PHONE


def _announce(page: Page, base: str, *, day: str, deadline: str) -> None:
    """Fill the organizer's form for a market day, in Chinese."""
    page.goto(f"{base}/markets")
    page.get_by_test_id("organize-link").click()
    page.get_by_role("link", name="新建市集").click()
    page.get_by_label("市集名称").fill("学府街周末跳蚤市场")
    page.get_by_label("日期", exact=True).fill(day)
    page.get_by_label("开市时间").fill("09:00")
    page.get_by_label("收市时间").fill("12:00")
    page.get_by_label("申请截止时间").fill(deadline)
    page.get_by_label("街道").select_option("学府")
    page.get_by_label("举办地点").fill("学府街社区广场")
    page.get_by_label("摊位数").fill("30")
    page.get_by_label("摊位费（元）").fill("0")
    page.get_by_label("信用等级要求").select_option("N")
    page.get_by_label("规则").fill("请自带桌布；不售食品。")
    page.get_by_label("状态").select_option("published")
    page.get_by_role("button", name="保存").click()


def test_announce_apply_approve_and_show_the_stall(
    app: Flask, page: Page, browser: Browser, live_server: str, artifacts: Path
) -> None:
    base = live_server
    with app.app_context(), app_session(app) as session:
        organizer = make_user(session, role=Role.MARKET_ORGANIZER, display_name="赵组织")
        resident = make_user(session, display_name="钱摊主")
        lamp = make_listing(session, resident, title="复古黄铜台灯", description="灯泡可换")
        make_listing(session, resident, title="三层木书架")
        photo = save_photo(app.extensions["xunhuan.images"], picture((200, 160, 40)))
        session.add(ListingPhoto(listing_id=lamp.id or 0, position=0, image_key=photo))
        session.commit()
        organizer_login, resident_login = organizer.mobile or "", resident.mobile or ""
    market_date = china_today(utcnow()) + timedelta(days=10)
    deadline = f"{(market_date - timedelta(days=2)).isoformat()}T20:00"

    # The organizer announces the day from a phone.
    pages.log_in(page, base, identifier=organizer_login, password=PASSWORD)
    _announce(page, base, day=market_date.isoformat(), deadline=deadline)
    expect(page.locator(".flash")).to_contain_text("市集已保存")
    expect(page.get_by_test_id("approved-count")).to_contain_text("已批准 0 / 30 个摊位")
    manage_url = page.url

    # A resident finds it, applies with one of their listings.
    resident_context = browser.new_context(
        viewport={"width": PHONE["width"], "height": PHONE["height"]},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    seller = resident_context.new_page()
    try:
        pages.log_in(seller, base, identifier=resident_login, password=PASSWORD)
        seller.get_by_test_id("markets-link").click()
        seller.get_by_role("link", name="学府街周末跳蚤市场").click()
        expect(seller.get_by_test_id("market-hours")).to_contain_text("09:00–12:00")
        expect(seller.get_by_test_id("market-fee")).to_have_text("免费")
        day_url = seller.url
        seller.get_by_role("link", name="申请摊位").click()
        seller.get_by_role("button", name="提交申请").click()
        expect(seller.get_by_test_id("apply-error")).to_contain_text("请至少选择一件要带去的物品")
        seller.get_by_label("复古黄铜台灯").check()
        seller.get_by_role("button", name="提交申请").click()
        expect(seller.locator(".flash")).to_contain_text("已提交摊位申请")
        expect(seller.get_by_test_id("my-application")).to_contain_text("待审核")

        # The organizer approves; the resident is told and sees stall 1.
        page.goto(manage_url)
        application = page.get_by_test_id("application")
        expect(application).to_contain_text("钱*")
        expect(application).to_contain_text("复古黄铜台灯")
        application.get_by_label("备注（可选，会告知申请人）").fill("请8:30前到场")
        application.get_by_role("button", name="批准").click()
        expect(page.get_by_test_id("application-status")).to_contain_text("第 1 号摊位")
        page.screenshot(path=str(artifacts / "fleamarket-organizer.png"), full_page=True)

        seller.goto(f"{base}/notifications")
        expect(seller.locator("main")).to_contain_text("第 1 号摊位")
        seller.goto(day_url)
        expect(seller.get_by_test_id("my-application")).to_contain_text("第 1 号摊位")
    finally:
        resident_context.close()

    # The public page shows the stall with its listing, masked holder, and finds it by search.
    page.goto(day_url)
    stall = page.get_by_test_id("stall")
    expect(stall).to_have_count(1)
    expect(stall).to_contain_text("第 1 号摊位 · 钱**")
    expect(stall.locator(".listing-card")).to_contain_text("复古黄铜台灯")
    page.get_by_label("在本场市集中搜索").fill("黄铜")
    page.get_by_role("search").get_by_role("button", name="搜索").click()
    expect(page.get_by_test_id("market-search-count")).to_contain_text("1 个摊位")
    expect(page.locator(".listing-card")).to_have_count(1)
    page.get_by_label("在本场市集中搜索").fill("自行车")
    page.get_by_role("search").get_by_role("button", name="搜索").click()
    expect(page.locator(".listing-card")).to_have_count(0)
    page.goto(day_url)
    page.screenshot(path=str(artifacts / "fleamarket-day-zh.png"), full_page=True)

    # The listing's own page points to its stall while the day is ahead.
    page.locator(".listing-card").first.click()
    expect(page.get_by_test_id("market-stall")).to_contain_text("第 1 号摊位")

    # The same public page in English.
    page.goto(day_url)
    pages.switch_language(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("markets-link")).to_have_text("Flea market")
    expect(page.get_by_test_id("market-date")).to_have_text(
        f"{market_date:%b} {market_date.day}, {market_date.year}"
    )
    expect(page.locator(".listing-card")).to_contain_text("复古黄铜台灯")
    page.screenshot(path=str(artifacts / "fleamarket-day-en.png"), full_page=True)
