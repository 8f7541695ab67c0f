"""What the process counts for Prometheus: updates, reply latency, sends, the outbox, speech, jobs.

Every metric lives in a registry the app owns (built where the app is wired, never at import
time), so two apps in one process — as in the tests — count apart. The instrumented points are
few and thin: the channel edge (`handling`), a sender wrapper (`MeteredSender`), a transcriber
wrapper (`MeteredTranscriber`), the scheduler's `fire`. The outbox figures are read by one query
when Prometheus scrapes, not kept up to date on every change. `NO_METRICS` counts nothing, for
code paths built without an app (commands, tests that do not look).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from bot.clock import Clock, system_clock
from bot.logs import Bound, bind
from bot.messages import Reply
from bot.sending import Retryable, Sender
from bot.services.notify.outbox import pending_figures
from bot.services.speech import Hints, Transcriber

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SPEECH_BUCKETS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)

# Outcomes of one incoming update at the edge.
OK = "ok"
ERROR = "error"
DUPLICATE = "duplicate"
IGNORED = "ignored"


class Handling:
    """One update at the channel edge: its log ids bound, then counted and timed on leaving.

    The edge sets `outcome` when it is not plain success; an exception makes it `error`.
    A class, not a generator, because it runs on every message.
    """

    __slots__ = ("_bound", "_started", "channel", "metrics", "outcome")

    def __init__(self, metrics: Metrics, channel: str, bound: Bound) -> None:
        self.metrics = metrics
        self.channel = channel
        self.outcome = OK
        self._bound = bound
        self._started = 0.0

    def __enter__(self) -> Handling:
        self._bound.__enter__()
        self._started = time.perf_counter()
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        elapsed = time.perf_counter() - self._started
        if kind is not None:
            self.outcome = ERROR
        try:
            self.metrics.handled(
                self.channel, self.outcome, elapsed, dialog_failed=bool(self._bound.failures)
            )
            log.info("update %s in %.0f ms", self.outcome, elapsed * 1000)
        finally:
            self._bound.__exit__()


class Metrics:
    """The product's metrics in a registry of their own; `render()` is the /metrics body."""

    enabled = True

    def __init__(self, clock: Clock = system_clock) -> None:
        self.clock = clock
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter(
            "crmbot_updates", "Incoming updates handled, by channel and outcome",
            ["channel", "outcome"], registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "crmbot_reply_seconds", "From an update's arrival to its answer sent, by channel",
            ["channel"], buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.dialog_errors = Counter(
            "crmbot_dialog_errors", "Updates whose dialog failed (the person got an apology)",
            ["channel"], registry=r,
        )  # fmt: skip
        self.sends = Counter(
            "crmbot_sends", "Notifications pushed, by channel and result (ok, 429, error)",
            ["channel", "result"], registry=r,
        )  # fmt: skip
        self.pauses = Counter(
            "crmbot_send_pauses", "Times a 429 paused all sending on a channel",
            ["channel"], registry=r,
        )  # fmt: skip
        self.speech_notes = Counter(
            "crmbot_speech_notes", "Voice notes recognised here, by result (heard, empty, error)",
            ["result"], registry=r,
        )  # fmt: skip
        self.speech_seconds = Histogram(
            "crmbot_speech_seconds", "Time taken to recognise one voice note",
            buckets=SPEECH_BUCKETS, registry=r,
        )  # fmt: skip
        self.job_runs = Counter(
            "crmbot_scheduler_job_runs", "Scheduled job runs, by job and result (ok, error)",
            ["job", "result"], registry=r,
        )  # fmt: skip
        self.outbox_pending = Gauge(
            "crmbot_outbox_pending", "Notifications waiting to be sent", registry=r
        )
        self.outbox_failed = Gauge(
            "crmbot_outbox_failed", "Notifications that failed for good", registry=r
        )
        self.outbox_oldest = Gauge(
            "crmbot_outbox_oldest_pending_seconds",
            "Age of the oldest pending notification (0 when none)",
            registry=r,
        )
        self.outbox_up = Gauge(
            "crmbot_outbox_query_up", "1 when the outbox figures could be read at this scrape",
            registry=r,
        )  # fmt: skip
        # Label lookups take a lock each; the children are kept, as the label sets are few.
        self._children: dict[tuple[str, ...], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (metric._name, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    # --- the instrumented points ------------------------------------------------------------

    def handling(
        self,
        channel: str,
        *,
        update_id: object = None,
        chat: object = None,
        user: object = None,
    ) -> Handling:
        """Around one incoming update at the channel edge: its log ids, its count and latency."""
        return Handling(
            self, channel, bind(channel=channel, update_id=update_id, chat=chat, user=user)
        )

    def handled(
        self, channel: str, outcome: str, seconds: float, *, dialog_failed: bool = False
    ) -> None:
        """One update counted (and timed, unless it was a duplicate or not for the core)."""
        self._child(self.updates, channel, outcome).inc()
        if outcome in (OK, ERROR):
            self._child(self.latency, channel).observe(seconds)
        if dialog_failed:
            self._child(self.dialog_errors, channel).inc()

    def sent(self, channel: str, result: str) -> None:
        self._child(self.sends, channel, result).inc()
        if result == "429":
            self._child(self.pauses, channel).inc()

    def speech(self, result: str, seconds: float) -> None:
        self._child(self.speech_notes, result).inc()
        self.speech_seconds.observe(seconds)

    def job_ran(self, job: str, result: str) -> None:
        self._child(self.job_runs, job, result).inc()

    # --- scrape -----------------------------------------------------------------------------

    async def refresh_outbox(self) -> None:
        """The outbox figures, by one query over the pending and failed rows."""

        try:
            figures = await pending_figures(now=self.clock())
        except Exception:
            log.exception("could not read the outbox figures for /metrics")
            self.outbox_up.set(0)
            return
        self.outbox_up.set(1)
        self.outbox_pending.set(figures.pending)
        self.outbox_failed.set(figures.failed)
        self.outbox_oldest.set(figures.oldest_pending_seconds)

    async def render(self) -> bytes:
        await self.refresh_outbox()
        return generate_latest(self.registry)


class _NoMetrics(Metrics):
    """Counts nothing (the hooks stay in place, at the cost of a method call)."""

    enabled = False

    def __init__(self) -> None:
        pass

    def handled(
        self, channel: str, outcome: str, seconds: float, *, dialog_failed: bool = False
    ) -> None:
        pass

    def sent(self, channel: str, result: str) -> None:
        pass

    def speech(self, result: str, seconds: float) -> None:
        pass

    def job_ran(self, job: str, result: str) -> None:
        pass

    async def refresh_outbox(self) -> None:
        pass

    async def render(self) -> bytes:
        return b""


NO_METRICS: Metrics = _NoMetrics()


class MeteredSender:
    """A channel's sender, counting each push by result: ok, 429 (a pause), or error."""

    __slots__ = ("channel", "inner", "metrics")

    def __init__(self, inner: Sender, channel: str, metrics: Metrics) -> None:
        self.inner = inner
        self.channel = channel
        self.metrics = metrics

    async def send(self, external_id: str, reply: Reply, *, skip: int = 0) -> None:
        try:
            await self.inner.send(external_id, reply, skip=skip)
        except Retryable as again:
            self.metrics.sent(self.channel, "429" if again.retry_after is not None else "error")
            raise
        except Exception:
            self.metrics.sent(self.channel, "error")
            raise
        self.metrics.sent(self.channel, "ok")


def metered(senders: Mapping[str, Sender], metrics: Metrics) -> dict[str, Sender]:
    """Every sender wrapped to count its pushes (as they are when metrics are off)."""
    if not metrics.enabled:
        return dict(senders)
    return {name: MeteredSender(sender, name, metrics) for name, sender in senders.items()}


class MeteredTranscriber:
    """The speech backend, counting notes by result and the time each took to recognise."""

    __slots__ = ("inner", "metrics")

    def __init__(self, inner: Transcriber, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics

    async def transcribe(self, data: bytes, mime: str, hints: Hints) -> str:
        started = time.perf_counter()
        try:
            heard = await self.inner.transcribe(data, mime, hints)
        except Exception:
            self.metrics.speech("error", time.perf_counter() - started)
            raise
        self.metrics.speech("heard" if heard.strip() else "empty", time.perf_counter() - started)
        return heard

    async def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            await close()
