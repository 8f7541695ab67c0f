"""The dispatcher: claim due outbox rows, render each in its recipient's language, send, record.

Rows are claimed continuously while sends are in flight (up to `concurrency`), one per
recipient at a time, so each person's messages arrive in order while different people are served
in parallel as fast as the limits allow. Network errors and 5xx back off exponentially and give
up after `max_attempts`; a 429 pauses every send for its `retry_after` and is not an attempt; a
permanent error (blocked) marks the identity unreachable and fails the row with the reason.

A claim is a lease in the database, renewed every third of it while the row is in this
dispatcher's hands (waiting for the limits, or in a send that takes long on a slow network):
another dispatcher, in this process or another, can take a row only once its holder has stopped
renewing (crashed). A row whose lease was lost anyway (the database was out of reach for longer
than a lease) is not sent unless its send had already begun.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.dialogs.digests import render
from bot.dialogs.storage import StorageKey, offer_buttons
from bot.i18n import Translator
from bot.messages import numbered_buttons
from bot.scheduler.limits import PLATFORM_RATES, Limits
from bot.sending import Permanent, Retryable, Sender
from bot.services.notify import outbox

log = logging.getLogger(__name__)

BACKOFF_FIRST = 2.0
BACKOFF_MAX = 600.0


def backoff(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: 2, 4, 8… capped at 10 min."""
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1))


def limits_from(settings: Settings) -> Limits:
    return Limits(
        rate=settings.send_rate,
        burst=settings.send_burst,
        chat_rate=settings.chat_send_rate,
        chat_burst=settings.chat_send_burst,
        channels=PLATFORM_RATES,
    )


