"""The one place the product reads the machine's clock.

Everything that depends on "now" (dialogs, scheduled jobs, rendering a date with or without its
year) is handed a `Clock`, built once per process in `bot.app`; tests hand in a fake one, so the
suite behaves the same on any calendar date. Bookkeeping stamps that only order rows among
themselves (`updated_at`, like the ORM's own `auto_now`) read `system_clock` too, through here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The machine's time, timezone-aware in UTC."""
    return datetime.now(UTC)


def zone(name: str | None) -> ZoneInfo:
    """A person's zone by name; a name this machine does not know (or none) reads as UTC, so a
    stale setting shifts someone's day rather than failing a whole scheduled run."""
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day as a UTC half-open interval."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end
