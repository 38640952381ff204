"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from sqlmodel import SQLModel

from market.accounts.models import User
from market.certificates.models import StationKey, WipeCertificate
from market.credit.models import (
    CreditCheckpoint,
    CreditLedgerEntry,
    CreditLedgerHead,
    CreditPersonal,
)
from market.listings.models import Listing, ListingPhoto
from market.orgs.models import Organization
from market.trades.models import DomainEvent, Message, Rating, Report, Reservation

metadata = SQLModel.metadata

__all__ = [
    "CreditCheckpoint",
    "CreditLedgerEntry",
    "CreditLedgerHead",
    "CreditPersonal",
    "DomainEvent",
    "Listing",
    "ListingPhoto",
    "Message",
    "Organization",
    "Rating",
    "Report",
    "Reservation",
    "StationKey",
    "User",
    "WipeCertificate",
    "metadata",
]
