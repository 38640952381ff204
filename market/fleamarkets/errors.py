"""Flea-market errors: part of the ListingError family, so the one handler shows them."""

from __future__ import annotations

from market.listings.errors import ListingError


class FleaMarketError(ListingError):
    """A refused step, with the Chinese message and the form field it belongs to."""


class NotAllowed(FleaMarketError):
    status = 403


class NotFound(FleaMarketError):
    status = 404


class Conflict(FleaMarketError):
    status = 409


class StallsFull(Conflict):
    pass
