"""The one place trade events leave the marketplace: trades, ratings, cancellations, disputes,
and accepted wipe certificates (about the shop, so without a subject user).

`emit` writes the event into the outbox table in the caller's transaction, so an event exists
exactly when the change that caused it was committed. The credit work reads the outbox.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlmodel import Session

from market.listings.participants import participants_of
from market.trades.models import DomainEvent


class EventKind(StrEnum):
    TRADE_COMPLETED = "trade_completed"
    RATING = "rating"
    CANCELLATION = "cancellation"
    DISPUTE_OPENED = "dispute_opened"
    WIPE_CERTIFICATE = "wipe_certificate"  # a passed certificate accepted from a shop's station


def emit(
    *,
    session: Session,
    kind: EventKind,
    subject_user_id: int | None,
    counterparty_user_id: int | None = None,
    reservation_id: int | None = None,
    **payload: Any,
) -> DomainEvent:
    """Record one domain event about `subject_user_id` (not committed here)."""
    event = DomainEvent(
        kind=kind.value,
        subject_user_id=subject_user_id,
        counterparty_user_id=counterparty_user_id,
        reservation_id=reservation_id,
        payload=payload,
    )
    session.add(event)
    participants_of(session).on_event(session, event)
    return event
