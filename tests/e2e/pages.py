"""Page helpers for the browser flows, in one module."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from playwright.sync_api import Page

from tests.support.sms import codes

PHONE = {"width": 390, "height": 844}  # the viewport of most residents' phones


def register(
    page: Page, base: str, *, identifier: str, name: str, street: str, password: str
) -> None:
    page.goto(f"{base}/account/register")
    page.get_by_label("手机号或邮箱").fill(identifier)
    page.get_by_label("昵称").fill(name)
    page.get_by_label("所在街道").select_option(street)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_label("确认密码").fill(password)
    page.get_by_label("我已阅读并同意《隐私政策》").check()
    with page.expect_navigation():  # the form always answers with a page: errors, or the code
        page.get_by_role("button", name="注册").click()
    if page.url.endswith("/account/verify"):
        enter_code(page, identifier)


def enter_code(page: Page, identifier: str) -> None:
    """Type the one-time code the server printed to its log, in either language."""
    page.locator("input[name=code]").fill(codes.latest(identifier))
    page.locator("form:has(input[name=code]) button[type=submit]").click()


def log_in(page: Page, base: str, *, identifier: str, password: str) -> None:
    page.goto(f"{base}/account/login")
    page.get_by_label("手机号或邮箱").fill(identifier)
    page.get_by_label("密码").fill(password)
    page.locator("form").get_by_role("button", name="登录").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()


def switch_language(page: Page) -> None:
    page.get_by_test_id("switch-language").click()


def publish_furniture(page: Page, base: str, *, title: str, photos: list[str]) -> None:
    """List a desk (家具) through the real form, answering its checklist."""
    page.goto(f"{base}/listings/new")
    page.get_by_role("link", name="家具").click()
    page.set_input_files("input[name=photos]", photos)
    page.get_by_label("标题").fill(title)
    page.get_by_label("描述").fill("桌面有轻微划痕，结构牢固。")
    page.get_by_label("价格（元）").fill("200")
    page.get_by_label("交易街道").select_option("学府")
    page.get_by_role("radiogroup", name="是否全新未使用").get_by_text("已使用").click()
    page.get_by_role("radiogroup", name="表面").get_by_text("表面磨损").click()
    page.get_by_role("radiogroup", name="虫蛀").get_by_text("无").click()
    page.get_by_label("尺寸").fill("120×60×75 cm")
    page.get_by_label("材质").fill("实木贴面")
    page.get_by_label("是否有异味").select_option("no")
    page.get_by_role("button", name="发布", exact=True).click()


def search(page: Page, base: str, query: str) -> None:
    page.goto(f"{base}/search")
    page.get_by_role("searchbox").fill(query)
    page.locator(".search-box").get_by_role("button", name="搜索").click()


# An English page should hold no Chinese besides what people typed in.
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+")
PAGE_TEXT = """() => [document.title, document.body.innerText, ...Array.from(
  document.querySelectorAll("[placeholder], [aria-label], [title], [alt]"),
  (e) => ["placeholder", "aria-label", "title", "alt"].map((a) => e.getAttribute(a)).join(" "),
)].join("\\n")"""


def chinese_left(page: Page, user_data: tuple[str, ...]) -> dict[str, str]:
    """The lines of an English page (its text, title and labelling attributes) that still have
    Chinese in them besides what people typed in and the 中文 language button."""
    text = page.evaluate(PAGE_TEXT)
    for entered in sorted((*user_data, "中文"), key=len, reverse=True):
        text = text.replace(entered, " ")
    path = unquote(urlsplit(page.url).path)
    left: dict[str, str] = {}
    for line in text.splitlines():
        line = " ".join(line.split())
        if found := CJK.search(line):
            shown = line[max(found.start() - 30, 0) : found.end() + 30]
            left[f"{path} {re.sub(r'[0-9]+', '#', line)}"] = f"{path}: …{shown}…"
    return left


def fill_any_listing_form(page: Page, *, title: str, photos: list[str]) -> None:
    """Fill the listing form of whatever category is open: photos, title, price, street, the
    first answer of every checklist question and a plain answer to every disclosure."""
    page.set_input_files("input[name=photos]", photos)
    page.get_by_label("标题").fill(title)
    page.get_by_label("价格（元）").fill("1500")
    page.get_by_label("交易街道").select_option("长虹")
    for group in page.locator(".question [role=radiogroup]").all():
        group.locator("input").first.check()
    for select in page.locator("select[name^=d_]").all():  # the answer that caps nothing
        bad_if_yes = select.get_attribute("name") in ("d_odour", "d_ex_library", "d_missing_media")
        select.select_option("no" if bad_if_yes else "yes")
    for box in page.locator("input[name^=d_]").all():
        if box.get_attribute("inputmode") != "numeric":
            box.fill("无")
        else:  # facts that agree with the first answers (no cap, no contradiction)
            box.fill("1" if "age" in (box.get_attribute("name") or "") else "95")
