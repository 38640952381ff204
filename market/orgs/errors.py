"""Organization errors."""

from __future__ import annotations

from market.accounts.errors import AccountError


class OrganizationError(AccountError):
    """An organization could not be created as asked."""
