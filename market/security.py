"""Security in one place: response headers, and the access check every view goes through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import ParamSpec, Protocol, TypeVar

from flask import Flask, Response, abort, g, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from market.extensions import login_manager
from market.roles import Role

P = ParamSpec("P")
R = TypeVar("R")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


HSTS = "max-age=31536000; includeSubDomains"


def set_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "geolocation=(), microphone=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:  # over plain HTTP the header is ignored (RFC 6797 §8.1), so say it on TLS
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if _private(response):
        # A shared cache or the browser's back button must not show one person's page
        # (a consignor statement with names and balances) to the next person at the desk.
        response.headers["Cache-Control"] = "private, no-store"
        response.headers.pop("Expires", None)
    return response


def _private(response: Response) -> bool:
    if response.mimetype == "application/pdf":
        return True
    if request.endpoint == "static":
        return False
    # Only what the request already knows: loading the user here would query the database
    # after the view, perhaps in a session an error left unusable.
    user = g.get("_login_user")
    if user is not None:
        return bool(user.is_authenticated)
    return "_user_id" in session


def requires_role(
    *roles: Role, admit_admin: bool = True
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Let in a logged-in user with one of `roles` (and admins, unless `admit_admin` is False:
    the regulator's desk is for regulators only); others get 403.

    With no roles it only asks for a login. Anonymous visitors go to the login page.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            allowed = (
                current_user.has_role(*roles) if admit_admin else (current_user.role_enum in roles)
            )
            if roles and not allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


login_required = requires_role()


class Member(Protocol):
    role_enum: Role

    def has_role(self, *roles: Role) -> bool: ...


@dataclass(frozen=True)
class Desks:
    """The desks a member's role opens, decided here; the menu only shows them."""

    shop: bool = False  # the consignment counter and the shop's settings
    regulator: bool = False  # the regulator's desk (regulators only, as `regulator_only`)
    admin: bool = False  # organizations and accounts
    organizer: bool = False  # the organizer's market days


def desks_of(user: Member | None) -> Desks:
    """What `user` (None for a visitor) may open beyond a resident's pages."""
    if user is None:
        return Desks()
    return Desks(
        shop=user.role_enum is Role.SHOP_STAFF,
        regulator=user.role_enum is Role.REGULATOR,
        admin=user.has_role(Role.ADMIN),
        organizer=user.role_enum is Role.MARKET_ORGANIZER,
    )


def init_app(app: Flask) -> None:
    """Add the headers to every response; behind XUNHUAN_TRUSTED_PROXIES proxies, believe
    their X-Forwarded-Proto/-For so `request.is_secure` and the client address are true."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    app.after_request(set_security_headers)
