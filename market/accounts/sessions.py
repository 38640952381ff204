"""Server-side session records: the browser holds random tokens, the database their hashes.

A plain login lasts while the browser keeps its session cookie and ends after
IDLE_LIMIT without a request; remember-me lasts REMEMBER_FOR from the login, and its token
changes every time it is used, so a copied one works at most once and not after the owner's
next visit.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from market.accounts.models import User, UserSession
from market.db import utcnow

IDLE_LIMIT = timedelta(days=14)
REMEMBER_FOR = timedelta(days=30)
TOUCH_EVERY = timedelta(minutes=5)  # last-seen is written at most this often, not per request


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mask_ip(address: str | None) -> str:
    """Keep the network, drop the host: 203.0.113.* for IPv4, the /48 for IPv6."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return ""
    if ip.version == 4:
        return ".".join(str(ip).split(".")[:3]) + ".*"
    network = ipaddress.ip_network(f"{ip}/48", strict=False)
    return f"{network.network_address}/48"


_BROWSERS = (
    ("Edg/", "Edge"),
    ("MicroMessenger", "WeChat"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """'Chrome · Android' from a User-Agent; '' when nothing is recognised."""
    browser = next((name for key, name in _BROWSERS if key in user_agent), "")
    system = next((name for key, name in _SYSTEMS if key in user_agent), "")
    return " · ".join(part for part in (browser, system) if part)


@dataclass(frozen=True)
class Issued:
    """A session row and the raw tokens to hand to the browser (never stored)."""

    row: UserSession
    token: str
    remember_token: str | None


def _remember_token(row: UserSession) -> str:
    token = secrets.token_urlsafe(32)
    row.remember_hash = token_hash(token)
    return token


def start(
    *, session: Session, user: User, remember: bool, user_agent: str, ip: str | None
) -> Issued:
    """Open a session for `user` (the caller commits with the login)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        token_hash=token_hash(token),
        user_id=user.id or 0,
        created_at=now,
        last_seen_at=now,
        user_agent=user_agent[:200],
        ip_masked=mask_ip(ip),
        remember=remember,
        remember_expires_at=now + REMEMBER_FOR if remember else None,
    )
    remember_token = _remember_token(row) if remember else None
    session.add(row)
    return Issued(row, token, remember_token)


def _live(row: UserSession | None, now: datetime) -> bool:
    if row is None or row.ended_at is not None:
        return False
    if row.remember and row.remember_expires_at is not None:
        return now < row.remember_expires_at
    return now - row.last_seen_at < IDLE_LIMIT


def find_live(*, session: Session, token: str, user_id: int) -> UserSession | None:
    """The live session of `user_id` this token opens, touched; None if ended or aged."""
    row = session.exec(
        select(UserSession).where(UserSession.token_hash == token_hash(token))
    ).first()
    now = utcnow()
    if not _live(row, now) or row is None or row.user_id != user_id:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return row


def restore(*, session: Session, remember_token: str) -> Issued | None:
    """Reopen a remembered session, rotating both its tokens; None if the token is spent."""
    row = session.exec(
        select(UserSession).where(UserSession.remember_hash == token_hash(remember_token))
    ).first()
    now = utcnow()
    if row is None or not row.remember or not _live(row, now):
        return None
    token = secrets.token_urlsafe(32)
    row.token_hash = token_hash(token)
    new_remember = _remember_token(row)
    row.last_seen_at = now
    session.add(row)
    session.commit()
    return Issued(row, token, new_remember)


def end(row: UserSession, now: datetime | None = None) -> None:
    row.ended_at = now or utcnow()
    row.remember_hash = None


def end_all(*, session: Session, user_id: int, keep: int | None = None) -> int:
    """End every live session of `user_id` except `keep`; the caller commits. Return how many."""
    rows = session.exec(
        select(UserSession).where(
            UserSession.user_id == user_id, col(UserSession.ended_at).is_(None)
        )
    ).all()
    now = utcnow()
    ended = 0
    for row in rows:
        if row.id != keep:
            end(row, now)
            session.add(row)
            ended += 1
    return ended


def live_sessions(*, session: Session, user_id: int) -> list[UserSession]:
    rows = session.exec(
        select(UserSession)
        .where(UserSession.user_id == user_id, col(UserSession.ended_at).is_(None))
        .order_by(col(UserSession.last_seen_at).desc())
    ).all()
    now = utcnow()
    return [row for row in rows if _live(row, now)]


def end_one(*, session: Session, user_id: int, session_id: int) -> bool:
    """End one of the person's own sessions; False if it is not theirs or already over."""
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return False
    end(row)
    session.add(row)
    session.commit()
    return True
