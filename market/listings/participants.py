"""The open registry of areas that take part in a listing's life.

Listings sit low in the house: certificates, trades, consignment, flea markets and book corners
build on them, so listings may not import them. Instead each such area registers a
`Participant` in its `init_app`, and the listing services and pages ask the registry. The
registry lives on the app (`app.extensions[EXTENSION]`) and is put on every session the app
opens (`session.info[EXTENSION]`), so a service finds it from the session it is given, and a
test can hand a service a session carrying its own registry. (cosmicpython's message bus:
handlers are registered at start-up, not discovered by import.)

Every hook is optional; the order of registration is the order hooks are asked in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app, has_app_context
from sqlmodel import Session

from market.db import SESSION_INFO
from market.listings.models import Listing

EXTENSION = "xunhuan.listing_participants"


class HasId(Protocol):
    id: Any


# Why the owner may not edit, withdraw or renew `listing` on the listing pages, or None.
Lock = Callable[[Session, Listing], Any]
# Called before a reservation takes `listing` (flushes, never commits).
BeforeReserve = Callable[[Session, Listing], None]
# Called when a trade of `listing` completes (flushes, never commits); gets the reservation.
OnTradeCompleted = Callable[[Session, Listing, Any], None]
# Called when a reservation of `listing` is made, before it is committed; raises to refuse.
OnReserved = Callable[[Session, Listing, Any], None]
# Called for each domain event as it is recorded (trades.events.emit), in its transaction.
OnEvent = Callable[[Session, Any], None]
# Attaches a certificate id the seller typed to a new listing; raises ListingError to refuse.
AttachCertificate = Callable[[Session, Listing, Any, str], None]
# The passed wipe certificate of a listing, or None.
CertificateOf = Callable[[Session, int], HasId | None]
# Extra values for the listing page's template (`listings/detail.html`).
ListingPage = Callable[[Session, Listing, Mapping[str, Any]], Mapping[str, Any]]
# Extra values for a seller's public page (`listings/seller.html`).
SellerPage = Callable[[Session, int, Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class Participant:
    """One area's hooks into the listing's life; `name` is for error messages and tests."""

    name: str
    lock: Lock | None = None
    before_reserve: BeforeReserve | None = None
    on_reserved: OnReserved | None = None
    on_trade_completed: OnTradeCompleted | None = None
    on_event: OnEvent | None = None
    attach_certificate: AttachCertificate | None = None
    certificate_of: CertificateOf | None = None
    listing_page: ListingPage | None = None
    seller_page: SellerPage | None = None


class Participants:
    """The registered participants, asked in registration order."""

    def __init__(self) -> None:
        self._by_name: dict[str, Participant] = {}

    def register(self, participant: Participant) -> None:
        """Add `participant`; registering the same name again replaces it (idempotent)."""
        self._by_name[participant.name] = participant

    def __iter__(self) -> Iterator[Participant]:
        return iter(list(self._by_name.values()))

    def names(self) -> list[str]:
        return list(self._by_name)

    def lock_message(self, session: Session, listing: Listing) -> Any:
        """Why the owner manages `listing` elsewhere (a shop's counter, a book corner), or None."""
        for participant in self:
            if participant.lock and (message := participant.lock(session, listing)) is not None:
                return message
        return None

    def before_reserve(self, session: Session, listing: Listing) -> None:
        for participant in self:
            if participant.before_reserve:
                participant.before_reserve(session, listing)

    def on_reserved(self, session: Session, listing: Listing, reservation: Any) -> None:
        for participant in self:
            if participant.on_reserved:
                participant.on_reserved(session, listing, reservation)

    def on_event(self, session: Session, event: Any) -> None:
        for participant in self:
            if participant.on_event:
                participant.on_event(session, event)

    def on_trade_completed(self, session: Session, listing: Listing, reservation: Any) -> None:
        for participant in self:
            if participant.on_trade_completed:
                participant.on_trade_completed(session, listing, reservation)

    def attach_certificate(
        self, session: Session, listing: Listing, user: Any, certificate_id: str
    ) -> None:
        hooks = [p.attach_certificate for p in self if p.attach_certificate]
        if not hooks:
            raise LookupError("no participant attaches certificates")
        for hook in hooks:
            hook(session, listing, user, certificate_id)

    def certificate_of(self, session: Session, listing_id: int) -> HasId | None:
        for participant in self:
            if (
                participant.certificate_of
                and (found := participant.certificate_of(session, listing_id)) is not None
            ):
                return found
        return None

    def listing_page(
        self, session: Session, listing: Listing, config: Mapping[str, Any]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for participant in self:
            if participant.listing_page:
                values.update(participant.listing_page(session, listing, config))
        return values

    def seller_page(
        self, session: Session, user_id: int, config: Mapping[str, Any]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for participant in self:
            if participant.seller_page:
                values.update(participant.seller_page(session, user_id, config))
        return values


def init_app(app: Flask) -> Participants:
    """Give `app` its registry and put it on every session the app opens."""
    registry = app.extensions.get(EXTENSION)
    if registry is None:
        registry = app.extensions[EXTENSION] = Participants()
        # Every session the app opens (market.db.open_session) carries the registry.
        app.extensions.setdefault(SESSION_INFO, {})[EXTENSION] = registry
    return registry


def register(app: Flask, participant: Participant) -> None:
    """Register `participant` on `app` (called from an area's `init_app`)."""
    init_app(app).register(participant)


def participants_of(session: Session) -> Participants:
    """The registry the session carries, else the current app's."""
    found = session.info.get(EXTENSION)
    if found is None and has_app_context():
        found = current_app.extensions.get(EXTENSION)
    if found is None:
        raise LookupError(
            "no listing participants: open the session through the app, or set "
            f"session.info[{EXTENSION!r}]"
        )
    registry: Participants = found
    return registry