class Dispatcher:
    """Delivers the outbox through the registered senders; many may run against one database."""

    def __init__(
        self,
        senders: Mapping[str, Sender],
        *,
        limits: Limits | None = None,
        max_attempts: int = 8,
        concurrency: int = 64,
        idle: float = 0.5,
        clock: Clock = system_clock,
        worker: str | None = None,
        lease: timedelta = outbox.LEASE,
        renew_every: float | None = None,
    ) -> None:
        self.senders = dict(senders)
        self.limits = limits or Limits()
        self.max_attempts = max_attempts
        self.concurrency = concurrency
        self.idle = idle
        self.clock = clock
        self.worker = worker or outbox.new_worker_id()
        self.lease = lease
        self.renew_every = renew_every or lease.total_seconds() / 3
        self.delivered = 0
        self.last_tick: datetime | None = None  # each turn of `run`; /healthz watches it
        self._wake = asyncio.Event()
        self._holding: set[int] = set()  # claimed rows not yet recorded
        self._lost: set[int] = set()  # of those, rows another dispatcher has claimed since

    @classmethod
    def from_settings(
        cls, settings: Settings, senders: Mapping[str, Sender], **kwargs: object
    ) -> Dispatcher:
        return cls(
            senders,
            limits=limits_from(settings),
            max_attempts=settings.send_max_attempts,
            lease=timedelta(seconds=settings.send_lease_seconds),
            **kwargs,  # type: ignore[arg-type]
        )

    def wake(self) -> None:
        """Look for work now (something was just queued in this process)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Claim and deliver until `stop` is set; in-flight sends finish before returning."""
        stop = stop or asyncio.Event()
        tasks: set[asyncio.Task[None]] = set()
        beating = asyncio.Event()
        leases = asyncio.create_task(self._keep_leases(beating))
        try:
            while not stop.is_set():
                self.last_tick = self.clock()
                got = 0
                free = self.concurrency - len(tasks)
                if free > 0:
                    try:
                        claimed = await self._claim(free)
                    except Exception:
                        log.exception("claiming outbox rows failed; retrying")
                        claimed = []
                    got = len(claimed)
                    for item in claimed:
                        task = asyncio.create_task(self._deliver(item))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                if got:
                    await asyncio.sleep(0)
                    continue
                self._wake.clear()
                waiters: set[asyncio.Future[object]] = {
                    asyncio.ensure_future(self._wake.wait()),
                    asyncio.ensure_future(stop.wait()),
                }
                if tasks:
                    waiters |= set(tasks)  # type: ignore[arg-type]
                await asyncio.wait(waiters, timeout=self.idle, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    if waiter not in tasks and not waiter.done():
                        waiter.cancel()
        finally:
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            beating.set()
            await leases

    async def drain(self, *, within: float = 60.0) -> int:
        """Deliver until nothing is claimable right now (for `crmbot digest` and tests)."""
        delivered = self.delivered
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        beating = asyncio.Event()
        leases = asyncio.create_task(self._keep_leases(beating))
        try:
            while loop.time() < deadline:
                claimed = await self._claim(self.concurrency)
                if not claimed:
                    break
                await asyncio.gather(*(self._deliver(item) for item in claimed))
        finally:
            beating.set()
            await leases
        return self.delivered - delivered

    async def _claim(self, limit: int) -> list[outbox.Claimed]:
        """Claim due rows; from here until their outcome is recorded their leases are renewed."""
        claimed = await outbox.claim(self.worker, now=self.clock(), limit=limit, lease=self.lease)
        self._holding.update(item.id for item in claimed)
        return claimed

    async def _keep_leases(self, done: asyncio.Event) -> None:
        """Renew the leases of the rows in hand every `renew_every` seconds until `done` (never
        cancelled inside a query: it ends at its next wait)."""
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), self.renew_every)
            holding = set(self._holding)
            if not holding or done.is_set():
                continue
            try:
                lost = await outbox.renew(holding, self.worker, now=self.clock(), lease=self.lease)
            except Exception:  # the next beat tries again, well within the lease
                log.exception("renewing the outbox leases of %s failed", self.worker)
                continue
            if lost - self._lost:
                log.warning("outbox rows %s were claimed by another dispatcher", sorted(lost))
            self._lost |= lost & self._holding

    async def _deliver(self, item: outbox.Claimed) -> None:
        """One row: route, render, wait for the limits, send, record the outcome."""
        try:
            await self._attempt(item)
        except Exception as broken:  # a rendering bug or a database hiccup: retry later
            log.exception("notification %s failed unexpectedly", item.id)
            try:
                await self._retry(item, f"error: {broken!r}")
            except Exception:  # the database is gone too: the lease brings the row back
                log.exception("could not record the failure of notification %s", item.id)
        finally:
            self._holding.discard(item.id)
            self._lost.discard(item.id)

    async def _attempt(self, item: outbox.Claimed) -> None:
        route = item.route(self.senders)
        if route is None:
            reason = "no reachable chat" + (
                f" (channels here: {', '.join(sorted(self.senders))})" if self.senders else ""
            )
            await outbox.mark_failed(item.id, reason, count_attempt=False)
            log.warning("notification %s to user %s: %s", item.id, item.recipient_id, reason)
            return
        channel, external_id = route
        t = Translator.for_user(item.locale, item.timezone, now=self.clock())
        reply = render(item.kind, item.payload, t)
        if reply is None:
            await outbox.mark_sent(item.id, self.worker, channel, now=self.clock())
            return
        await self.limits.acquire(f"{channel}:{external_id}")
        if item.id in self._lost:  # another dispatcher has it now: it sends, not us
            return
        try:
            await self.senders[channel].send(external_id, reply, skip=item.sent_parts)
        except Retryable as again:
            if again.retry_after is not None:
                self.limits.pause(again.retry_after, channel)
                at = self.clock() + timedelta(seconds=again.retry_after)
                await outbox.mark_retry(
                    item.id,
                    again.reason,
                    at=at,
                    count_attempt=False,
                    progress=(item.payload, again.sent),
                )
                return
            await self._retry(item, again.reason, sent=again.sent)
            return
        except Permanent as refused:
            if refused.unreachable:
                await outbox.mark_unreachable(
                    channel, external_id, refused.reason, now=self.clock()
                )
            await outbox.mark_failed(item.id, refused.reason)
            log.warning(
                "notification %s to user %s failed for good: %s",
                item.id,
                item.recipient_id,
                refused.reason,
            )
            return
        await outbox.mark_sent(item.id, self.worker, channel, now=self.clock())
        self.delivered += 1
        numbered = [[b.label, b.data] for b in numbered_buttons([reply])[1]]
        if numbered:
            await offer_buttons(StorageKey(channel, external_id), numbered, now=self.clock())

    async def _retry(self, item: outbox.Claimed, reason: str, *, sent: int = 0) -> None:
        attempts = item.attempts + 1
        if attempts >= self.max_attempts:
            await outbox.mark_failed(item.id, f"gave up after {attempts} attempts: {reason}")
            return
        at = self.clock() + timedelta(seconds=backoff(attempts))
        await outbox.mark_retry(item.id, reason, at=at, progress=(item.payload, sent))
