"""Listing errors, with the message a user reads and the field it belongs to."""

from __future__ import annotations


class ListingError(Exception):
    status = 400

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotOwner(ListingError):
    status = 403


class NotFound(ListingError):
    status = 404


class InvalidTransition(ListingError):
    status = 409
