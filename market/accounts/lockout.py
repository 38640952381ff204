"""Per-identifier lockout with backoff after failed logins, counted in the database.

After FREE_FAILURES failures in a row the identifier is locked for FIRST_LOCK, doubling with
each further failure up to LONGEST_LOCK; a success or a password reset clears the count, and a
quiet FORGET_AFTER does too. Unknown identifiers are counted and locked the same way, so the
answer never tells whether an account exists. Attempts while locked check no password.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from market.accounts.identifiers import parse_identifier, to_ascii_digits
from market.accounts.models import LoginThrottle

FREE_FAILURES = 5
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)
FORGET_AFTER = timedelta(days=1)


def throttle_key(secret: str, identifier: str) -> str:
    """The HMAC an identifier is counted under: its normal form, so "139 1234 5678" and
    "13912345678" share one count."""
    parsed = parse_identifier(identifier)
    value = parsed[1] if parsed else to_ascii_digits(identifier).strip().casefold()
    return hmac.new(secret.encode(), f"login:{value}".encode(), hashlib.sha256).hexdigest()


def locked_for(*, session: Session, key: str, now: datetime) -> timedelta | None:
    """How long the identifier stays locked, or None."""
    table = LoginThrottle.__table__  # type: ignore[attr-defined]
    until = session.execute(
        sa.select(table.c.locked_until).where(table.c.key == key)
    ).scalar_one_or_none()
    if until is None or until <= now:
        return None
    return until - now


def lock_length(failures: int) -> timedelta | None:
    if failures < FREE_FAILURES:
        return None
    return min(FIRST_LOCK * 2 ** min(failures - FREE_FAILURES, 20), LONGEST_LOCK)


def record_failure(*, session: Session, key: str, now: datetime) -> tuple[int, timedelta | None]:
    """Count one failure (the caller commits); return the count and the lock it brought.

    The count is raised in SQL, not read and written back, so two workers failing at the same
    moment both count.
    """
    table = LoginThrottle.__table__  # type: ignore[attr-defined]
    session.execute(
        sa.delete(table).where(
            table.c.key == key, col(LoginThrottle.last_failure_at) < now - FORGET_AFTER
        )
    )
    raised = session.execute(
        sa.update(table)
        .where(table.c.key == key)
        .values(failures=table.c.failures + 1, last_failure_at=now)
    )
    if raised.rowcount == 0:  # type: ignore[attr-defined]
        try:
            with session.begin_nested():
                session.execute(sa.insert(table).values(key=key, failures=1, last_failure_at=now))
        except IntegrityError:  # another worker inserted it first: count on its row
            session.execute(
                sa.update(table)
                .where(table.c.key == key)
                .values(failures=table.c.failures + 1, last_failure_at=now)
            )
    failures = session.execute(sa.select(table.c.failures).where(table.c.key == key)).scalar_one()
    lock = lock_length(failures)
    if lock is not None:
        session.execute(sa.update(table).where(table.c.key == key).values(locked_until=now + lock))
    return failures, lock


def clear(*, session: Session, key: str) -> None:
    """Forget the failures of an identifier (the caller commits)."""
    table = LoginThrottle.__table__  # type: ignore[attr-defined]
    session.execute(sa.delete(table).where(table.c.key == key))
