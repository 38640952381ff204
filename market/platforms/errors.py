"""Why a partner-API call is refused: an HTTP status, a machine code, a sentence."""

from __future__ import annotations

from typing import Any

from market.errors import DomainError


class ApiError(DomainError):
    """Answered as JSON `{"error": code, "reason": message, **details}` with `status`."""

    def __init__(self, status: int, code: str, message: object, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.extra = details

    def details(self) -> dict[str, object]:
        return dict(self.extra)

    def headers(self) -> dict[str, str]:
        if self.status != 401:
            return {}
        # RFC 6750 section 3: a presented but unusable key is an invalid_token
        invalid = ', error="invalid_token"' if self.code != "missing_key" else ""
        return {"WWW-Authenticate": f'Bearer realm="xunhuan"{invalid}'}


class PlatformError(DomainError):
    """A platform or key could not be created or changed as asked (the CLI shows the message)."""
