"""Credit intake from the outbox, checkpoints, and scores for the pages.

Subjects: a user is `person_subject(str(user.id), key)` where `key` is
HMAC-SHA256(SECRET_KEY, "xunhuan credit subject key v1"), or the app's CREDIT_SUBJECT_KEY when
set (set it before rotating SECRET_KEY, or every person's events start a new subject). An
organization is `org_subject(uscc)` and has no credit subject until its USCC is recorded.

Delivery: `deliver_pending` turns undelivered `domain_events` into ledger entries and marks
them delivered in one transaction, holding the ledger head lock, so running it twice or
concurrently appends each event once. It runs after every commit that wrote an event
(`DeliverOutbox`, a step of the unit of work in market.db) and from `xunhuan credit deliver`;
a delivery that fails leaves the rows for the next.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from credit.checkpoints import make_checkpoint
from credit.events import CreditEvent, org_subject, person_subject
from credit.explain import Hint, what_would_change
from credit.identifiers import is_valid_uscc, normalize_uscc
from credit.ledger import LedgerEntry, append_event
from credit.model import CreditResult, score_subject
from market.certificates.models import WipeCertificate
from market.credit import scores
from market.credit.checkpoints import verify as verify  # callers verify through the services
from market.credit.models import CreditCheckpoint, CreditScore
from market.credit.repository import SqlLedger
from market.db import utcnow
from market.listings.models import Listing
from market.orgs.models import Organization
from market.trades.models import DomainEvent, Reservation

log = logging.getLogger(__name__)
SOURCE = "xunhuan"
KEY_LABEL = b"xunhuan credit subject key v1"
BATCH = 500
PENDING = "credit_pending"
VENUE_PREFIXES = ("shop", "market", "school")


def subject_key(secret_key: str, override: str | None = None) -> bytes:
    """The HMAC key for person subjects, derived from SECRET_KEY unless one is configured."""
    if override:
        return override.encode()
    return hmac.new(secret_key.encode(), KEY_LABEL, hashlib.sha256).digest()


def key_from_config(config: Mapping[str, Any]) -> bytes:
    """The subject key of an app's config."""
    return subject_key(str(config["SECRET_KEY"]), config.get("CREDIT_SUBJECT_KEY"))


def user_subject(user_id: int, key: bytes) -> str:
    return person_subject(str(user_id), key)


def _org_subject(session: Session, org_id: int | None) -> str | None:
    org = session.get(Organization, org_id) if org_id is not None else None
    if org is None or not org.uscc or not is_valid_uscc(normalize_uscc(org.uscc)):
        return None
    return org_subject(org.uscc)


def _venue_org(session: Session, venue: object) -> int | None:
    prefix, _, raw_id = str(venue or "").partition(":")
    return int(raw_id) if prefix in VENUE_PREFIXES and raw_id.isdecimal() else None


def venue_subject(session: Session, venue: object) -> str | None:
    """The credit subject of the organization a listing's venue names, if it has a USCC."""
    return _org_subject(session, _venue_org(session, venue))


def credit_events(session: Session, row: DomainEvent, key: bytes) -> list[CreditEvent]:
    """The credit events one outbox row stands for (none for cancellations and opened disputes).

    Cancellations have no weight in the model, and an opened dispute is not an outcome; the
    regulator's decision will be its own event. Ratings count only when the buyer rates.
    """
    p = row.payload or {}
    base: dict[str, Any] = {"source": SOURCE, "occurred_at": row.created_at}
    if row.kind == "wipe_certificate":
        certificate = session.get(WipeCertificate, str(p.get("certificate_id")))
        subject = _org_subject(session, certificate.organization_id) if certificate else None
        if certificate is None or subject is None or certificate.result != "passed":
            return []
        return [
            CreditEvent(
                subject=subject,
                kind="wipe_certificate",
                weight=None,
                counterparty=None,
                evidence=f"certificate:{certificate.id}",
                event_id=f"{SOURCE}:de{row.id}:o",
                **base,
            )
        ]
    if row.kind == "trade_completed":
        kind, weight, venue = "trade_completed", None, p.get("venue")
    elif row.kind == "rating" and p.get("rater_role") == "buyer":
        reservation = session.get(Reservation, row.reservation_id)
        listing = session.get(Listing, reservation.listing_id) if reservation else None
        kind, weight, venue = "rating", float(p["stars"]), listing.venue if listing else None
    else:
        return []
    if row.subject_user_id is None or row.counterparty_user_id is None:
        return []
    buyer = user_subject(row.counterparty_user_id, key)
    common: dict[str, Any] = {
        "kind": kind,
        "weight": weight,
        "counterparty": buyer,
        "evidence": f"reservation:{row.reservation_id}",
        **base,
    }
    out = [
        CreditEvent(
            subject=user_subject(row.subject_user_id, key),
            event_id=f"{SOURCE}:de{row.id}:p",
            **common,
        )
    ]
    org = venue_subject(session, venue)
    if org is not None:
        out.append(CreditEvent(subject=org, event_id=f"{SOURCE}:de{row.id}:o", **common))
    return out


def append_events(
    session: Session, items: Iterable[tuple[CreditEvent, Mapping[str, str] | None]]
) -> list[LedgerEntry]:
    """Append events in the caller's transaction (ledger head locked); the caller commits.

    The one way events enter the ledger: the outbox intake, the regulator's actions and the
    partner API all come through here, so the score projection of each subject touched is
    refreshed in the same transaction. `personal` (names, reasons, user ids) goes beside
    the chain.
    """
    items = list(items)
    ledger = SqlLedger(session)
    ledger.lock_head()
    entries = [append_event(ledger, event, personal) for event, personal in items]
    scores.refresh(session, {event.subject for event, _personal in items})
    return entries


