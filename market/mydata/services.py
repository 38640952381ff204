"""A person's own data: everything as JSON (PIPL art. 45), and erasure (art. 47).

Erasure keeps what others rely on or the law asks to keep, and nothing that names the person:
the credit ledger's entries stay (append-only and hash-chained; they name a keyed hash, never
the person), their personal side data in `credit_personal` and case statements go; completed
trades, messages, ratings and reports stay for the other party and the regulator, shown with
the name "已注销用户".
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, or_, select

from market.accounts import sessions
from market.accounts.errors import AccountError, InvalidCredentials
from market.accounts.models import User, UserSession
from market.accounts.passwords import verify_password
from market.credit import services as credit
from market.credit.case_models import CreditCase
from market.credit.models import CreditLedgerEntry
from market.credit.repository import SqlLedger
from market.db import utcnow
from market.listings.models import Listing, ListingPhoto
from market.notifications.models import Notification
from market.privacy import mask_name, mask_text
from market.trades.models import Message, Rating, Report, Reservation, ReservationStatus

DELETED_NAME = "已注销用户"
EXPORT_VERSION = 1
_WITHDRAWABLE = ("active", "draft", "expired")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _name(session: Session, user_id: int | None) -> str:
    other = session.get(User, user_id) if user_id else None
    return mask_name(other.display_name) if other else ""


def _row(obj: Any, *names: str) -> dict[str, Any]:
    out = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = _iso(value) if isinstance(value, datetime) else value
    return out


def export(*, session: Session, user: User, config: Mapping[str, Any]) -> dict[str, Any]:
    """Everything kept about `user`; other people appear only by masked name."""
    uid = user.id
    listings = session.exec(select(Listing).where(Listing.owner_id == uid)).all()
    trades = session.exec(
        select(Reservation).where(or_(Reservation.buyer_id == uid, Reservation.seller_id == uid))
    ).all()
    subject = credit.user_subject(uid or 0, credit.key_from_config(config))
    return {
        "format": f"xunhuan-personal-data/{EXPORT_VERSION}",
        "exported_at": utcnow().isoformat(),
        "profile": _row(
            user,
            "id",
            "display_name",
            "mobile",
            "email",
            "home_street",
            "locale",
            "role",
            "organization_id",
            "created_at",
            "last_login_at",
            "identifier_verified_at",
        ),
        "consent": _row(user, "consent_version", "consented_at"),
        "listings": [
            {
                **_row(
                    item,
                    "id",
                    "title",
                    "description",
                    "category",
                    "mode",
                    "price_fen",
                    "deposit_fen",
                    "grade",
                    "street",
                    "venue",
                    "status",
                    "condition",
                    "disclosures",
                    "created_at",
                    "published_at",
                    "expires_at",
                ),
                "photos": [
                    p.image_key
                    for p in session.exec(
                        select(ListingPhoto)
                        .where(ListingPhoto.listing_id == item.id)
                        .order_by(col(ListingPhoto.position))
                    )
                ],
            }
            for item in listings
        ],
        "trades": [_trade(session, trade, uid or 0) for trade in trades],
        "ratings_given": [
            _row(r, "reservation_id", "stars", "comment", "created_at")
            for r in session.exec(select(Rating).where(Rating.rater_id == uid))
        ],
        "ratings_received": [
            _row(r, "reservation_id", "stars", "comment", "created_at")
            for r in session.exec(select(Rating).where(Rating.ratee_id == uid))
        ],
        "reports_filed": [
            _row(r, "id", "listing_id", "reason", "text", "status", "created_at")
            for r in session.exec(select(Report).where(Report.reporter_id == uid))
        ],
        "notifications": [
            _row(n, "message", "params", "link", "created_at", "read_at")
            for n in session.exec(select(Notification).where(Notification.user_id == uid))
        ],
        "credit": {
            "subject": subject,
            "events": [event.to_dict() for event in SqlLedger(session).events_of(subject)],
            "cases": [
                _row(
                    c,
                    "id",
                    "kind",
                    "status",
                    "statement",
                    "opened_at",
                    "decision",
                    "decision_reason",
                    "closed_at",
                )
                for c in session.exec(select(CreditCase).where(CreditCase.subject == subject))
            ],
        },
        "sessions": [
            _row(s, "created_at", "last_seen_at", "user_agent", "ip_masked", "remember")
            for s in sessions.live_sessions(session=session, user_id=uid or 0)
        ],
    }


def _trade(session: Session, trade: Reservation, uid: int) -> dict[str, Any]:
    other = trade.seller_id if trade.buyer_id == uid else trade.buyer_id
    messages = session.exec(
        select(Message).where(Message.reservation_id == trade.id).order_by(col(Message.created_at))
    ).all()
    return {
        **_row(
            trade,
            "id",
            "listing_id",
            "status",
            "price_fen",
            "meet_time",
            "meet_place",
            "created_at",
            "completed_at",
            "cancelled_at",
            "dispute_text",
        ),
        "role": "buyer" if trade.buyer_id == uid else "seller",
        "other_party": _name(session, other),
        # The other party's messages as they were shown to this person: numbers masked.
        "messages": [
            {
                "from_me": m.sender_id == uid,
                "body": m.body if m.sender_id == uid else mask_text(m.body),
                "created_at": _iso(m.created_at),
            }
            for m in messages
        ],
    }


def delete_account(
    *, session: Session, user: User, password: str, config: Mapping[str, Any]
) -> None:
    """Erase the person after they re-enter their password; end all their sessions."""
    if not verify_password(user.password_hash, password):
        raise InvalidCredentials(_("密码不正确，账号未注销。"))
    uid = user.id or 0
    open_trade = session.exec(
        select(Reservation).where(
            or_(Reservation.buyer_id == uid, Reservation.seller_id == uid),
            col(Reservation.status).in_([ReservationStatus.OPEN, ReservationStatus.RENTING]),
        )
    ).first()
    if open_trade is not None:
        raise AccountError(_("您还有进行中的交易，请先完成或取消后再注销。"))
    now = utcnow()
    for listing in session.exec(
        select(Listing).where(Listing.owner_id == uid, col(Listing.status).in_(_WITHDRAWABLE))
    ).all():
        listing.status = "withdrawn"
        listing.updated_at = now
        session.add(listing)
    for note in session.exec(select(Notification).where(Notification.user_id == uid)).all():
        session.delete(note)
    _erase_credit_personal(session, credit.user_subject(uid, credit.key_from_config(config)))
    user.display_name = DELETED_NAME
    user.mobile = f"x{uid:010d}"  # a tombstone: unique, and never a valid number
    user.email = None
    user.home_street = None
    user.locale = None
    user.password_hash = "!" + secrets.token_hex(16)  # no Argon2 hash: nothing verifies
    user.is_active = False
    user.deleted_at = now
    session.add(user)
    for row in session.exec(select(UserSession).where(UserSession.user_id == uid)).all():
        session.delete(row)  # ends every login; the device list is personal data too
    session.commit()


def _erase_credit_personal(session: Session, subject: str) -> None:
    ledger = SqlLedger(session)
    refs = session.exec(
        select(CreditLedgerEntry.personal_ref).where(
            CreditLedgerEntry.subject == subject, col(CreditLedgerEntry.personal_ref).is_not(None)
        )
    ).all()
    for ref in refs:
        if ref:
            ledger.erase_personal(ref)
    for case in session.exec(select(CreditCase).where(CreditCase.subject == subject)).all():
        if case.statement is not None:
            case.statement = None
            session.add(case)
