"""The database: one engine per app, one unit of work for every caller, UTC-aware timestamps.

Requests, CLI commands, scheduled ticks and tests all open their sessions with
`open_session()` (or `unit_of_work()` around it), so the steps each area registers with
`add_after_commit()` (index the listings, deliver the credit outbox) follow every commit,
whoever made it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from market.clock import utcnow as utcnow  # the one clock; importers here predate it

SQLITE_BUSY_TIMEOUT_MS = 10_000
AFTER_COMMIT = "xunhuan.after_commit"


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside one writer; the busy timeout makes a second writer wait
    # instead of failing at once; foreign keys are off in SQLite unless asked for.
    dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below take the lock
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(conn: sa.Connection) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers queue on the busy
    # timeout instead of one failing with "database is locked" when it upgrades its lock.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """Create the engine for a SQLite or PostgreSQL URL."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def get_engine(app: Flask | None = None) -> Engine:
    engine: Engine = (app or current_app).extensions["xunhuan.engine"]
    return engine


class AfterCommit(Protocol):
    """A step that follows each commit: notes what a flush changed, acts once it is saved.

    It keeps its notes in `session.info`; `run` must not raise into the caller (the data is
    saved already): it logs, and a repair command catches up.
    """

    def collect(self, session: OrmSession) -> None:
        """After a flush (session.new/dirty/deleted still name what it wrote)."""

    def run(self, session: OrmSession) -> None:
        """After the commit; open a session of its own to read or write."""

    def forget(self, session: OrmSession) -> None:
        """After a rollback: drop the notes."""


def add_after_commit(app: Flask, step: AfterCommit) -> None:
    """Run `step` after every commit of every session `open_session()` makes for `app`."""
    app.extensions.setdefault(AFTER_COMMIT, []).append(step)


SESSION_INFO = "xunhuan.session_info"  # what every session the app opens carries in .info


def open_session(app: Flask | None = None) -> Session:
    """A session on the app's engine that runs the app's after-commit steps."""
    app = app or current_app
    session = Session(
        get_engine(app), expire_on_commit=False, info=dict(app.extensions.get(SESSION_INFO, {}))
    )
    steps: list[AfterCommit] = list(app.extensions.get(AFTER_COMMIT, ()))
    if steps:

        def collect(s: OrmSession, _flush_context: Any) -> None:
            for step in steps:
                step.collect(s)

        def run(s: OrmSession) -> None:
            for step in steps:
                step.run(s)

        def forget(s: OrmSession, _transaction: Any) -> None:
            for step in steps:
                step.forget(s)

        sa.event.listen(session, "after_flush", collect)
        sa.event.listen(session, "after_commit", run)
        sa.event.listen(session, "after_soft_rollback", forget)
    return session


@contextmanager
def unit_of_work(app: Flask | None = None) -> Iterator[Session]:
    """Open a session; commit once when the block ends, roll back when it raises; close."""
    session = open_session(app)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_session() -> Session:
    """Return the request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = open_session()
    session: Session = g.db_session
    return session


def close_session(exc: BaseException | None = None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    if exc is not None:
        session.rollback()
    session.close()


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["xunhuan.engine"] = engine
    app.teardown_appcontext(close_session)
