"""The one place the product reads the machine's clock.

Everything that depends on "now" (dialogs, scheduled jobs, rendering a date with or without its
year) is handed a `Clock`, built once per process in `bot.app`; tests hand in a fake one, so the
suite behaves the same on any calendar date. Bookkeeping stamps that only order rows among
themselves (`updated_at`, like the ORM's own `auto_now`) read `system_clock` too, through here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The machine's time, timezone-aware in UTC."""
    return datetime.now(UTC)
