"""Why a partner-API call is refused: an HTTP status, a reason code, an English sentence."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Answered as JSON `{"error": message, "reason": reason, **extra}` with `status`."""

    def __init__(self, status: int, reason: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "reason": self.reason, **self.extra}


class PlatformError(Exception):
    """A platform or key could not be created or changed as asked (the CLI shows the message)."""
