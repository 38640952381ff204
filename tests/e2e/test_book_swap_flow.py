"""A coordinator opens a class; a student joins, lists a textbook by typing its ISBN and earns a
credit at hand-in; another student spends a credit to take it."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from market.accounts.models import Role
from market.orgs.models import OrgKind
from tests.builders import PASSWORD, app_session, make_organization, make_user
from tests.e2e import pages
from tests.e2e.conftest import PHONE


def _student(browser: Browser, base: str, school: str, code: str, mobile: str, name: str) -> Page:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)  # type: ignore[arg-type]
    page = context.new_page()
    pages.register(page, base, identifier=mobile, name=name, street="学府", password="nankai-88-x")
    page.get_by_test_id("books-link").click()
    page.get_by_label("学校").select_option(label=school)
    page.get_by_label("班级加入码").fill(code.lower())
    page.get_by_role("button", name="加入").click()
    expect(page.locator(".flash")).to_contain_text("已加入旧书角")
    return page


def test_list_by_isbn_hand_in_and_take_for_a_credit(
    app: Flask, page: Page, browser: Browser, live_server: str, artifacts: Path
) -> None:
    base = live_server
    with app.app_context(), app_session(app) as session:
        school = make_organization(session, kind=OrgKind.SCHOOL, name="南开实验学校", street="学府")
        coordinator = make_user(session, Role.SCHOOL_COORDINATOR, organization=school)
        school_id = school.id

    # The coordinator opens a class and reads its join code.
    pages.log_in(page, base, identifier=coordinator.mobile or "", password=PASSWORD)
    page.goto(f"{base}/schools/{school_id}/books/desk")
    page.get_by_label("班级名称").fill("三年级1班")
    page.get_by_role("button", name="创建班级").click()
    code = page.get_by_test_id("join-code").first.inner_text()
    assert len(code) == 6

    # A student joins with it and lists a book by typing its ISBN: the catalogue fills it in.
    giver = _student(browser, base, "南开实验学校", code, "13600000001", "王同学")
    giver.get_by_role("link", name="送书（输入或扫描 ISBN）").click()
    giver.get_by_label("ISBN（封底条形码下的数字）").fill("978-7-107-38250-5")
    giver.get_by_role("button", name="查找").click()
    expect(giver.get_by_test_id("book-title")).to_have_text("义务教育教科书 英语 三年级 上册")
    expect(giver.get_by_test_id("book-publisher")).to_have_text("人民教育出版社")
    expect(giver.get_by_test_id("book-grade")).to_contain_text("三年级 上册")
    giver.get_by_role("radiogroup", name="是否全新未使用").get_by_text("已使用").click()
    giver.get_by_role("radiogroup", name="品相").get_by_text("很好").click()
    giver.get_by_role("radiogroup", name="笔记或划线").get_by_text("没有").click()
    giver.get_by_label("笔记划线情况").fill("无")
    giver.get_by_label("是否馆藏旧书").select_option("no")
    giver.get_by_label("是否缺光盘或激活码").select_option("no")
    giver.get_by_role("button", name="确认上架").click()
    expect(giver.locator(".flash")).to_contain_text("已上架")
    giver.screenshot(path=str(artifacts / "book-listed-phone.png"), full_page=True)

    # The coordinator records the hand-in: the giver earns one credit.
    page.goto(f"{base}/schools/{school_id}/books/desk")
    page.get_by_role("button", name="登记收书").click()
    expect(page.locator(".flash")).to_contain_text("送书人得到1个交换积分")
    giver.goto(f"{base}/schools/{school_id}/books/credits")
    expect(giver.get_by_test_id("credit-balance")).to_have_text("1")

    # Another student without a credit is refused; with one granted, takes the book.
    taker = _student(browser, base, "南开实验学校", code, "13600000002", "李同学")
    taker.goto(f"{base}/schools/{school_id}/books")
    taker.locator(".listing-card").first.click()
    taker.get_by_role("button", name="用1个积分领取").click()
    expect(taker.locator(".flash")).to_contain_text("交换积分不足")
    page.goto(f"{base}/schools/{school_id}/books/desk")
    page.get_by_label("成员").select_option(label="李同学（三年级1班）")
    page.get_by_label("原因").fill("开学奖励")
    page.get_by_role("button", name="发放积分").click()
    taker.reload()
    taker.get_by_role("button", name="用1个积分领取").click()
    expect(taker.locator(".flash")).to_contain_text("已用1个交换积分领取")

    # At the corner the coordinator hands it out: the swap completes, balances moved.
    page.goto(f"{base}/schools/{school_id}/books/desk")
    page.get_by_role("button", name="登记取书").click()
    expect(page.locator(".flash")).to_contain_text("交换完成")
    taker.goto(f"{base}/schools/{school_id}/books/credits")
    expect(taker.get_by_test_id("credit-balance")).to_have_text("0")
    giver.goto(f"{base}/schools/{school_id}/books/credits")
    expect(giver.get_by_test_id("credit-balance")).to_have_text("1")

    # One page in English (its strings come from /work/xl/books.tsv once merged into translations/).
    pages.switch_language(taker)
    expect(taker.locator("html")).to_have_attribute("lang", "en")
    expect(taker.locator("h1")).to_contain_text("Swap credits")
    expect(taker.get_by_role("cell", name="Granted by the coordinator · 开学奖励")).to_be_visible()


FAKE_SCANNER = """
window.BarcodeDetector = class {
  detect() { return Promise.resolve([{ rawValue: "9787107382505" }]); }
};
navigator.mediaDevices.getUserMedia = () => {
  const canvas = document.createElement("canvas");
  const stream = canvas.captureStream(10);
  setInterval(() => canvas.getContext("2d").fillRect(0, 0, 10, 10), 50);
  return Promise.resolve(stream);
};
"""


def test_the_scan_button_shows_only_where_the_browser_can_scan(
    app: Flask, browser: Browser, live_server: str
) -> None:
    with app.app_context(), app_session(app) as session:
        from market.books import corner

        school = make_organization(session, kind=OrgKind.SCHOOL, name="学府小学", street="学府")
        coordinator = make_user(session, Role.SCHOOL_COORDINATOR, organization=school)
        klass = corner.create_class(
            session=session, coordinator=coordinator, school_id=school.id or 0, name="三年级1班"
        )
        student = make_user(session)
        corner.join(session=session, user=student, school_id=school.id or 0, code=klass.join_code)
    url = f"{live_server}/schools/{school.id}/books/new"
    for can_scan in (False, True):
        context = browser.new_context(viewport=PHONE, is_mobile=True)  # type: ignore[arg-type]
        if can_scan:
            context.add_init_script(FAKE_SCANNER)
        page = context.new_page()
        try:
            pages.log_in(page, live_server, identifier=student.mobile or "", password=PASSWORD)
            page.goto(url)
            has_api = page.evaluate("'BarcodeDetector' in window")
            button = page.get_by_role("button", name="用摄像头扫描")
            if not has_api:
                expect(button).to_be_hidden()
                expect(page.get_by_label("ISBN（封底条形码下的数字）")).to_be_editable()
                continue
            button.click()  # the (fake) camera reads the barcode and looks it up
            expect(page.get_by_test_id("book-title")).to_have_text(
                "义务教育教科书 英语 三年级 上册"
            )
            expect(page.get_by_label("ISBN（封底条形码下的数字）")).to_have_value("9787107382505")
        finally:
            context.close()
