"""China days: one clock for the shops and the flea markets; a day turns at 16:00 UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from market import clock
from market.consignment import terms
from market.fleamarkets import services as fleamarkets


def test_now_is_utc_aware() -> None:
    now = clock.utcnow()
    assert now.tzinfo is UTC
    assert abs(datetime.now(UTC) - now) < timedelta(seconds=5)


def test_a_china_day_turns_at_16_00_utc() -> None:
    before = datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)
    at = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    assert clock.china_day(before) == date(2026, 3, 1)
    assert clock.china_day(at) == date(2026, 3, 2)
    assert clock.china_today(at) == date(2026, 3, 2)


def test_a_china_day_starts_and_ends_at_16_00_utc() -> None:
    day = date(2026, 3, 2)
    assert clock.day_start(day) == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    assert clock.day_end(day) == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert clock.china_day(clock.day_start(day)) == day
    assert clock.china_day(clock.day_end(day) - timedelta(microseconds=1)) == day


def test_a_china_wall_clock_reading_is_eight_hours_ahead_all_year() -> None:
    for month in (1, 7):  # no daylight saving
        day = date(2026, month, 15)
        assert clock.china_moment(day, time(9, 0)) == datetime(2026, month, 15, 1, 0, tzinfo=UTC)
        assert clock.in_china(datetime(2026, month, 15, 1, 0, tzinfo=UTC)).hour == 9


def test_shops_and_flea_markets_count_days_on_the_one_clock() -> None:
    late = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 March in Tianjin
    assert terms.shop_day(late) == clock.china_day(late) == date(2026, 3, 2)
    assert terms.day_start(date(2026, 3, 2)) == clock.day_start(date(2026, 3, 2))
    assert fleamarkets.china_today(late) == date(2026, 3, 2)
