"""Languages: Simplified Chinese by default, English one click away and remembered."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, has_request_context, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user

from market.db import get_session
from market.extensions import babel

LANGUAGES = {"zh": ("zh_Hans_CN", "中文", "zh-Hans"), "en": ("en", "English", "en")}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The visitor's choice (cookie, then account), else Chinese.

    A program calling /api/ has neither, so there its Accept-Language counts before Chinese;
    pages ignore the header, since a browser's language is no choice of the visitor's.
    """
    if not has_request_context():
        return LANGUAGES["zh"][0]
    choice = request.cookies.get(COOKIE)
    if choice not in LANGUAGES and current_user.is_authenticated:
        choice = current_user.locale
    if choice not in LANGUAGES and request.path.startswith("/api/"):
        choice = request.accept_languages.best_match(list(LANGUAGES))
    return LANGUAGES.get(choice or "zh", LANGUAGES["zh"])[0]


def current_language() -> str:
    """The short code of the page's language: 'zh' or 'en'."""
    return "en" if str(get_locale()).startswith("en") else "zh"


def html_lang() -> str:
    return LANGUAGES[current_language()][2]


def safe_next(target: str | None, fallback: str) -> str:
    """Only follow a local path, never an absolute URL (open redirect)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.post("/lang/<code>")
def switch(code: str) -> ResponseReturnValue:
    """Switch the page language and remember it (cookie, and the account when logged in)."""
    if code not in LANGUAGES:
        code = "zh"
    response = redirect(safe_next(request.form.get("next"), url_for("main.index")))
    response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    if current_user.is_authenticated:
        session = get_session()
        current_user.locale = code
        session.add(current_user)
        session.commit()
    return response


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        html_lang=html_lang, current_language=current_language, LANGUAGES=LANGUAGES
    )
