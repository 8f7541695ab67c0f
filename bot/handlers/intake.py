"""The worker that handles a channel's stored updates (`bot.services.intake`) in this process.

It leases what may go now (one update per chat at a time, in order), runs each in a task, and
finishes it in the database when its answers are out; a webhook or poller that stored an update
wakes it at once, and it also looks every `poll` seconds for updates other instances stored or
left behind. The backlog stays in the database: at most `concurrency` updates are in memory.
`stop` takes nothing more, lets the turns in progress finish within a bound, and gives back any
that did not (their transaction rolled back), so another instance or the next start takes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.clock import Clock, system_clock
from bot.services import intake
from bot.services.intake import Stored

log = logging.getLogger(__name__)

Handle = Callable[[Stored], Awaitable[None]]


class Intake:
    """Stored updates of one channel, handled here until `stop`."""

    def __init__(
        self,
        channel: str,
        handle: Handle,
        *,
        concurrency: int = 64,
        lease: timedelta = timedelta(seconds=60),
        poll: float = 1.0,
        clock: Clock = system_clock,
    ) -> None:
        self.channel = channel
        self.handle = handle
        self.concurrency = concurrency
        self.lease = lease
        self.poll = poll
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._running: dict[asyncio.Task[None], Stored] = {}
        self._loop: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()

    def start(self) -> None:
        self._stopping.clear()
        self._loop = asyncio.create_task(self._forever(), name=f"{self.channel}-intake")

    def wake(self) -> None:
        """Something was stored: look now rather than at the next poll."""
        self._wake.set()

    async def stop(self, within: float = 20.0) -> None:
        """Take nothing more; let what is in hand finish for up to `within` seconds; give back
        the rest untouched (their turns roll back) for another instance or the next start."""
        self._stopping.set()
        self._wake.set()
        if self._loop is not None:
            await self._loop
            self._loop = None
        if self._running:
            await asyncio.wait(set(self._running), timeout=within)
        for task, stored in list(self._running.items()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await intake.release(stored)
            log.warning("%s update %s given back unfinished", self.channel, stored.seq)

    async def settled(self, within: float = 60.0) -> None:
        """Until nothing is stored unhandled and nothing is in hand (tests, benchmarks)."""
        async with asyncio.timeout(within):
            while self._running or await intake.pending(self.channel):
                self._idle.clear()
                self._wake.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._idle.wait(), 0.05)

    async def _forever(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            free = self.concurrency - len(self._running)
            taken: list[Stored] = []
            if free > 0:
                try:
                    taken = await intake.take(
                        self.channel, now=self.clock(), lease=self.lease, limit=free
                    )
                except Exception:
                    log.exception("taking stored %s updates failed", self.channel)
            busy = {stored.chat for stored in self._running.values() if stored.chat}
            for stored in taken:
                if stored.chat in busy:  # still finishing its previous update here
                    await intake.release(stored)
                    continue
                task = asyncio.create_task(self._one(stored))
                self._running[task] = stored
                task.add_done_callback(self._done)
            if not taken and not self._running:
                self._idle.set()
            if taken and len(taken) == free:
                continue  # a full batch: more may be waiting behind it
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)

    async def _one(self, stored: Stored) -> None:
        try:
            await self.handle(stored)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s update %s failed", self.channel, stored.seq)
        await intake.finish(stored)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.pop(task, None)
        self._wake.set()
