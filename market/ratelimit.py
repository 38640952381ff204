"""Rate limits every worker shares: Flask-Limiter's counters kept in the database itself.

This machine has no Redis, and a district's marketplace needs none: a counter is one row of
`rate_limit_counters`, bumped by one upsert in a transaction of its own on its own connection,
so it holds SQLite's write lock for a moment and never for the request. Fixed windows only
(Flask-Limiter's default strategy). `guard` puts a per-account and a per-IP limit on a view,
each a setting; a refusal is the 429 page or JSON of `market.error_handlers`, with Retry-After.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from market.extensions import limiter

SCHEME = "xunhuan+database"
PRUNE_CHANCE = 0.01  # about one bump in a hundred also deletes counters whose window ended

# Defaults of the settings `guard` reads, by who is counted; an upload counts its photos.
# Registration counts addresses only: there is no account yet, and the number asked for
# has its own limit (a code to one number at most a few times an hour, accounts.registration).
LIMITS: dict[str, dict[str, str]] = {
    "REGISTER_RATE_LIMIT": {"ip": "20 per hour;5 per minute"},
    "LISTING_RATE_LIMIT": {"account": "30 per hour;10 per minute", "ip": "60 per hour"},
    "UPLOAD_RATE_LIMIT": {"account": "200 per hour;45 per minute", "ip": "400 per hour"},
}

F = TypeVar("F", bound=Callable[..., Any])


class RateLimitCounter(SQLModel, table=True):
    """How often a key (limit, scope and who) was counted in the window ending at `expires_at`."""

    __tablename__ = "rate_limit_counters"

    key: str = Field(primary_key=True, max_length=255)
    count: int = 0
    expires_at: float = Field(index=True)  # seconds since the epoch, as `limits` counts


COUNTERS: sa.Table = RateLimitCounter.__table__  # type: ignore[attr-defined]


class DatabaseStorage(Storage):
    """A `limits` storage over the app's engine: `xunhuan+database://`, engine= in the options."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any
    ) -> None:
        super().__init__(uri, wrap_exceptions)
        self.engine: Engine = options["engine"]

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        dialect = sqlite if self.engine.dialect.name == "sqlite" else postgresql
        ended = COUNTERS.c.expires_at <= now
        statement = (
            dialect.insert(COUNTERS)
            .values(key=key, count=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[COUNTERS.c.key],
                set_={
                    "count": sa.case((ended, amount), else_=COUNTERS.c.count + amount),
                    "expires_at": sa.case((ended, now + expiry), else_=COUNTERS.c.expires_at),
                },
            )
            .returning(COUNTERS.c.count)
        )
        with self.engine.begin() as conn:
            count = int(conn.execute(statement).scalar_one())
            if random.random() < PRUNE_CHANCE:  # noqa: S311 - housekeeping, not security
                conn.execute(sa.delete(COUNTERS).where(COUNTERS.c.expires_at < now))
        return count

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.count) if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        now = time.time()
        return float(row.expires_at) if row is not None and row.expires_at > now else now

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(sa.delete(COUNTERS)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(COUNTERS).where(COUNTERS.c.key == key))

    def _row(self, key: str) -> Any:
        with self.engine.connect() as conn:
            query = sa.select(COUNTERS.c.count, COUNTERS.c.expires_at).where(COUNTERS.c.key == key)
            return conn.execute(query).first()


def init_app(app: Flask, engine: Engine) -> None:
    """Give the limiter the app's engine (used when RATELIMIT_STORAGE_URI is ours) and bind it."""
    for name, defaults in LIMITS.items():
        app.config.setdefault(name, dict(defaults))
    options = dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(SCHEME):
        options["engine"] = engine
    else:
        limiter._storage_options.pop("engine", None)  # an earlier app's; memory:// wants none
    app.config["RATELIMIT_STORAGE_OPTIONS"] = options
    limiter.init_app(app)


# -- who is counted ------------------------------------------------------------------------


def per_account() -> str:
    """The signed-in member; a visitor counts as their address."""
    if current_user.is_authenticated:
        return f"account:{current_user.get_id()}"
    return f"ip:{get_remote_address()}"


def per_ip() -> str:
    return f"ip:{get_remote_address()}"


def photos_sent() -> int:
    """How many files the request carries (an upload costs one per photo)."""
    return sum(1 for _name, f in request.files.items(multi=True) if f and f.filename)


KEYS: dict[str, Callable[[], str]] = {"account": per_account, "ip": per_ip}


def _setting(name: str, who: str) -> Callable[[], str]:
    def limit() -> str:
        value = current_app.config.get(name, LIMITS[name])
        return str(value.get(who, LIMITS[name][who]) if isinstance(value, dict) else value)

    return limit


def guard(name: str, *, uploads: bool = False) -> Callable[[F], F]:
    """Limit a view's POSTs by setting `name` (`LISTING_RATE_LIMIT`...), a limit for each of
    the keys its default names (per account, per IP); a string set for it applies to each.

    With `uploads`, the cost is the number of photos sent, shared by every view that takes
    them (scope "uploads"), and a POST without photos is not counted.
    """

    def decorate(view: F) -> F:
        scope = "uploads" if uploads else name.lower()
        extra: dict[str, Any] = {}
        if uploads:
            extra = {"cost": photos_sent, "exempt_when": lambda: photos_sent() == 0}
        for who in LIMITS[name]:
            limit = limiter.shared_limit(
                _setting(name, who), scope=f"{scope}:{who}",
                key_func=KEYS[who], methods=["POST"], **extra,
            )  # fmt: skip
            view = cast(F, limit(view))
        return view

    return decorate
