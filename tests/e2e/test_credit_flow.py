"""Issue 5 end to end: a regulator confirms a finding, the seller's grade drops to C, the seller
appeals, the regulator voids the record, and the grade recovers; on phones, in Chinese."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from credit.events import CreditEvent
from market.accounts.models import Role
from market.credit import services as credit
from market.db import utcnow
from tests.builders import PASSWORD, app_session, make_user
from tests.e2e import pages
from tests.e2e.pages import PHONE

SELLER_MOBILE = "13822223333"
STATEMENT = "实物与描述一致，交接时买家当面验货无异议。"


def _seller_with_an_a(app: Flask) -> None:
    """Twenty-five clean trades from distinct buyers, through the ledger's one entry point."""
    with app_session(app) as session:
        seller = make_user(session, display_name="陈卖家", identifier=SELLER_MOBILE)
        subject = credit.user_subject(seller.id or 0, credit.key_from_config(app.config))
        when = utcnow() - timedelta(days=20)
        trades = [
            CreditEvent(
                subject=subject,
                kind="trade_completed",
                weight=None,
                source="xunhuan",
                counterparty="p:" + hashlib.sha256(f"e2e-buyer-{i}".encode()).hexdigest(),
                occurred_at=when,
                evidence=f"e2e:{i}",
                event_id=f"e2e:trade:{i}",
            )
            for i in range(25)
        ]
        credit.append_events(session, [(e, None) for e in trades])
        session.commit()


def test_confirm_appeal_void_and_recover(
    app: Flask, page: Page, browser: Browser, live_server: str, artifacts: Path
) -> None:
    base = live_server
    _seller_with_an_a(app)
    with app_session(app) as session:
        regulator = make_user(session, role=Role.REGULATOR, display_name="周监管")
        regulator_mobile = regulator.mobile or ""

    # The regulator finds the seller: masked until opened with a reason.
    pages.log_in(page, base, identifier=regulator_mobile, password=PASSWORD)
    page.get_by_test_id("regulator-link").click()
    expect(page.locator("h1")).to_have_text("监管工作台")
    page.get_by_label("查找信用主体").fill(SELLER_MOBILE)
    page.get_by_role("button", name="查找").click()
    result = page.get_by_test_id("search-results").get_by_role("link")
    expect(result).to_contain_text("陈**")
    expect(result).to_contain_text("138****3333")
    result.click()
    expect(page.get_by_test_id("subject-name")).to_have_text("陈**")
    expect(page.get_by_test_id("credit-grade")).to_have_text("A")
    opening = page.get_by_test_id("open-form")
    opening.get_by_label("理由").fill("核查买家投诉 2026-301 号")
    opening.get_by_role("button", name="查看完整信息").click()
    expect(page.get_by_test_id("subject-name")).to_have_text("陈卖家")
    expect(page.get_by_test_id("subject-mobile")).to_have_text(SELLER_MOBILE)
    expect(page.get_by_test_id("access-open")).to_contain_text("核查买家投诉 2026-301 号")

    # ... opens an ordinary misdescription finding and confirms it.
    finding = page.get_by_test_id("finding-form")
    finding.get_by_label("失信等级").select_option("ordinary")
    finding.get_by_label("认定类别").select_option("misdescription")
    finding.get_by_label("公示期（月）").fill("6")
    finding.get_by_label("案卷编号").fill("南开市监〔2026〕301号")
    finding.get_by_label("理由").fill("照片与实物不符，买家提供了开箱视频")
    finding.get_by_role("button", name="立案").click()
    expect(page.locator(".flash")).to_contain_text("已立案")
    expect(page.get_by_test_id("record-status")).to_have_text("待确认")
    expect(page.get_by_test_id("credit-grade")).to_have_text("A")
    pending = page.get_by_test_id("decide-pending")
    pending.get_by_label("理由").fill("复核开箱视频，货不对板属实")
    pending.get_by_role("button", name="确认认定").click()
    expect(page.locator(".flash")).to_contain_text("认定已确认")
    expect(page.get_by_test_id("record-status")).to_have_text("公示中")
    expect(page.get_by_test_id("credit-grade")).to_have_text("C")
    page.screenshot(path=str(artifacts / "regulator-subject-phone.png"), full_page=True)

    # The seller sees grade C and the record, and appeals within 15 days.
    seller_context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    seller = seller_context.new_page()
    try:
        pages.log_in(seller, base, identifier=SELLER_MOBILE, password=PASSWORD)
        seller.get_by_role("link", name="我的信用").click()
        expect(seller.get_by_test_id("credit-grade")).to_have_text("C")
        record = seller.get_by_test_id("record")
        expect(record).to_contain_text("一般失信 · 货不对板")
        expect(record.get_by_test_id("record-status")).to_have_text("公示中")
        record.get_by_role("link", name="申诉").click()
        seller.get_by_label("申诉理由").fill(STATEMENT)
        seller.get_by_role("button", name="提交申诉").click()
        expect(seller.locator(".flash")).to_contain_text("申诉已提交")
        expect(seller.get_by_test_id("under-appeal")).to_have_text("申诉中")
        expect(seller.get_by_test_id("credit-grade")).to_have_text("C")
        seller.screenshot(path=str(artifacts / "my-credit-under-appeal-phone.png"), full_page=True)

        # The regulator answers in the appeals queue: the record is voided.
        page.locator(".subnav").get_by_role("link", name="申诉", exact=True).click()
        appeal = page.get_by_test_id("appeal")
        expect(appeal).to_contain_text(STATEMENT)
        expect(appeal.get_by_test_id("appeal-due")).to_contain_text("剩余 14 天")
        appeal.get_by_label("撤销记录").check()
        appeal.get_by_label("理由").fill("买家验货视频显示无异议，撤销认定")
        page.screenshot(path=str(artifacts / "regulator-appeals-phone.png"), full_page=True)
        appeal.get_by_role("button", name="提交答复").click()
        expect(page.locator(".flash")).to_contain_text("已答复申诉")
        expect(page.get_by_text("没有待答复的申诉。")).to_be_visible()

        # The seller's grade is back to A, with the answer and its reason.
        seller.reload()
        expect(seller.get_by_test_id("credit-grade")).to_have_text("A")
        expect(seller.get_by_test_id("record-status")).to_have_text("已撤销")
        expect(seller.get_by_test_id("appeal-answer")).to_contain_text("撤销记录")
        expect(seller.get_by_test_id("under-appeal")).to_have_count(0)
        seller.screenshot(path=str(artifacts / "my-credit-recovered-phone.png"), full_page=True)
    finally:
        seller_context.close()

    # One regulator page in English.
    page.locator(".subnav").get_by_role("link", name="工作台").click()
    pages.switch_language(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("cases-chart")).to_be_visible()
    expect(page.get_by_role("link", name="Search", exact=True)).to_be_visible()
    page.screenshot(path=str(artifacts / "regulator-dashboard-en.png"), full_page=True)
