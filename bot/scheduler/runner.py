"""APScheduler 3 in the running process: a tick per job each minute, plus the dispatcher loop.

Each instance has its own in-memory job store (APScheduler 3 stores must not be shared); the
ticks are idempotent by their dedupe keys, so any number of instances may run them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.metrics import Metrics, metered
from bot.scheduler.dispatcher import Dispatcher
from bot.scheduler.jobs import JOBS
from bot.sending import Sender

log = logging.getLogger(__name__)

TICK_SECONDS = 60


class Scheduler:
    """Start and stop the ticks and the dispatcher together; `fire` runs one job by name."""

    def __init__(
        self,
        settings: Settings,
        senders: Mapping[str, Sender],
        *,
        clock: Clock = system_clock,
        tick_seconds: float = TICK_SECONDS,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.clock = clock
        self.tick_seconds = tick_seconds
        if metrics is not None:
            senders = metered(senders, metrics)
        self.dispatcher = Dispatcher.from_settings(settings, senders, clock=clock)
        self._aps: AsyncIOScheduler | None = None
        self._stop = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None

    async def fire(self, name: str) -> None:
        """One job with the injected clock; a failure is logged and the next tick tries again."""
        try:
            result = await JOBS[name](self.settings, now=self.clock())
        except Exception:
            log.exception("scheduled job %s failed", name)
            if self.metrics is not None:
                self.metrics.job_ran(name, "error")
            return
        if self.metrics is not None:
            self.metrics.job_ran(name, "ok")
        if result.queued:
            self.dispatcher.wake()

    async def start(self) -> None:
        aps = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        for name in JOBS:
            aps.add_job(
                self.fire,
                IntervalTrigger(seconds=self.tick_seconds, timezone=UTC),
                args=[name],
                id=name,
                # APScheduler keeps its own timeline in machine time; `fire` reads our clock.
                next_run_time=system_clock(),
            )
        aps.start()
        self._aps = aps
        self._stop.clear()
        if self.dispatcher.senders:
            self._loop = asyncio.create_task(self.dispatcher.run(self._stop))
            log.info(
                "dispatcher %s on %s", self.dispatcher.worker, ", ".join(self.dispatcher.senders)
            )
        else:
            log.warning("no channel to send through: notifications stay queued")
        log.info("scheduler started: %s every %ss", ", ".join(JOBS), self.tick_seconds)

    async def stop(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        self._stop.set()
        if self._loop is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