def deliver_pending(*, session: Session, key: bytes, limit: int = BATCH) -> int:
    """Append up to `limit` undelivered outbox rows to the ledger; return how many rows."""
    ledger = SqlLedger(session)
    ledger.lock_head()  # first: a concurrent deliverer waits here, then sees our rows delivered
    rows = session.exec(
        select(DomainEvent)
        .where(col(DomainEvent.delivered_at).is_(None))
        .order_by(col(DomainEvent.id))
        .limit(limit)
    ).all()
    now = utcnow()
    items: list[tuple[CreditEvent, Mapping[str, str] | None]] = []
    for row in rows:
        for event in credit_events(session, row, key):
            personal = {"user_id": str(row.subject_user_id)} if event.subject[0] == "p" else None
            items.append((event, personal))
        row.delivered_at = now
        session.add(row)
    append_events(session, items)
    session.commit()
    return len(rows)


def deliver_all(*, session: Session, key: bytes) -> int:
    """Deliver batches until the outbox is empty."""
    total = 0
    while count := deliver_pending(session=session, key=key):
        total += count
    return total


class DeliverOutbox:
    """The after-commit step that delivers the outbox rows a commit wrote, in a session of its own.

    `after` runs in that session once the delivery committed (the scheduled checkpoint).
    """

    def __init__(self, key: bytes, after: Callable[[Session], object] | None = None) -> None:
        self.key = key
        self.after = after

    def collect(self, session: OrmSession) -> None:
        if any(isinstance(obj, DomainEvent) for obj in session.new):
            session.info[PENDING] = True

    def run(self, session: OrmSession) -> None:
        if not session.info.pop(PENDING, False):
            return
        try:
            with Session(session.get_bind()) as own:
                deliver_pending(session=own, key=self.key)
                if self.after is not None:
                    self.after(own)
        except Exception:  # noqa: BLE001 - the trade is saved; `xunhuan credit deliver` retries
            log.exception("credit delivery failed; the outbox keeps the events")

    def forget(self, session: OrmSession) -> None:
        session.info.pop(PENDING, None)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The checkpoint signing key, created with mode 0600 on first use."""
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def checkpoint(*, session: Session, private_key: Ed25519PrivateKey) -> CreditCheckpoint:
    """Sign the current head and store the checkpoint."""
    ledger = SqlLedger(session)
    signed = make_checkpoint(ledger, private_key)
    public = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        .hex()
    )
    row = CreditCheckpoint(
        seq=signed["seq"],
        head_hash=signed["head_hash"],
        signed_at=signed["at"],
        signature=signed["signature"],
        public_key=public,
    )
    session.add(row)
    session.commit()
    return row


def checkpoint_key_path(config: Mapping[str, Any]) -> Path:
    """Where the ledger's Ed25519 checkpoint key lives: the data dir, mode 0600."""
    return Path(str(config["DATA_DIR"])) / "credit_checkpoint_key.pem"


def checkpoint_interval(config: Mapping[str, Any]) -> timedelta:
    """How often the head is signed (CREDIT_CHECKPOINT_INTERVAL seconds, an hour by default)."""
    return timedelta(seconds=int(config.get("CREDIT_CHECKPOINT_INTERVAL", 3600)))


def last_checkpoint(session: Session) -> CreditCheckpoint | None:
    return session.exec(
        select(CreditCheckpoint).order_by(col(CreditCheckpoint.id).desc()).limit(1)
    ).first()


def checkpoint_due(session: Session, *, interval: timedelta, now: datetime | None = None) -> bool:
    """A checkpoint is due when the head moved and the last one is `interval` old (or none)."""
    head_seq = SqlLedger(session).head_seq()
    last = last_checkpoint(session)
    if last is None:
        return head_seq > 0
    signed = datetime.fromisoformat(last.signed_at)
    return head_seq != last.seq and (now or utcnow()) - signed >= interval


def checkpoint_if_due(
    *, session: Session, key_path: Path, interval: timedelta
) -> CreditCheckpoint | None:
    """The scheduled checkpoint: sign the head if due (after deliveries and from `credit tick`)."""
    if not checkpoint_due(session, interval=interval):
        return None
    return checkpoint(session=session, private_key=load_private_key(key_path))


@dataclass(frozen=True)
class Standing:
    """A subject's result with the events behind it and the hints to show."""

    result: CreditResult
    events: dict[str, CreditEvent]
    hints: list[Hint]


def standing(*, session: Session, subject: str, as_of: datetime | None = None) -> Standing:
    """Score `subject` from its ledger events now."""
    when = as_of or utcnow()
    events = SqlLedger(session).events_of(subject)
    result = score_subject(events, as_of=when, subject=subject)
    return Standing(
        result, {e.event_id: e for e in events}, what_would_change(result, events, when)
    )


def user_grade(*, session: Session, config: Mapping[str, Any], user_id: int) -> CreditScore:
    """A person's grade for badges, from the score projection."""
    return scores.lookup(session, user_subject(user_id, key_from_config(config)))


def org_grade(*, session: Session, org: Organization) -> CreditScore | None:
    """A platform's grade for badges; None while its USCC is unrecorded (no credit subject)."""
    subject = _org_subject(session, org.id)
    return scores.lookup(session, subject) if subject else None
