"""Demo data for issue 6's three routines: a consignment shop's counter, a flea-market day and a
school's book corner, each seeded through its package's own services (so their rules apply).

Deterministic apart from dates relative to today (the market day is about two weeks ahead in
China time) and the random claim and join codes the services draw themselves.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from market.accounts.models import User
from market.books import catalogue, corner, swap_credits
from market.books.listing import list_book
from market.consignment import lifecycle, terms
from market.consignment import services as consignment
from market.db import utcnow
from market.demo.pictures import demo_picture
from market.fleamarkets import applications
from market.fleamarkets import services as fleamarkets
from market.fleamarkets.models import ApplicationStatus, DayStatus
from market.images.store import ImageStore
from market.listings.catalog import Status
from market.listings.models import Listing

MARKDOWNS = ((0, 10_000), (30, 8_000), (60, 6_000))  # day of the term, percent of the price
SHOP_PROFILE = {
    "opening_hours": "周二至周日 9:30–18:30，周一休息",
    "description": "长虹社区的寄卖店：家具、自行车、母婴用品和家电都可以寄卖，"
    "店员当面验货、拍照上架，售出后按协议分成，满 ¥50 即可结算。",
    "minimum_payout_fen": 5_000,
    "default_rate_bp": 3_000,
    "tiers": [[10_000, 4_000]],  # small items up to ¥100: the shop keeps 40 %
    "category_rates": [["家具", 2_500]],
    "term_days": 90,
    "steps": [list(step) for step in MARKDOWNS],
    "end_action": terms.EndAction.RETURN.value,
}
WALK_IN = ("13900001111", "王阿姨")
CORNER_BOOK = "9787107244704"  # 英语 七年级 上册, in market/books/data/textbooks.csv
BOOK_ANSWERS = {"new": "used", "condition": "fine", "writing": "no"}
BOOK_DISCLOSURES = {"highlighting": "无", "ex_library": "no", "missing_media": "no"}


def _agreement() -> dict[str, Any]:
    return {
        "term_days": 90,
        "steps": tuple(terms.MarkdownStep(day, bp) for day, bp in MARKDOWNS),
        "end_action": terms.EndAction.RETURN.value,
        "accepted": True,
    }


def seed_places(
    *,
    session: Session,
    images: ImageStore,
    people: list[User],
    staff: User,
    organizer: User,
    coordinator: User,
    now: datetime | None = None,
) -> None:
    """Seed the shop, the market day and the book corner. `people` are residents; the first is
    the demo resident, who consigns (and has sold), holds a stall and gave a book."""
    when = now or utcnow()
    _seed_shop(session=session, images=images, staff=staff, resident=people[0], now=when)
    _seed_market_day(
        session=session, organizer=organizer, holder=people[0], applicant=people[3], now=when
    )
    _seed_corner(
        session=session, images=images, coordinator=coordinator, members=[people[0], people[2]]
    )


def _seed_shop(
    *, session: Session, images: ImageStore, staff: User, resident: User, now: datetime
) -> None:
    consignment.save_profile(session=session, user=staff, values=dict(SHOP_PROFILE))
    consignment.intake(
        session=session,
        staff=staff,
        store=images,
        now=now,
        data=consignment.IntakeInput(
            title="实木五斗柜 胡桃色",
            category="家具",
            description="搬家寄卖，抽屉顺滑，顶面有两处浅划痕。",
            price_fen=88_000,
            condition={"new": "used", "surface": "wear", "pests": "no"},
            disclosures={"dimensions": "80×45×110 cm", "material": "实木", "odour": "no"},
            consignor_mobile=WALK_IN[0],
            consignor_name=WALK_IN[1],
            photos=[demo_picture("家具", seed=9001)],
            **_agreement(),
        ),
    )
    taken = consignment.intake(
        session=session,
        staff=staff,
        store=images,
        now=now,
        data=consignment.IntakeInput(
            title="捷安特 ATX 山地自行车 26寸",
            category="运动/自行车",
            description="骑了两年，刚换过刹车片和外胎，变速顺畅。",
            price_fen=68_000,
            condition={"new": "used", "wear": "light", "works": "yes"},
            disclosures={},
            consignor_mobile=resident.mobile or "",
            consignor_name=resident.display_name,
            photos=[demo_picture("运动/自行车", seed=9002)],
            **_agreement(),
        ),
    )
    # The resident links the record with the code on their agreement, then it sells: the
    # dashboard shows today's sale and the resident's /my/consignments a balance to collect.
    assert taken.claim_code is not None
    consignment.claim_with_code(session=session, user=resident, code=taken.claim_code)
    lifecycle.sell_at_counter(session=session, staff=staff, item_id=taken.item.id or 0, now=now)


def market_date_for(now: datetime) -> date:
    """The Saturday 14 to 20 days after today in China time."""
    today = fleamarkets.china_today(now)
    ahead = today + timedelta(days=14)
    saturday = ahead + timedelta(days=(5 - ahead.weekday()) % 7)
    return saturday


def _first_active_listing(session: Session, owner: User) -> int:
    return (
        session.exec(
            select(Listing.id)
            .where(
                Listing.owner_id == owner.id,
                Listing.status == Status.ACTIVE.value,
                Listing.venue == "online",
            )
            .order_by(col(Listing.id))
        ).first()
        or 0
    )


def _seed_market_day(
    *, session: Session, organizer: User, holder: User, applicant: User, now: datetime
) -> None:
    day_date = market_date_for(now)
    day = fleamarkets.create_day(
        session=session,
        user=organizer,
        now=now,
        data=fleamarkets.DayInput(
            title="水上公园周末跳蚤市场",
            market_date=day_date,
            opens=time(8, 0),
            closes=time(13, 0),
            apply_by=datetime.combine(day_date - timedelta(days=3), time(20, 0)),
            street="水上公园",
            place="水上公园东门广场（近东门停车场）",
            stalls=20,
            fee_fen=2_000,
            rules="只卖自己的闲置物品，不卖食品和新货；7:30 起入场布置，收市后带走垃圾。",
            status=DayStatus.PUBLISHED.value,
        ),
    )
    for person in (holder, applicant):  # no grade required: the config is never consulted
        applied = applications.apply_for_stall(
            session=session,
            user=person,
            day_id=day.id or 0,
            config={},
            now=now,
            listing_ids=[_first_active_listing(session, person)],
        )
        if person is holder:
            applications.decide(
                session=session,
                user=organizer,
                application_id=applied.id or 0,
                decision=ApplicationStatus.APPROVED,
                note="请于 7:30 前到场。",
                now=now,
            )


def _seed_corner(
    *, session: Session, images: ImageStore, coordinator: User, members: list[User]
) -> None:
    school_id = coordinator.organization_id or 0
    catalogue.seed(session=session)
    klass = corner.create_class(
        session=session, coordinator=coordinator, school_id=school_id, name="七年级2班"
    )
    for member in members:
        corner.join(session=session, user=member, school_id=school_id, code=klass.join_code)
    listing = list_book(
        session=session,
        owner=members[0],
        school_id=school_id,
        isbn13=CORNER_BOOK,
        condition=BOOK_ANSWERS,
        disclosures=BOOK_DISCLOSURES,
        photos=[],
        store=images,
    )
    swap_credits.hand_in(
        session=session, coordinator=coordinator, school_id=school_id, listing_id=listing.id or 0
    )
