"""The one family of domain errors; `market.error_handlers` turns any of them into an answer.

Plain Python on purpose (no Flask, no other `market` module), so every area's `errors.py` can
derive from it without an import cycle.
"""

from __future__ import annotations

import re


class DomainError(Exception):
    """A step refused as asked: `message` for the person, `status` for HTTP, `code` for machines.

    `message` may be a lazy string, so it is rendered in the reader's language when answered;
    `code` defaults to the class name and is never translated.
    """

    status: int = 400
    code: str | None = None
    field: str | None = None

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        if field is not None:
            self.field = field

    @property
    def error_code(self) -> str:
        """`code`, else the class name in snake case (`NotFound` -> `not_found`)."""
        return self.code or re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()

    def details(self) -> dict[str, object]:
        """More fields of the JSON answer beside `error` and `reason` (none by default)."""
        return {}

    def headers(self) -> dict[str, str]:
        return {}
