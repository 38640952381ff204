"""Refusals of the credit cases (appeals, repairs, reviews); shown as a message (or JSON)."""

from __future__ import annotations

from market.listings.errors import ListingError


class CaseError(ListingError):
    """A regulator's or subject's step that can't be taken as asked; nothing was written."""


class CaseConflict(CaseError):
    status = 409


class CaseNotFound(CaseError):
    status = 404
