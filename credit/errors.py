"""Domain errors of the credit library; the web layer maps them to HTTP answers in one place."""

from __future__ import annotations


class CreditError(Exception):
    """Base of every credit error."""


class InvalidEvent(CreditError, ValueError):
    """An event does not follow the shared credit-event format."""


class InvalidSubject(InvalidEvent):
    """A subject or counterparty is neither a keyed person hash nor a valid USCC."""


class MixedSubjects(CreditError, ValueError):
    """A score was asked over events of more than one subject."""


class LedgerConflict(CreditError):
    """An entry does not extend the current head of the ledger (wrong seq or prev_hash)."""


class InvalidCheckpoint(CreditError):
    """A checkpoint is malformed."""


class ProofUnavailable(CreditError):
    """No digest-only consistency proof exists for the range (version 1 entries, or missing)."""


class LedgerBroken(CreditError):
    """The chain does not verify; nothing may be derived from it."""
