"""A flea-market day end to end: the organizer announces it, a resident applies with a listing,
the organizer approves, and the day's public page shows the stall, searchable; then the same
routine in English on a second day, with no Chinese left on its pages but what people typed."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from market.accounts.models import Role
from market.db import utcnow
from market.fleamarkets.services import china_today
from market.images.processing import save_photo
from market.listings.models import ListingPhoto
from market.orgs.models import OrgKind
from tests.builders import (
    PASSWORD,
    app_session,
    make_listing,
    make_organization,
    make_user,
    picture,
)
from tests.e2e import pages
from tests.e2e.pages import PHONE


def _english_date(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


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
        group = make_organization(
            session, name="学府街社区居委会", kind=OrgKind.FLEA_MARKET_ORGANIZER, street="学府"
        )
        organizer = make_user(
            session, role=Role.MARKET_ORGANIZER, organization=group, display_name="赵组织"
        )
        resident = make_user(session, display_name="钱摊主")
        lamp = make_listing(session, resident, title="复古黄铜台灯", description="灯泡可换")
        make_listing(session, resident, title="三层木书架")
        photo = save_photo(app.extensions["xunhuan.images"], picture((200, 160, 40)))
        session.add(ListingPhoto(listing_id=lamp.id or 0, position=0, image_key=photo))
        session.commit()
        second = make_user(session, display_name="Sun Li")
        make_listing(session, second, title="Folding bike, 20 inch", description="Rides well.")
        make_listing(session, second, title="Desk lamp", description="Warm white bulb.")
        organizer_login, resident_login = organizer.mobile or "", resident.mobile or ""
        second_login = second.mobile or ""
    # What people typed in Chinese in the first pass, and stays Chinese in English.
    chinese_data = (
        "赵组织",
        "学府街周末跳蚤市场",
        "学府街社区广场",
        "请自带桌布；不售食品。",
        "复古黄铜台灯",
        "三层木书架",
        "灯泡可换",
        "钱**",
        "钱*",
        "学府街社区居委会",
    )
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

    # The organizer switches to English with the page's button: the public page reads in English.
    untranslated: dict[str, str] = {}
    page.goto(day_url)
    pages.switch_language(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("markets-link")).to_have_text("Flea market")
    expect(page.get_by_test_id("market-date")).to_have_text(_english_date(market_date))
    expect(page.get_by_test_id("market-hours")).to_have_text("09:00–12:00 (China time)")
    expect(page.get_by_test_id("market-fee")).to_have_text("Free")
    expect(page.get_by_test_id("stall")).to_contain_text("Stall 1 · 钱**")
    expect(page.locator(".listing-card")).to_contain_text("复古黄铜台灯")
    untranslated |= pages.chinese_left(page, chinese_data)

    # The routine again in English on a second day: announce, apply, approve, show, find.
    second_date = market_date + timedelta(days=7)
    page.goto(f"{base}/markets")
    expect(page.locator("h1")).to_have_text("Flea market")
    untranslated |= pages.chinese_left(page, chinese_data)
    page.get_by_test_id("organize-link").click()
    expect(page.locator("h1")).to_have_text("My market days")
    untranslated |= pages.chinese_left(page, chinese_data)
    page.get_by_role("link", name="New market day").click()
    expect(page.locator("h1")).to_have_text("New market day")
    untranslated |= pages.chinese_left(page, chinese_data)
    page.get_by_label("Name of the market day").fill("Riverside Saturday Market")
    page.get_by_label("Date", exact=True).fill(second_date.isoformat())
    page.get_by_label("Opens at").fill("14:00")
    page.get_by_label("Closes at").fill("17:30")
    page.get_by_label("Applications close at").fill(
        f"{(second_date - timedelta(days=1)).isoformat()}T18:00"
    )
    page.get_by_label("Street").select_option("学府")
    page.get_by_label("Place").fill("Riverside Park, east gate")
    page.get_by_label("Number of stalls").fill("20")
    page.get_by_label("Stall fee (yuan)").fill("5")
    page.get_by_label("Credit grade required").select_option("N")
    page.get_by_label("Rules").fill("Bring your own table. No food.")
    page.get_by_label("Status").select_option("published")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Market day saved.")
    expect(page.get_by_test_id("approved-count")).to_have_text("0 of 20 stalls approved")
    untranslated |= pages.chinese_left(page, chinese_data)
    second_manage_url = page.url

    resident_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    seller = resident_context.new_page()
    try:
        seller.goto(f"{base}/account/login")
        pages.switch_language(seller)
        seller.get_by_label("Mobile number or e-mail").fill(second_login)
        seller.get_by_label("Password").fill(PASSWORD)
        seller.locator("form").get_by_role("button", name="Log in").click()
        seller.get_by_test_id("markets-link").click()
        untranslated |= pages.chinese_left(seller, chinese_data)
        seller.get_by_role("link", name="Riverside Saturday Market").click()
        expect(seller.get_by_test_id("market-hours")).to_have_text("14:00–17:30 (China time)")
        expect(seller.get_by_test_id("market-fee")).to_have_text("¥5")
        expect(seller.locator("dd", has_text="Riverside Park")).to_have_text(
            "Xuefu · Riverside Park, east gate"
        )
        expect(seller.locator("dd", has_text="N or better (A > B > N > C > D)")).to_be_visible()
        untranslated |= pages.chinese_left(seller, chinese_data)
        second_day_url = seller.url
        seller.get_by_role("link", name="Apply for a stall").click()
        expect(seller.locator("h1")).to_have_text("Apply for a stall")
        expect(seller.locator(".notice")).to_have_text(
            "Stall fee ¥5, paid to the organizer on arrival."
        )
        seller.get_by_role("button", name="Apply").click()
        expect(seller.get_by_test_id("apply-error")).to_have_text(
            "Please choose at least one item to bring."
        )
        untranslated |= pages.chinese_left(seller, chinese_data)
        seller.get_by_label("Folding bike, 20 inch").check()
        seller.get_by_label("Desk lamp").check()
        seller.get_by_role("button", name="Apply").click()
        expect(seller.locator(".flash")).to_have_text(
            "Stall application sent; the organizer will review it."
        )
        expect(seller.get_by_test_id("my-application")).to_contain_text("Pending")
        untranslated |= pages.chinese_left(seller, chinese_data)

        page.goto(second_manage_url)
        application = page.get_by_test_id("application")
        expect(application).to_contain_text("S*****")
        expect(application).to_contain_text("Items brought")
        expect(application).to_contain_text("Folding bike, 20 inch")
        expect(application).to_contain_text("Desk lamp")
        expect(page.get_by_test_id("application-status")).to_have_text("Pending")
        untranslated |= pages.chinese_left(page, chinese_data)
        application.get_by_label("Note (optional; the applicant is told)").fill("Arrive by 13:30")
        application.get_by_role("button", name="Approve").click()
        expect(page.locator(".flash")).to_have_text("Done: Approved.")
        expect(page.get_by_test_id("application-status")).to_have_text("Approved · Stall 1")
        expect(page.get_by_test_id("approved-count")).to_have_text("1 of 20 stalls approved")
        untranslated |= pages.chinese_left(page, chinese_data)
        page.get_by_role("link", name="Check-in").click()
        expect(page.locator("h1")).to_have_text("Riverside Saturday Market · Check-in")
        expect(page.locator(".notice")).to_have_text(
            "Check-in opens only on the market day (until closing)."
        )
        expect(page.get_by_test_id("checkin-row")).to_contain_text("S*****")
        untranslated |= pages.chinese_left(page, chinese_data)
        page.get_by_role("link", name="Report").click()
        expect(page.locator("h1")).to_have_text("Riverside Saturday Market · Report")
        expect(page.get_by_role("heading", name="Market overview")).to_be_visible()
        expect(page.get_by_test_id("report-approved")).to_have_text("1")
        untranslated |= pages.chinese_left(page, chinese_data)

        seller.get_by_test_id("notifications-link").click()
        expect(seller.get_by_test_id("notifications")).to_contain_text(
            "Your stall application for “Riverside Saturday Market” is approved: stall 1."
        )
        untranslated |= pages.chinese_left(seller, chinese_data)
        seller.goto(second_day_url)
        expect(seller.get_by_test_id("my-application")).to_contain_text(
            "Approved · Stall 1 · Arrive by 13:30"
        )
    finally:
        resident_context.close()

    # The English public page shows the stall, finds it by search, and the listing points to it.
    page.goto(second_day_url)
    stall = page.get_by_test_id("stall")
    expect(stall).to_have_count(1)
    expect(stall.locator("h3").first).to_have_text("Stall 1 · S*****")
    expect(stall.locator(".listing-card")).to_have_text(
        [re.compile("Folding bike"), re.compile("Desk lamp")]
    )
    page.screenshot(path=str(artifacts / "fleamarket-day-en.png"), full_page=True)
    untranslated |= pages.chinese_left(page, chinese_data)
    page.get_by_label("Search this market").fill("bike")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("market-search-count")).to_contain_text("“bike”: 1 stall")
    expect(page.locator(".listing-card")).to_have_count(1)
    untranslated |= pages.chinese_left(page, chinese_data)
    page.locator(".listing-card").first.click()
    expect(page.get_by_test_id("market-stall")).to_contain_text(
        "At “Riverside Saturday Market”, stall 1"
    )
    untranslated |= pages.chinese_left(page, chinese_data)
    # Every English page above had no Chinese but what people typed in.
    assert not untranslated, "\n".join(["Chinese left in English:", *untranslated.values()])
