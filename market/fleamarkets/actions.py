"""What a visitor, stallholder or organizer may do on a market day's page, decided once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from market.accounts.models import Role, User
from market.db import utcnow
from market.fleamarkets.models import ApplicationStatus, DayStatus, MarketDay, StallApplication
from market.fleamarkets.services import Phase, phase

CANCELLABLE = (ApplicationStatus.PENDING, ApplicationStatus.WAITLISTED, ApplicationStatus.APPROVED)


@dataclass(frozen=True)
class DayActions:
    """The actions the day page offers its reader; the template shows only these."""

    accepting: bool  # the day takes applications now
    show_mine: bool
    may_cancel: bool
    may_apply: bool
    may_manage: bool


def runs_day(user: User | None, day: MarketDay) -> bool:
    """Its organization's organizer, or an admin (as services.ensure_organizer checks)."""
    if user is None:
        return False
    if user.role_enum is Role.ADMIN:
        return True
    return user.role_enum is Role.MARKET_ORGANIZER and user.organization_id == day.organization_id


def day_actions(
    *, user: User | None, day: MarketDay, mine: StallApplication | None, now: datetime | None = None
) -> DayActions:
    """`user` is None for a visitor; visitors and residents may apply while applications are
    open (a visitor is then asked to sign in), other roles may not."""
    now = now or utcnow()
    over = phase(day, now) is Phase.OVER
    published = day.status == DayStatus.PUBLISHED
    show_mine = mine is not None and mine.status != ApplicationStatus.CANCELLED
    accepting = published and now < day.apply_by
    return DayActions(
        accepting=accepting,
        show_mine=show_mine,
        may_cancel=show_mine
        and mine is not None
        and mine.status in CANCELLABLE
        and not over
        and published,
        may_apply=not show_mine and accepting and (user is None or user.role_enum is Role.RESIDENT),
        may_manage=runs_day(user, day),
    )
