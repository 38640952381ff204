"""Trade errors."""

from __future__ import annotations

from market.listings.errors import InvalidTransition, ListingError, NotFound, NotOwner


class TradeError(ListingError):
    """A trade step that can't be taken as asked."""


class AlreadyReserved(InvalidTransition):
    """Someone else reserved the listing first."""


__all__ = ["AlreadyReserved", "InvalidTransition", "NotFound", "NotOwner", "TradeError"]
