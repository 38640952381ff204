"""The rules that moved out of views and templates, asked directly for every role: what a market
day's page offers, which desks the menu opens, and who may take a corner book off the shelf."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from market.accounts.models import User
from market.books.corner import Access
from market.books.listing import may_take, may_withdraw, withdraw_refusal
from market.books.models import CornerBook
from market.db import utcnow
from market.fleamarkets.actions import day_actions
from market.fleamarkets.models import ApplicationStatus, DayStatus, MarketDay, StallApplication
from market.listings.models import Listing
from market.orgs.models import Organization
from market.roles import Role
from market.security import desks_of

NOW = utcnow()


def person(role: Role, *, user_id: int = 7, organization_id: int | None = None) -> User:
    return User(
        id=user_id,
        mobile=f"1380000{user_id:04d}",
        display_name="someone",
        role=role.value,
        organization_id=organization_id,
    )


def market_day(*, status: DayStatus = DayStatus.PUBLISHED, apply_in: timedelta = timedelta(days=2)):
    opens = NOW + timedelta(days=5)
    return MarketDay(
        id=1,
        organization_id=3,
        title="周末市集",
        market_date=date.today() + timedelta(days=5),
        opens_at=opens,
        closes_at=opens + timedelta(hours=6),
        apply_by=NOW + apply_in,
        street="长虹",
        place="长虹公园",
        stalls=10,
        status=status.value,
        created_by=1,
    )


def application(status: ApplicationStatus) -> StallApplication:
    return StallApplication(id=1, market_day_id=1, user_id=7, status=status.value)


@pytest.mark.parametrize(
    ("role", "may_apply"),
    [
        (Role.RESIDENT, True),
        (Role.SHOP_STAFF, False),
        (Role.MARKET_ORGANIZER, False),
        (Role.SCHOOL_COORDINATOR, False),
        (Role.REGULATOR, False),
        (Role.ADMIN, False),
    ],
)
def test_only_residents_and_visitors_are_offered_a_stall(role: Role, may_apply: bool) -> None:
    actions = day_actions(user=person(role), day=market_day(), mine=None, now=NOW)
    assert actions.accepting
    assert actions.may_apply is may_apply
    visitor = day_actions(user=None, day=market_day(), mine=None, now=NOW)
    assert visitor.may_apply and not visitor.may_manage and not visitor.show_mine


def test_no_applying_after_the_deadline_or_on_an_unpublished_day() -> None:
    late = day_actions(
        user=person(Role.RESIDENT), day=market_day(apply_in=-timedelta(hours=1)), mine=None, now=NOW
    )
    assert not late.accepting and not late.may_apply
    for status in (DayStatus.DRAFT, DayStatus.CANCELLED):
        shut = day_actions(
            user=person(Role.RESIDENT), day=market_day(status=status), mine=None, now=NOW
        )
        assert not shut.accepting and not shut.may_apply


@pytest.mark.parametrize(
    ("status", "shown", "cancellable"),
    [
        (ApplicationStatus.PENDING, True, True),
        (ApplicationStatus.WAITLISTED, True, True),
        (ApplicationStatus.APPROVED, True, True),
        (ApplicationStatus.REJECTED, True, False),
        (ApplicationStatus.REVOKED, True, False),
        (ApplicationStatus.CANCELLED, False, False),
    ],
)
def test_a_stallholder_sees_their_application_and_cancels_while_it_stands(
    status: ApplicationStatus, shown: bool, cancellable: bool
) -> None:
    actions = day_actions(
        user=person(Role.RESIDENT), day=market_day(), mine=application(status), now=NOW
    )
    assert actions.show_mine is shown
    assert actions.may_cancel is cancellable
    assert actions.may_apply is not shown  # a cancelled application may apply again
    over = day_actions(
        user=person(Role.RESIDENT),
        day=market_day(),
        mine=application(status),
        now=NOW + timedelta(days=6),
    )
    assert not over.may_cancel


def test_only_the_days_own_organizer_or_an_admin_manages_it() -> None:
    day = market_day()
    own = person(Role.MARKET_ORGANIZER, organization_id=3)
    other = person(Role.MARKET_ORGANIZER, organization_id=4)
    assert day_actions(user=own, day=day, mine=None, now=NOW).may_manage
    assert not day_actions(user=other, day=day, mine=None, now=NOW).may_manage
    assert day_actions(user=person(Role.ADMIN), day=day, mine=None, now=NOW).may_manage
    for role in (Role.RESIDENT, Role.SHOP_STAFF, Role.REGULATOR, Role.SCHOOL_COORDINATOR):
        assert not day_actions(
            user=person(role, organization_id=3), day=day, mine=None, now=NOW
        ).may_manage


@pytest.mark.parametrize(
    ("role", "shop", "regulator", "admin", "organizer"),
    [
        (Role.RESIDENT, False, False, False, False),
        (Role.SCHOOL_COORDINATOR, False, False, False, False),
        (Role.SHOP_STAFF, True, False, False, False),
        (Role.REGULATOR, False, True, False, False),
        (Role.MARKET_ORGANIZER, False, False, False, True),
        (Role.ADMIN, False, False, True, False),
    ],
)
def test_each_role_opens_its_own_desks(
    role: Role, shop: bool, regulator: bool, admin: bool, organizer: bool
) -> None:
    desks = desks_of(person(role))
    assert (desks.shop, desks.regulator, desks.admin, desks.organizer) == (
        shop,
        regulator,
        admin,
        organizer,
    )


def test_a_visitor_opens_no_desk() -> None:
    desks = desks_of(None)
    assert not (desks.shop or desks.regulator or desks.admin or desks.organizer)


def corner(*, coordinator: bool) -> Access:
    return Access(school=Organization(id=9, name="南开中学"), member=None, coordinator=coordinator)


def book_listing(*, owner_id: int, status: str = "active") -> Listing:
    return Listing(id=5, owner_id=owner_id, title="数学", status=status)


def test_the_giver_withdraws_a_book_until_it_is_handed_in() -> None:
    giver = person(Role.RESIDENT, user_id=7)
    listing = book_listing(owner_id=7)
    waiting = CornerBook(listing_id=5, school_id=9)
    handed_in = CornerBook(listing_id=5, school_id=9, handed_in_at=NOW)
    assert may_withdraw(corner=corner(coordinator=False), user=giver, listing=listing, book=waiting)
    assert withdraw_refusal(
        corner=corner(coordinator=False), user=giver, listing=listing, book=handed_in
    )
    assert not may_withdraw(
        corner=corner(coordinator=False), user=giver, listing=listing, book=handed_in
    )


def test_another_member_may_not_withdraw_but_may_take_and_a_coordinator_always_withdraws() -> None:
    other = person(Role.RESIDENT, user_id=8)
    coordinator = person(Role.SCHOOL_COORDINATOR, user_id=9)
    listing = book_listing(owner_id=7)
    book = CornerBook(listing_id=5, school_id=9, handed_in_at=NOW)
    assert withdraw_refusal(
        corner=corner(coordinator=False), user=other, listing=listing, book=book
    )
    assert may_take(user=other, listing=listing)
    assert not may_take(user=person(Role.RESIDENT, user_id=7), listing=listing)
    assert may_withdraw(
        corner=corner(coordinator=True), user=coordinator, listing=listing, book=book
    )
    taken = book_listing(owner_id=7, status="completed")
    assert not may_withdraw(
        corner=corner(coordinator=True), user=coordinator, listing=taken, book=book
    )
    assert not may_take(user=other, listing=taken)
