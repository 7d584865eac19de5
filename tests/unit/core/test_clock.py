"""One clock (bot.core.clock): stored in UTC, shown on the Brussels calendar, dd/mm/yyyy."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from bot.core import clock

# 23:30 UTC on 31 March 2026 is already 1 April in Brussels (summer time, UTC+2).
LATE_EVENING = datetime(2026, 3, 31, 23, 30, 5, tzinfo=timezone.utc)
WINTER = datetime(2026, 1, 15, 8, 4, 9, tzinfo=timezone.utc)  # UTC+1


def test_now_is_aware_utc():
    now = clock.now_utc()
    assert now.tzinfo is timezone.utc
    assert abs(now - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_dates_are_day_month_year_on_the_brussels_calendar():
    assert clock.show_date(date(2026, 11, 28)) == "28/11/2026"
    assert clock.show_date(LATE_EVENING) == "01/04/2026"  # the Brussels day, not the UTC one
    assert clock.in_brussels(LATE_EVENING).date() == date(2026, 4, 1)


def test_times_follow_brussels_summer_and_winter_time():
    assert clock.show_time(LATE_EVENING) == "01/04/2026 01:30"
    assert clock.show_time(LATE_EVENING, seconds=True) == "01/04/2026 01:30:05"
    assert clock.show_time(WINTER) == "15/01/2026 09:04"
    assert clock.iso_brussels(WINTER, "seconds") == "2026-01-15T09:04:09+01:00"
    assert clock.iso_brussels(LATE_EVENING) == "2026-04-01T01:30:05+02:00"


def test_formats_are_the_ones_people_read():
    assert (clock.DATE, clock.MINUTES, clock.SECONDS) == ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")


def test_epoch_seconds_and_start_of_a_brussels_day():
    assert clock.from_epoch(LATE_EVENING.timestamp()) == LATE_EVENING
    assert clock.from_epoch(0).tzinfo is timezone.utc
    start = clock.start_of_day(date(2026, 4, 1))
    assert start.astimezone(timezone.utc) == datetime(2026, 3, 31, 22, 0, tzinfo=timezone.utc)


def test_today_is_the_brussels_date():
    assert clock.today() == clock.in_brussels(clock.now_utc()).date()
