"""Time in one place: instants are UTC-aware; days are China's (Asia/Shanghai, UTC+8, no DST).

A China day starts at 16:00 UTC of the day before.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def in_china(moment: datetime) -> datetime:
    """The same instant on a China wall clock."""
    return moment.astimezone(CHINA)


def china_day(moment: datetime) -> date:
    """The calendar day in China at an instant."""
    return moment.astimezone(CHINA).date()


def china_today(now: datetime | None = None) -> date:
    return china_day(now or utcnow())


def china_moment(day: date, at: time) -> datetime:
    """The UTC instant of a China wall-clock reading on `day`."""
    return datetime.combine(day, at, CHINA).astimezone(UTC)


def day_start(day: date) -> datetime:
    """00:00 of a China day, as a UTC instant (16:00 UTC the day before)."""
    return china_moment(day, time(0))


def day_end(day: date) -> datetime:
    """00:00 of the China day after, as a UTC instant: a day is [day_start, day_end)."""
    return day_start(day + timedelta(days=1))
