"""Page helpers for the browser flows, in one module."""

from __future__ import annotations

from playwright.sync_api import Page


def register(
    page: Page, base: str, *, identifier: str, name: str, street: str, password: str
) -> None:
    page.goto(f"{base}/account/register")
    page.get_by_label("手机号或邮箱").fill(identifier)
    page.get_by_label("昵称").fill(name)
    page.get_by_label("所在街道").select_option(street)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_label("确认密码").fill(password)
    page.get_by_role("button", name="注册").click()


def log_in(page: Page, base: str, *, identifier: str, password: str) -> None:
    page.goto(f"{base}/account/login")
    page.get_by_label("手机号或邮箱").fill(identifier)
    page.get_by_label("密码").fill(password)
    page.locator("form").get_by_role("button", name="登录").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()


def switch_language(page: Page) -> None:
    page.get_by_test_id("switch-language").click()
