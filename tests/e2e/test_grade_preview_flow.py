"""A seller sees the grade and what capped it while answering, and buyers see why."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, Route, expect

from tests.e2e import pages

PASSWORD = "tianjin-nankai-8"
GADGET = "/listings/new/电子产品/其他数码"  # the electronics checklist


def _fill_phone(page: Page, *, battery_percent: str, repairs: str) -> None:
    page.get_by_label("标题").fill("旧手机 128G")
    page.get_by_label("价格（元）").fill("300")
    page.get_by_label("交易街道").select_option("学府")
    for question, answer in [
        ("是否全新未使用", "已使用"),
        ("外观", "无划痕无磕碰"),
        ("屏幕", "完美无瑕"),
        ("电池健康度", "90% 及以上"),
        ("维修史", "未维修"),
        ("功能是否正常", "全部功能正常"),
        ("进水或主板损坏", "无"),
    ]:
        group = page.get_by_role("radiogroup", name=question, exact=True)
        group.get_by_text(answer, exact=True).click()
    page.get_by_label("IMEI/序列号").fill("35-209900-176148-1")
    page.get_by_label("已关闭激活锁/退出账号").select_option("yes")
    page.get_by_label("电池健康度（%）").fill(battery_percent)
    page.get_by_label("维修说明").fill(repairs)


def test_the_grade_follows_the_answers_live_and_the_page_says_why(
    page: Page, live_server: str, tmp_path: Path, artifacts: Path
) -> None:
    base = live_server
    photo = tmp_path / "phone.jpg"
    Image.new("RGB", (800, 600), (60, 90, 140)).save(photo, "JPEG")
    pages.register(
        page, base, identifier="13822223333", name="周卖家", street="学府", password=PASSWORD
    )

    page.goto(base + GADGET)
    summary = page.get_by_test_id("grade-summary")
    expect(summary).to_contain_text("回答全部问题后")
    expect(page.get_by_role("button", name="查看成色")).to_be_hidden()  # JS draws it live
    _fill_phone(page, battery_percent="95", repairs="无")
    expect(summary).to_contain_text("成色 A+")

    # The disclosed facts cap it, named before anything is sent.
    page.get_by_label("电池健康度（%）").fill("45")
    expect(summary).to_contain_text("成色 D")
    expect(summary).to_contain_text("电池健康度 45%")
    expect(summary).to_contain_text("与“电池健康度：90% 及以上”不符，按较低者计")
    page.get_by_label("维修说明").fill("更换过屏幕")
    expect(summary).to_contain_text("维修说明：更换过屏幕")
    page.get_by_label("已关闭激活锁/退出账号").select_option("no")
    expect(summary).to_contain_text("关闭查找我的 iPhone")
    page.get_by_label("已关闭激活锁/退出账号").select_option("yes")
    expect(summary).not_to_contain_text("关闭查找我的 iPhone")
    page.screenshot(path=str(artifacts / "grade-preview-phone.png"), full_page=True)

    page.set_input_files("input[name=photos]", str(photo))
    page.get_by_role("button", name="发布", exact=True).click()
    # A phone with no wipe certificate is kept as a draft (GB 46864); its page already says why.
    page.wait_for_url("**/edit?refused=1")
    expect(page.get_by_role("alert").first).to_contain_text("GB 46864")
    page.goto(page.url.split("/edit")[0])
    why = page.get_by_test_id("why-grade")
    expect(why).to_contain_text("为何是此成色")
    expect(why).to_contain_text("成色 D")
    expect(why).to_contain_text("电池健康度 45%")
    expect(why).to_contain_text("维修说明：更换过屏幕")

    # Without the script the server's own summary, on "查看成色", says the same.
    def refuse(route: Route) -> None:
        route.abort()

    page.route("**/js/grade-preview.js", refuse)
    page.goto(base + GADGET)
    _fill_phone(page, battery_percent="45", repairs="更换过屏幕")
    page.get_by_role("button", name="查看成色").click()
    summary = page.get_by_test_id("grade-summary")
    expect(summary).to_contain_text("成色 D")
    expect(summary).to_contain_text("电池健康度 45%")
    expect(summary).to_contain_text("维修说明：更换过屏幕")
    expect(page.get_by_label("标题")).to_have_value("旧手机 128G")  # nothing lost, nothing saved
