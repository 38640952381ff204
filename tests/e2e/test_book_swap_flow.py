"""A coordinator opens a class; a student joins, lists a textbook by typing its ISBN and earns a
credit at hand-in; another student spends a credit to take it. Then the same routine in English:
a new class and student, a second book typed as an ISBN-10 and wanted by the first giver, who is
told and takes it; no Chinese is left on those pages but what people typed and catalogue data."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from market.accounts.models import Role
from market.orgs.models import OrgKind
from tests.builders import PASSWORD, app_session, make_organization, make_user
from tests.e2e import pages
from tests.e2e.pages import PHONE

# What people typed in Chinese, and the catalogue's own (Chinese) book data: stays Chinese.
CHINESE_DATA = (
    "南开实验学校",
    "赵老师",
    "三年级1班",
    "王同学",
    "李同学",
    "王*",
    "李*",
    "开学奖励",
    "义务教育教科书 英语 三年级 上册",
    "义务教育教科书 数学 三年级 上册",
    "人民教育出版社",
    "2022年8月第2版",
    "2024年7月第1版",
)


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
        coordinator = make_user(
            session, Role.SCHOOL_COORDINATOR, organization=school, display_name="赵老师"
        )
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

    # The routine again in English, switched with the page's language button, on a new class, a
    # new student and a second book (typed as an ISBN-10), wanted by the first giver.
    untranslated: dict[str, str] = {}
    pages.switch_language(taker)
    expect(taker.locator("html")).to_have_attribute("lang", "en")
    expect(taker.locator("h1")).to_have_text("Swap credits")
    expect(taker.get_by_role("cell", name="Granted by the coordinator · 开学奖励")).to_be_visible()
    expect(taker.get_by_role("cell", name="Took a book")).to_be_visible()
    untranslated |= pages.chinese_left(taker, CHINESE_DATA)

    desk_url = f"{base}/schools/{school_id}/books/desk"
    page.goto(desk_url)
    pages.switch_language(page)
    expect(page.locator("h1")).to_have_text("南开实验学校 · Coordinator's desk")
    expect(page.get_by_role("heading", name="Members and credits")).to_be_visible()
    untranslated |= pages.chinese_left(page, CHINESE_DATA)
    page.get_by_label("Class name").fill("Grade 7 Class 2")
    page.get_by_role("button", name="Create class").click()
    new_class = page.get_by_role("row", name="Grade 7 Class 2")
    code_en = new_class.get_by_test_id("join-code").inner_text()
    expect(page.locator(".flash")).to_have_text(
        f"Class “Grade 7 Class 2” created; join code {code_en}."
    )
    untranslated |= pages.chinese_left(page, CHINESE_DATA)

    giver.goto(f"{base}/schools/{school_id}/books")
    pages.switch_language(giver)
    expect(giver.locator("h1")).to_have_text("南开实验学校 · Book corner")
    expect(giver.get_by_role("heading", name="Books on the shelf")).to_be_visible()
    giver.get_by_label("ISBN", exact=True).fill("978-7-107-36924-7")
    giver.get_by_role("button", name="Add to list").click()
    expect(giver.locator(".flash")).to_have_text(
        "Added to your “looking for” list; you will be told when someone brings it."
    )
    expect(giver.get_by_role("heading", name="Looking for")).to_be_visible()
    untranslated |= pages.chinese_left(giver, CHINESE_DATA)

    with browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True) as context:
        amy = context.new_page()
        amy.goto(f"{base}/account/register")
        pages.switch_language(amy)
        amy.get_by_label("Mobile number or e-mail").fill("13600000003")
        amy.get_by_label("Display name").fill("Amy Zhang")
        amy.get_by_label("Home street").select_option("学府")
        amy.get_by_label("Password", exact=True).fill("nankai-88-x")
        amy.get_by_label("Confirm password").fill("nankai-88-x")
        amy.get_by_label("I have read and agree to the privacy notice").check()
        with amy.expect_navigation():
            amy.get_by_role("button", name="Sign up").click()
        pages.enter_code(amy, "13600000003")
        amy.get_by_test_id("books-link").click()
        expect(amy.locator("h1")).to_have_text("Book corner")
        untranslated |= pages.chinese_left(amy, CHINESE_DATA)
        amy.get_by_label("School").select_option(label="南开实验学校")
        amy.get_by_label("Class join code").fill(code_en)
        amy.get_by_role("button", name="Join").click()
        expect(amy.locator(".flash")).to_have_text("You have joined the book corner!")
        untranslated |= pages.chinese_left(amy, CHINESE_DATA)
        amy.get_by_role("link", name="Give a book (type or scan the ISBN)").click()
        untranslated |= pages.chinese_left(amy, CHINESE_DATA)
        amy.get_by_label("ISBN (the digits under the barcode on the back)").fill("7-107-36924-5")
        amy.get_by_role("button", name="Find").click()
        expect(amy.get_by_test_id("book-title")).to_have_text("义务教育教科书 数学 三年级 上册")
        expect(amy.get_by_test_id("book-facts")).to_contain_text("9787107369247")
        expect(amy.get_by_test_id("book-subject")).to_have_text("Mathematics")
        expect(amy.get_by_test_id("book-grade")).to_have_text("Grade 3 Volume 1")
        untranslated |= pages.chinese_left(amy, CHINESE_DATA)
        amy.get_by_role("radiogroup", name="Brand new and unused?").get_by_text(
            "Used", exact=True
        ).click()
        amy.get_by_role("radiogroup", name="Condition").get_by_text("Very good").click()
        amy.get_by_role("radiogroup", name="Notes or highlighting").get_by_text(
            "No", exact=True
        ).click()
        amy.get_by_label("Notes and highlighting").fill("A few pencil marks.")
        amy.get_by_label("Ex-library book?").select_option("no")
        amy.get_by_label("Missing disc or activation code?").select_option("no")
        amy.get_by_role("button", name="Confirm and list").click()
        expect(amy.locator(".flash")).to_have_text(
            "Listed! Bring the book to the corner; you get 1 swap credit when the coordinator "
            "records it."
        )
        untranslated |= pages.chinese_left(amy, CHINESE_DATA)
        amy.screenshot(path=str(artifacts / "book-listed-en.png"), full_page=True)

        # The coordinator records the hand-in; the first giver is told and takes it.
        page.goto(desk_url)
        row = page.get_by_test_id("desk-book").filter(has_text="数学")
        expect(row).to_contain_text("Giver Amy Zhang")
        row.get_by_role("button", name="Record hand-in").click()
        expect(page.locator(".flash")).to_have_text(
            "Hand-in recorded; the giver earned 1 swap credit."
        )
        giver.get_by_test_id("notifications-link").click()
        told = (
            "“义务教育教科书 数学 三年级 上册”, which you are looking for, has arrived at the "
            "book corner."
        )
        expect(giver.get_by_test_id("notifications")).to_contain_text(told)
        untranslated |= pages.chinese_left(giver, CHINESE_DATA)
        giver.get_by_role("link", name=told).click()
        expect(giver.get_by_test_id("book-status")).to_contain_text("Handed in at the corner")
        untranslated |= pages.chinese_left(giver, CHINESE_DATA)
        giver.get_by_role("button", name="Take for 1 credit").click()
        expect(giver.locator(".flash")).to_have_text(
            "Taken for 1 swap credit; collect the book at the corner."
        )
        expect(giver.get_by_test_id("reservation-status")).to_have_text("In progress")
        untranslated |= pages.chinese_left(giver, CHINESE_DATA)
        page.goto(desk_url)
        row = page.get_by_test_id("desk-book").filter(has_text="数学")
        expect(row).to_contain_text("Taker 王同学")
        untranslated |= pages.chinese_left(page, CHINESE_DATA)
        row.get_by_role("button", name="Record collection").click()
        expect(page.locator(".flash")).to_have_text("Collection recorded; the swap is complete.")
        untranslated |= pages.chinese_left(page, CHINESE_DATA)

        amy.get_by_role("link", name="My credits").click()
        expect(amy.get_by_test_id("credit-balance")).to_have_text("1")
        expect(amy.get_by_role("cell", name="+1")).to_be_visible()
        untranslated |= pages.chinese_left(amy, CHINESE_DATA)
    giver.goto(f"{base}/schools/{school_id}/books/credits")
    expect(giver.get_by_test_id("credit-balance")).to_have_text("0")
    expect(giver.get_by_role("cell", name="Took a book")).to_be_visible()
    untranslated |= pages.chinese_left(giver, CHINESE_DATA)

    # Textbooks browse by grade and subject, in English.
    giver.get_by_role("link", name="Find books by grade and subject").click()
    giver.get_by_label("Grade", exact=True).select_option(label="Grade 3")
    giver.get_by_label("Subject").select_option(label="Mathematics")
    giver.get_by_role("button", name="Filter").click()
    expect(giver.get_by_role("row", name="义务教育教科书 数学 三年级 上册")).to_be_visible()
    untranslated |= pages.chinese_left(giver, CHINESE_DATA)

    # Every English page above had no Chinese but what people typed in.
    assert not untranslated, "\n".join(["Chinese left in English:", *untranslated.values()])


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
