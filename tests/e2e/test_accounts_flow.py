from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e import pages
from tests.support.sms import codes

PASSWORD = "tianjin-nankai-8"


def _glyphs_render(page: Page, text: str) -> bool:
    """Chinese renders as glyphs when two different strings draw differently.

    Without a CJK font every character is the same empty box, so "循环二手" and "手二环循"
    would give identical pictures.
    """
    shots = []
    for sample in (text, text[::-1]):
        page.evaluate(
            """([s]) => { let e = document.getElementById('glyph-probe');
            if (!e) { e = document.createElement('span'); e.id = 'glyph-probe';
                      e.style.fontSize = '32px'; document.body.prepend(e); }
            e.textContent = s; }""",
            [sample],
        )
        shots.append(page.locator("#glyph-probe").screenshot())
    page.evaluate("() => document.getElementById('glyph-probe').remove()")
    return shots[0] != shots[1]


def test_register_log_in_and_switch_language(page: Page, live_server: str, artifacts: Path) -> None:
    base = live_server
    pages.register(
        page, base, identifier="13812345678", name="王小明", street="学府", password=PASSWORD
    )
    expect(page.locator(".flash")).to_contain_text("欢迎加入循环")
    expect(page.locator(".nav")).to_contain_text("王小明")

    pages.log_out(page)
    expect(page.locator(".flash")).to_contain_text("您已退出登录")
    pages.log_in(page, base, identifier="138 1234 5678", password="wrong-password")
    expect(page.locator(".error")).to_contain_text("账号或密码不正确")
    pages.log_in(page, base, identifier="13812345678", password=PASSWORD)
    expect(page.locator(".nav")).to_contain_text("王小明")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("h1")).to_have_text("南开区的闲置，在这里循环")
    assert _glyphs_render(page, "循环二手")
    page.screenshot(path=str(artifacts / "home-zh.png"), full_page=True)

    pages.switch_language(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Nankai's idle items, circulating here")
    page.goto(f"{base}/account/profile")
    expect(page.locator("h1")).to_have_text("My profile")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # remembered across pages
    page.screenshot(path=str(artifacts / "profile-en.png"), full_page=True)

    pages.switch_language(page)
    expect(page.locator("h1")).to_have_text("我的资料")


def test_registration_errors_show_next_to_the_field(page: Page, live_server: str) -> None:
    pages.register(
        page, live_server, identifier="12345", name="李", street="长虹", password=PASSWORD
    )
    field = page.get_by_label("手机号或邮箱")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#identifier-error")).to_have_text("请输入11位手机号或有效的电子邮箱。")


def test_register_with_consent_and_a_code_then_log_in_and_out(
    page: Page, live_server: str, artifacts: Path
) -> None:
    base = live_server
    mobile = "13912340000"
    page.goto(f"{base}/account/register")
    expect(page.get_by_test_id("privacy-notice")).to_contain_text("我们收集什么、为什么")
    consent = page.get_by_label("我已阅读并同意《隐私政策》")
    expect(consent).not_to_be_checked()
    # Full-width digits, as a Chinese input method types them.
    page.get_by_label("手机号或邮箱").fill("１３９１２３４００００")
    page.get_by_label("昵称").fill("赵小红")
    page.get_by_label("所在街道").select_option("华苑")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page.locator("#consent-error")).to_have_text("请阅读并同意《隐私政策》后再注册。")
    page.screenshot(path=str(artifacts / "register-consent.png"), full_page=True)

    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_label("我已阅读并同意《隐私政策》").check()
    page.get_by_role("button", name="注册").click()
    expect(page.locator("h1")).to_have_text("输入验证码")
    expect(page.locator("main")).to_contain_text("139****0000")
    wrong = f"{(int(codes.latest(mobile)) + 1) % 10**6:06d}"
    page.get_by_label("验证码").fill(wrong)
    page.get_by_role("button", name="完成注册").click()
    expect(page.locator("#code-error")).to_have_text("验证码不正确，还可以再试 4 次。")
    page.screenshot(path=str(artifacts / "register-code.png"), full_page=True)
    pages.enter_code(page, mobile)
    expect(page.locator(".flash")).to_contain_text("欢迎加入循环")
    expect(page.locator(".nav")).to_contain_text("赵小红")

    page.goto(f"{base}/account/profile")
    page.get_by_role("link", name="登录设备").click()
    expect(page.get_by_test_id("session-list")).to_contain_text("本设备")
    page.goto(f"{base}/account/profile")
    page.get_by_test_id("my-data-link").click()
    expect(page.locator("h1")).to_have_text("我的数据")
    with page.expect_download() as download:
        page.get_by_test_id("download-data").click()
    assert download.value.suggested_filename == "xunhuan-my-data.json"

    pages.log_out(page)
    expect(page.locator(".flash")).to_contain_text("您已退出登录")
    page.goto(f"{base}/my/listings")
    expect(page).to_have_url(re.compile(r"/account/login"))
    pages.log_in(page, base, identifier=mobile, password=PASSWORD)
    expect(page.locator(".nav")).to_contain_text("赵小红")
    pages.log_out(page)
    expect(page.locator(".nav")).not_to_contain_text("赵小红")
