"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from sqlmodel import SQLModel

from market.accounts.models import PendingRegistration, User, UserSession
from market.books.models import (
    CornerBook,
    CornerMember,
    CreditMove,
    SchoolClass,
    ShareDay,
    ShareDayTitle,
    Textbook,
    WantedBook,
)
from market.certificates.models import StationKey, WipeCertificate
from market.consignment.models import (
    ConsignmentItem,
    ConsignmentPayout,
    ConsignmentSale,
    Consignor,
    ShopProfile,
)
from market.credit.case_models import CreditAccessLog, CreditCase
from market.credit.models import (
    CreditCheckpoint,
    CreditLedgerEntry,
    CreditLedgerHead,
    CreditPersonal,
    CreditScore,
)
from market.fleamarkets.models import MarketDay, StallApplication, StallListing
from market.listings.models import Listing, ListingPhoto
from market.notifications.models import Notification
from market.orgs.models import Organization
from market.platforms.models import ApiCall, ApiKey, IdempotencyRecord
from market.ratelimit import RateLimitCounter
from market.trades.models import DomainEvent, Message, Rating, Report, Reservation

metadata = SQLModel.metadata

__all__ = [
    "ApiCall",
    "ApiKey",
    "CornerBook",
    "CornerMember",
    "CreditMove",
    "ConsignmentItem",
    "ConsignmentPayout",
    "ConsignmentSale",
    "Consignor",
    "CreditAccessLog",
    "CreditCase",
    "CreditCheckpoint",
    "CreditLedgerEntry",
    "CreditLedgerHead",
    "CreditPersonal",
    "CreditScore",
    "DomainEvent",
    "Notification",
    "IdempotencyRecord",
    "Listing",
    "RateLimitCounter",
    "MarketDay",
    "ListingPhoto",
    "Message",
    "Organization",
    "Rating",
    "Report",
    "SchoolClass",
    "ShareDay",
    "ShareDayTitle",
    "Reservation",
    "StallApplication",
    "StallListing",
    "ShopProfile",
    "StationKey",
    "Textbook",
    "PendingRegistration",
    "User",
    "UserSession",
    "WantedBook",
    "WipeCertificate",
    "metadata",
]
