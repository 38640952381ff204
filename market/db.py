"""The database: one engine per app, one unit of work for every caller, UTC-aware timestamps.

Requests, CLI commands, scheduled ticks and tests all open their sessions with
`open_session()` (or `unit_of_work()` around it), so the steps each area registers with
`add_after_commit()` (index the listings, deliver the credit outbox) follow every commit,
whoever made it.

Transactions match the work: on SQLite one begins deferred, so reading takes no lock (WAL
readers never wait), and takes the write lock at its first write; PostgreSQL stays READ
COMMITTED. A writer that waits past the lock timeout gets an error `is_busy` recognises, which
the error handlers answer with 503 and Retry-After. Heavy work (decoding photos) is done before
a transaction writes, so the lock is held for moments.
"""

from __future__ import annotations

import sqlite3
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

# A writer waits this long for SQLite's write lock (PostgreSQL: for a row lock), then the
# request answers 503 with Retry-After (market.error_handlers) instead of hanging on.
SQLITE_BUSY_TIMEOUT_MS = 5_000
PG_LOCK_TIMEOUT_MS = 5_000
AFTER_COMMIT = "xunhuan.after_commit"
READ_ONLY = "xunhuan.read_only"  # on a SQLite connection's info: its transaction only read so far
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class DatabaseBusy(Exception):
    """The database's write lock (or a row lock) stayed taken past the busy timeout."""


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


def _sqlite_on_connect(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers run beside one writer; the busy timeout makes a second writer
        # wait instead of failing at once; foreign keys are off in SQLite unless asked for.
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below take the lock
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def _sqlite_on_begin(conn: sa.Connection) -> None:
    # Deferred: a transaction that only reads takes no lock at all (WAL readers never wait),
    # so pages and /healthz answer while another request writes.
    conn.exec_driver_sql("BEGIN")
    conn.info[READ_ONLY] = True


def _sqlite_on_end(conn: sa.Connection) -> None:
    conn.info.pop(READ_ONLY, None)


def _writes(statement: str, context: Any) -> bool:
    """Does this statement write, or lock rows it means to write (SELECT ... FOR UPDATE)?"""
    if statement.lstrip()[:8].upper().startswith(WRITE_VERBS):
        return True
    compiled = getattr(context, "compiled", None)
    return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None


def _sqlite_before_write(
    conn: sa.Connection, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
) -> None:
    """Take the write lock when a transaction first writes: end its read, BEGIN IMMEDIATE.

    Upgrading a deferred transaction in place fails at once with "database is locked" when
    another writer holds the lock (SQLite calls no busy handler for an upgrade, to avoid a
    deadlock), so the read part ends and the write part begins with the lock, waiting on the
    busy timeout. Reads before that saw committed data, as PostgreSQL's READ COMMITTED does;
    rows read to be changed are read again with FOR UPDATE, which counts as a write here.
    """
    if not conn.info.get(READ_ONLY) or not _writes(statement, context):
        return
    conn.info[READ_ONLY] = False
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    dbapi.execute("COMMIT")
    try:
        dbapi.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        dbapi.execute("BEGIN")  # SQLAlchemy still thinks a transaction is open: keep one
        raise DatabaseBusy(str(error)) from error


def make_engine(url: str, *, lock_timeout_ms: int | None = None) -> Engine:
    """Create the engine for a SQLite or PostgreSQL URL; a writer waits `lock_timeout_ms` for
    a lock (SQLite's write lock, a PostgreSQL row lock) before `is_busy` errors say so."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        busy = SQLITE_BUSY_TIMEOUT_MS if lock_timeout_ms is None else lock_timeout_ms
        engine = sa.create_engine(url, connect_args={"timeout": busy / 1000})
        sa.event.listen(engine, "connect", _sqlite_on_connect(busy))
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        sa.event.listen(engine, "commit", _sqlite_on_end)
        sa.event.listen(engine, "rollback", _sqlite_on_end)
        sa.event.listen(engine, "before_cursor_execute", _sqlite_before_write)
        return engine
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args={"options": f"-c lock_timeout={int(lock_timeout_ms or PG_LOCK_TIMEOUT_MS)}"},
    )


def is_busy(error: BaseException) -> bool:
    """Is this the database saying a lock stayed taken (SQLite busy, PostgreSQL lock timeout)?"""
    if isinstance(error, DatabaseBusy):
        return True
    if isinstance(error, sa.exc.OperationalError):
        orig = error.orig
        if isinstance(orig, sqlite3.OperationalError):
            return "locked" in str(orig) or "busy" in str(orig)
        return getattr(orig, "sqlstate", None) == "55P03"  # lock_not_available
    return False


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


def ping() -> None:
    """Ask the database for one row on the request's session; raises when it cannot answer."""
    get_session().execute(sa.text("SELECT 1"))


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
    engine = make_engine(
        app.config["DATABASE_URL"], lock_timeout_ms=app.config.get("DATABASE_LOCK_TIMEOUT_MS")
    )
    app.extensions["xunhuan.engine"] = engine
    app.teardown_appcontext(close_session)
