"""Deterministic demo data, so `make run` shows a living marketplace."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlmodel import Session, func, select

from credit.identifiers import uscc_check_character
from market.accounts import services as accounts
from market.accounts.consent import PRIVACY_NOTICE_VERSION
from market.accounts.models import User
from market.db import utcnow
from market.demo.certificates import certify_devices, grade_listing
from market.demo.data import ACCOUNTS, ITEMS, ORGANIZATIONS
from market.demo.pictures import demo_picture
from market.demo.places import seed_places
from market.images.processing import save_photo
from market.images.store import ImageStore
from market.listings.catalog import Status
from market.listings.models import Listing, ListingPhoto
from market.orgs import services as orgs
from market.orgs.models import Organization
from market.streets import STREETS
from market.trades import reports
from market.trades import services as trades

# The demo's people are made up: nobody's data is behind them, so no consent page stands
# between a visitor and the demo; real accounts made with `create-user` are asked at login.
DEMO_CONSENT = PRIVACY_NOTICE_VERSION


def seed_demo(*, session: Session, images: ImageStore) -> list[tuple[str, str, str]]:
    """Load the demo organizations, accounts and items into an empty database.

    Returns (role, login, password) of each demo account. Refuses a database that has users.
    """
    if session.exec(select(func.count()).select_from(User)).one():
        raise RuntimeError("the database already has accounts; demo data goes into an empty one")
    created_orgs: list[Organization] = []
    for name, kind, street, code17 in ORGANIZATIONS:
        uscc = code17 + uscc_check_character(code17) if code17 else None
        created_orgs.append(
            orgs.create_organization(
                session=session, name=name, kind=kind, street=street, uscc=uscc
            )
        )
    users: list[User] = []
    logins = []
    for role, mobile, name, street, password, org_index in ACCOUNTS:
        org = created_orgs[org_index] if org_index is not None else None
        users.append(
            accounts.register_user(
                session=session,
                identifier=mobile,
                password=password,
                display_name=name,
                home_street=street,
                role=role,
                organization=org,
                consent_version=DEMO_CONSENT,
            )
        )
        logins.append((role.value, mobile, password))
    # A few more residents so the items have different sellers.
    sellers = [users[0]]
    for i, name in enumerate(["张伟", "王芳", "刘洋", "陈静", "杨磊"]):
        sellers.append(
            accounts.register_user(
                session=session,
                identifier=f"1390000000{i}",
                password="demo-neighbour-2026",
                display_name=name,
                home_street=list(STREETS)[i * 2],
                consent_version=DEMO_CONSENT,
            )
        )
    listings = _seed_items(session=session, images=images, sellers=sellers)
    staff = next(u for u in users if u.role == "shop_staff")
    certify_devices(session=session, staff=staff, listings=listings)
    _seed_trades(session=session, people=sellers, listings=listings)
    seed_places(
        session=session,
        images=images,
        people=sellers,
        staff=staff,
        organizer=next(u for u in users if u.role == "market_organizer"),
        coordinator=next(u for u in users if u.role == "school_coordinator"),
    )
    return logins


def _seed_trades(*, session: Session, people: list[User], listings: list[Listing]) -> None:
    """Three completed and rated trades, one disputed, one report: the regulator's desk has
    work, and the credit pages have events (the caller delivers the outbox to the ledger)."""

    def buyer_for(item: Listing, shift: int) -> User:
        return next(p for p in people[shift:] + people if p.id != item.owner_id)

    kinds = ("家具", "图书", "服装")
    unneeded = [item for item in listings if item.category.split("/")[0] in kinds]
    for shift, item in enumerate(unneeded[:3], start=1):
        buyer = buyer_for(item, shift)
        seller = session.get(User, item.owner_id)
        assert seller is not None
        r = trades.reserve_listing(session=session, listing_id=item.id or 0, buyer=buyer)
        for who in (buyer, seller):
            trades.confirm_handover(session=session, reservation_id=r.id or 0, user=who)
        trades.rate(
            session=session,
            reservation_id=r.id or 0,
            rater=buyer,
            stars=5,
            comment="东西和描述一致，交接顺利。",
        )
    disputed = unneeded[3]
    buyer = buyer_for(disputed, 4)
    r = trades.reserve_listing(session=session, listing_id=disputed.id or 0, buyer=buyer)
    trades.open_dispute(
        session=session,
        reservation_id=r.id or 0,
        user=buyer,
        text="约好的时间卖家没有来，也不退定金。",
    )
    reports.file_report(
        session=session,
        reporter=people[1],
        reason="misdescription",
        text="照片和实物成色不符，描述称九成新，实际有明显划痕。",
        listing_id=unneeded[4].id,
    )


def _seed_items(*, session: Session, images: ImageStore, sellers: list[User]) -> list[Listing]:
    rng = random.Random(2026)
    now = utcnow()
    streets = list(STREETS)
    listings: list[Listing] = []
    for index, (category, title, description, mode, price, grade) in enumerate(ITEMS):
        seller = sellers[index % len(sellers)]
        published = now - timedelta(hours=index * 7 + rng.randrange(6))
        listing = Listing(
            title=title,
            description=description,
            category=category,
            mode=mode,
            price_fen=price,
            grade=grade,
            street=seller.home_street or streets[index % len(streets)],
            owner_id=seller.id or 0,
            status=Status.ACTIVE.value,
            created_at=published,
            published_at=published,
            expires_at=published + timedelta(days=60),
        )
        session.add(listing)
        session.flush()
        grade_listing(listing)
        listings.append(listing)
        for position in range(1 + index % 3):
            key = save_photo(images, demo_picture(category, seed=index * 10 + position))
            session.add(ListingPhoto(listing_id=listing.id or 0, position=position, image_key=key))
    session.commit()
    return listings
