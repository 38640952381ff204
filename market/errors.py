"""Friendly error pages in both languages, JSON under /api/."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from market.i18n import safe_next
from market.listings.errors import ListingError

PAGES = {400, 403, 404, 405, 413, 429, 500}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    if _wants_json():
        return jsonify(error=error.name, reason=error.description), code
    template = f"errors/{code}.html" if code in PAGES else "errors/generic.html"
    return render_template(template, error=error), code


def handle_domain_error(error: ListingError) -> ResponseReturnValue:
    """A refused step of a listing or trade: JSON for the API, else a message the user reads."""
    message = str(error.message)
    if _wants_json():
        code = getattr(error, "code", None) or type(error).__name__
        return jsonify(error=code, reason=message), error.status
    if request.method == "POST" and error.status in (400, 409):
        flash(message, "error")
        back = urlsplit(request.referrer or "")
        same_site = back.netloc in ("", request.host)
        return redirect(safe_next(back.path if same_site else None, url_for("main.index")))
    return render_template("errors/domain.html", message=message, code=error.status), error.status


def handle_csrf_error(error: CSRFError) -> ResponseReturnValue:
    if _wants_json():
        return jsonify(error="CSRF", reason=error.description), 400
    return render_template("errors/csrf.html", error=error), 400


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(ListingError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    # An unhandled exception reaches the HTTPException handler as InternalServerError
    # after Flask has logged it, so the 500 page needs nothing more here.
