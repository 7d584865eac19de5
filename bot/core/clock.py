"""Time as the company counts it: stored in UTC, read by people in Brussels.

Every moment we store is an aware UTC datetime (``now_utc``); every date or time a visitor or a
staff member reads is on the Brussels calendar and clock, in the Belgian day/month/year order.
Legal deadlines are Brussels dates too (one month from receipt, bot.privacy.rights). One
definition of the zone and of each display format, so that a deadline in the chat, the mail,
the console and the CLI cannot come out different.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Union
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")

DATE = "%d/%m/%Y"  # 28/11/2026: deadlines and days, everywhere
MINUTES = "%d/%m/%Y %H:%M"  # when something happened, for staff lists and exports
SECONDS = "%d/%m/%Y %H:%M:%S"  # conversation review: messages seconds apart stay in order


def now_utc() -> datetime:
    """The current moment, aware, in UTC: what we store."""
    return datetime.now(timezone.utc)


def in_brussels(moment: datetime) -> datetime:
    """``moment`` on the Brussels clock (a naive datetime is taken as this machine's local time,
    as ``datetime.astimezone`` does)."""
    return moment.astimezone(BRUSSELS)


def today() -> date:
    """Today's date in Brussels: the day a deadline or an "overdue" is judged on."""
    return in_brussels(now_utc()).date()


def from_epoch(seconds: float) -> datetime:
    """An aware UTC datetime from a Unix timestamp (Rasa's events carry those)."""
    return datetime.fromtimestamp(float(seconds), tz=timezone.utc)


def start_of_day(day: date) -> datetime:
    """Midnight at the start of ``day`` in Brussels: where a "from this day" filter begins."""
    return datetime.combine(day, time.min, tzinfo=BRUSSELS)


def show_date(value: Union[date, datetime]) -> str:
    """A date as people read it (28/11/2026); a datetime is first put on the Brussels calendar."""
    if isinstance(value, datetime):
        value = in_brussels(value)
    return value.strftime(DATE)


def show_time(moment: datetime, seconds: bool = False) -> str:
    """A moment on the Brussels clock (28/11/2026 14:05, with ``seconds`` 14:05:09)."""
    return in_brussels(moment).strftime(SECONDS if seconds else MINUTES)


def iso_brussels(moment: datetime, timespec: str = "auto") -> str:
    """A moment in ISO 8601 with the Brussels offset, for JSON exports a person may also read."""
    return in_brussels(moment).isoformat(timespec=timespec)
