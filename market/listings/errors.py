"""Listing errors, with the message a user reads and the field it belongs to."""

from __future__ import annotations

from market.errors import DomainError


class ListingError(DomainError):
    status = 400


class NotOwner(ListingError):
    status = 403


class NotFound(ListingError):
    status = 404


class InvalidTransition(ListingError):
    status = 409
