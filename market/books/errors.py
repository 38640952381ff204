"""Book corner errors: a ListingError, so they show as a message (or JSON under /api)."""

from __future__ import annotations

from market.listings.errors import InvalidTransition, ListingError


class BookError(ListingError):
    """A book-corner step that can't be taken as asked."""


class NotMember(BookError):
    status = 403


class NoCredit(InvalidTransition):
    """Not enough swap credits to take a book."""


class NotThroughCorner(InvalidTransition):
    """A corner book reserved without going through the corner (and its credit)."""
