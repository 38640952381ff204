"""Why a station key or a certificate is refused."""

from __future__ import annotations

from market.listings.errors import ListingError


class CertificateRejected(ListingError):
    """Refused with an HTTP status and a machine code beside the message."""

    def __init__(self, message: object, *, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
