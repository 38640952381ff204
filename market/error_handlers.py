"""Turn every error into an answer in one place: friendly pages in both languages, JSON under /api/.

Every JSON error has one shape, `{"error": <machine code>, "reason": <sentence>}`, plus optional
fields a domain error adds (`details`; the credit events API's `errors` and `event_ids`). The
code stays English; the sentence is in the reader's language (`market.i18n.select_locale`).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from market.db import DatabaseBusy, is_busy
from market.errors import DomainError
from market.i18n import safe_next

PAGES = {400, 403, 404, 405, 413, 429, 500, 503}
BUSY_RETRY_AFTER = 5  # seconds: about one busy timeout, when the writer ahead has finished
API_PREFIX = "/api/"

# The machine code and the sentence of each HTTP error werkzeug or Flask-Limiter raises.
HTTP_ERRORS: dict[int, tuple[str, LazyString]] = {
    400: ("bad_request", _l("请求无效。")),
    401: ("unauthorized", _l("需要有效的凭证。")),
    403: ("forbidden", _l("没有权限执行此操作。")),
    404: ("not_found", _l("这个地址不存在。")),
    405: ("method_not_allowed", _l("这个地址不接受此请求方法。")),
    413: ("body_too_large", _l("请求体过大。")),
    422: ("unprocessable", _l("请求内容无法处理。")),
    429: ("rate_limited", _l("请求过于频繁，请稍后再试。")),
    500: ("internal_error", _l("服务器出错了，请稍后再试。")),
    503: ("busy", _l("系统繁忙，请稍后再试。")),
}
CSRF_REASON = _l("表单已失效，请刷新页面后重新提交。")


def wants_json() -> bool:
    return request.path.startswith(API_PREFIX)


def error_body(code: str, reason: object, **extra: Any) -> dict[str, Any]:
    """The one JSON error shape of /api/."""
    return {"error": code, "reason": str(reason), **extra}


def json_error(
    status: int, code: str, reason: object, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    response = jsonify(error_body(code, reason, **extra))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _http_code(error: HTTPException) -> str:
    return re.sub(r"[^a-z0-9]+", "_", error.name.lower()).strip("_")


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    if wants_json():
        code, reason = HTTP_ERRORS.get(status, (_http_code(error), _l("请求未能完成。")))
        if status == 429 and error.description:
            reason = _l("请求过于频繁（上限：%(limit)s），请稍后再试。", limit=error.description)
        return json_error(status, code, reason)
    template = f"errors/{status}.html" if status in PAGES else "errors/generic.html"
    return render_template(template, error=error), status


def handle_domain_error(error: DomainError) -> ResponseReturnValue:
    """A refused step: JSON for the API, else a message the user reads."""
    message = str(error.message)
    if wants_json():
        return json_error(
            error.status, error.error_code, message, error.headers(), **error.details()
        )
    if request.method == "POST" and error.status in (400, 409):
        flash(message, "error")
        back = urlsplit(request.referrer or "")
        same_site = back.netloc in ("", request.host)
        return redirect(safe_next(back.path if same_site else None, url_for("main.index")))
    return render_template("errors/domain.html", message=message, code=error.status), error.status


def handle_csrf_error(error: CSRFError) -> ResponseReturnValue:
    if wants_json():
        return json_error(400, "csrf_failed", CSRF_REASON)
    return render_template("errors/csrf.html", error=error), 400


def handle_database_error(error: Exception) -> ResponseReturnValue:
    """A lock that stayed taken is a busy moment (503 with Retry-After), anything else a 500."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()  # the error page may read (the member, the menu) after a failed flush
    if not is_busy(error):
        current_app.logger.error(
            "Exception on %s [%s]", request.path, request.method, exc_info=error
        )
        return handle_http_error(InternalServerError())
    current_app.logger.warning("database busy on %s %s: %s", request.method, request.path, error)
    headers = {"Retry-After": str(BUSY_RETRY_AFTER)}
    if wants_json():
        code, reason = HTTP_ERRORS[503]
        return json_error(503, code, reason, headers)
    return render_template("errors/503.html", retry_after=BUSY_RETRY_AFTER), 503, headers


def init_app(app: Flask) -> None:
    app.register_error_handler(DatabaseBusy, handle_database_error)
    app.register_error_handler(sa.exc.OperationalError, handle_database_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    # An unhandled exception reaches the HTTPException handler as InternalServerError
    # after Flask has logged it, so the 500 page needs nothing more here.
