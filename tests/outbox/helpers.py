"""Shared helpers for the tests of one push per event with several instances: a claim held
through a slow send."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.models import Notification
from bot.scheduler import Dispatcher
from tests.support import FakeClock


async def renewed(key: str, clock: FakeClock, lease: timedelta) -> None:
    """Until the holder's heartbeat has extended the claim of `key` from the clock's new time."""
    for _ in range(500):
        if (await Notification.get(dedupe_key=key)).claimed_until == clock.now + lease:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the claim was not renewed")


async def outlasted(other: Dispatcher, key: str, clock: FakeClock, lease: timedelta) -> None:
    """Two leases' worth of time passes while the holder's send of `key` hangs: the holder
    renews its claim every half lease and the `other` instance finds nothing to send."""
    for _ in range(4):
        clock.advance(seconds=lease.total_seconds() / 2)
        await renewed(key, clock, lease)
        assert await other.drain() == 0
