"""Organization errors."""

from __future__ import annotations


class OrganizationError(Exception):
    """An organization could not be created as asked; `field` names the form field it concerns.

    Shaped like `AccountError` (message, field) but not derived from it: accounts build on
    organizations, so organizations may not import the accounts area.
    """

    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field
