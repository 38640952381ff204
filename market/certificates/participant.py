"""Wipe certificates take part in a listing's life: the wipe gate asks for a passed certificate,
a seller attaches one by its id, and the listing page shows it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlmodel import Session

from market.certificates.errors import CertificateRejected
from market.certificates.services import attach_certificate, passed_certificate_of
from market.listings.errors import ListingError
from market.listings.models import Listing
from market.listings.participants import Participant, register


def _certificate_of(session: Session, listing_id: int) -> Any:
    return passed_certificate_of(session=session, listing_id=listing_id)


def _attach(session: Session, listing: Listing, user: Any, certificate_id: str) -> None:
    try:
        attach_certificate(
            session=session, listing=listing, user=user, certificate_id=certificate_id
        )
    except CertificateRejected as error:
        raise ListingError(error.message, field="certificate_id") from error


def _listing_page(
    session: Session, listing: Listing, _config: Mapping[str, Any]
) -> Mapping[str, Any]:
    return {"certificate": passed_certificate_of(session=session, listing_id=listing.id or 0)}


def init_app(app: Flask) -> None:
    register(
        app,
        Participant(
            name="certificates",
            certificate_of=_certificate_of,
            attach_certificate=_attach,
            listing_page=_listing_page,
        ),
    )
