"""What can go wrong with an account, in the words a user reads."""

from __future__ import annotations

from market.errors import DomainError


class AccountError(DomainError):
    """Base of account errors; `field` names the form field the message belongs beside."""

    message: str

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field)


class IdentifierTaken(AccountError):
    field = "identifier"


class InvalidCredentials(AccountError):
    field = "password"


class InvalidIdentifier(AccountError):
    field = "identifier"


class VerificationFailed(AccountError):
    """A one-time code was wrong, expired or tried too often."""

    field = "code"


class RegistrationUnavailable(AccountError):
    """No message gateway is configured, so no code can be sent."""


class TooManyRequests(AccountError):
    """A code was asked for too soon or too often."""

    status = 429


class AccountLocked(InvalidCredentials):
    """Too many failed logins for this identifier; it opens again after a while or a reset."""
