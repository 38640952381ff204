"""Refusals of the consignment routine; shown as a message (or JSON) by market.errors."""

from __future__ import annotations

from market.consignment.terms import ConsignmentError


class NotShopStaff(ConsignmentError):
    """Staff of another shop, or not staff at all."""

    status = 403


class ItemNotFound(ConsignmentError):
    status = 404


class ItemNotForSale(ConsignmentError):
    status = 409


__all__ = ["ConsignmentError", "ItemNotForSale", "ItemNotFound", "NotShopStaff"]
