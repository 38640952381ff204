"""Refusals of the consignment routine; shown as a message (or JSON) by market.error_handlers."""

from __future__ import annotations

from market.listings.errors import ListingError


class ConsignmentError(ListingError):
    """An agreement the counter can't accept; `message` says why, `field` where."""


class NotShopStaff(ConsignmentError):
    """Staff of another shop, or not staff at all."""

    status = 403


class ItemNotFound(ConsignmentError):
    status = 404


class ItemNotForSale(ConsignmentError):
    status = 409


__all__ = ["ConsignmentError", "ItemNotForSale", "ItemNotFound", "NotShopStaff"]
