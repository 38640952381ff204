"""Issue 17 on a phone: a phone is refused in every electronics-like category and by its words
elsewhere; the refusal sits at the top of the form, and the chosen photo is kept in a draft."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect
from sqlmodel import select

from market.listings.models import Listing, ListingPhoto
from tests.builders import PASSWORD, app_session, make_user, picture
from tests.e2e import pages

CATEGORIES = [
    "电子产品/手机", "电子产品/电脑", "电子产品/平板", "电子产品/相机", "电子产品/存储设备",
    "电子产品/智能穿戴", "电子产品/其他数码", "办公设备/打印机", "办公设备/复印机",
    "办公设备/扫描仪", "办公设备/传真机", "办公设备/投影仪", "办公设备/其他办公设备",
    "其他", "家具",
]  # fmt: skip


def test_no_uncertified_phone_is_published_in_any_category(
    app: Flask, page: Page, live_server: str, tmp_path: Path, artifacts: Path
) -> None:
    base = live_server
    # Fifteen listings in a minute exceed the per-account limit (tests/market/test_ratelimit.py
    # tests that); this test is about the gate, so the limit steps aside.
    app.config["LISTING_RATE_LIMIT"] = "100 per minute"
    with app.app_context(), app_session(app) as session:
        seller = make_user(session, display_name="测试卖家")
    photo = tmp_path / "phone.jpg"
    photo.write_bytes(picture((20, 20, 20)))
    pages.log_in(page, base, identifier=seller.mobile or "", password=PASSWORD)
    for category in CATEGORIES:
        page.goto(f"{base}/listings/new/{category}")
        pages.fill_any_listing_form(page, title="iPhone 11 手机 没清数据", photos=[str(photo)])
        page.get_by_role("button", name="发布", exact=True).click()
        expect(page).to_have_url(re.compile(r"/listings/\d+/edit\?refused=1$"))
        alert = page.get_by_test_id("gate-alert")
        expect(alert).to_have_attribute("role", "alert")
        expect(alert).to_contain_text("GB 46864-2025")
        expect(alert).to_contain_text("寄卖店")
        expect(alert).to_be_in_viewport()  # on a 390×844 phone, without scrolling
        expect(alert).to_be_focused()
        expect(page.locator(".thumbs img")).to_have_count(1)  # the chosen photo is kept
    page.screenshot(path=str(artifacts / "device-gate-phone.png"))
    with app_session(app) as session:
        rows = session.exec(select(Listing)).all()
        assert sorted(r.category for r in rows) == sorted(CATEGORIES)
        assert {r.status for r in rows} == {"draft"}
        assert len(session.exec(select(ListingPhoto)).all()) == len(CATEGORIES)
    found = page.request.get(f"{base}/api/v1/listings?q=手机").json()
    assert found["items"] == []
