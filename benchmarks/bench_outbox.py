"""Issue 4's bars for notifications: building every digest, dispatching at Telegram's rate.

a) On the demo data set scaled to 1,000 reps (100,000 customers, 1,000,000 visits): build every
   rep's morning digest with the set-based builder (bar: at most 5 s in total), then the whole
   digest tick (who is due, which keys exist, building, inserting the outbox rows).
b) Dispatch 3,000 notifications to 3,000 Telegram chats through the real Telegram sender, our
   limiter at its defaults (30/s overall), against the fake Bot API with a rate-limit mode added
   here (a token bucket of 30 per second that answers 429 with retry_after when exceeded).
   Bars: at least 27 messages/s, zero lost, at most 1% answered 429.

Run: `python -m benchmarks --only outbox` (writes benchmarks/results/outbox.json), or
`python -m benchmarks.bench_outbox [--quick]` (the quick run is a smoke run of 300 messages).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import asdict
from typing import Any

from benchmarks.common import (
    BENCH_NOW,
    Bar,
    Scale,
    bench_database,
    current_scale,
    print_bars,
    print_table,
    reps1000_scale,
    scratch_database,
)

DIGEST_SECONDS = 5.0
RATE_AT_LEAST = 27.0
MAX_429_SHARE = 0.01
CHAT_BASE = 800_000_000


def scales() -> tuple[Scale, int]:
    """The 1,000-rep data set (its own cached file) and how many messages to dispatch."""
    return reps1000_scale(), 300 if current_scale().quick else 3000


async def bench_digests(scale: Scale) -> dict[str, Any]:
    from tortoise.transactions import in_transaction

    from bot.config import Settings
    from bot.models import Notification, Role, User
    from bot.scheduler.jobs import digest_tick
    from bot.services.notify import digests

    async with bench_database(scale) as db:
        reps = await User.filter(role=Role.REP, active=True).values_list("id", "timezone")
        recipients = [
            digests.Recipient(uid, tz, BENCH_NOW.astimezone(digests.zone(tz)).date())
            for uid, tz in reps
        ]
        started = time.perf_counter()
        built = await digests.build_digests(recipients, now=BENCH_NOW, dormant_days=30)
        build_seconds = time.perf_counter() - started
        settings = Settings(CRM_DATABASE_URL=db.url)
        started = time.perf_counter()
        tick = await digest_tick(settings, now=BENCH_NOW)
        tick_seconds = time.perf_counter() - started
        async with in_transaction():
            queued = await Notification.filter(kind="digest").count()
        items = [d for d in built.values() if not d.empty]
        return {
            "reps": len(recipients),
            "build_seconds": round(build_seconds, 3),
            "tick_seconds": round(tick_seconds, 3),
            "tick_queued": tick.queued,
            "tick_nothing": tick.nothing,
            "outbox_rows": queued,
            "non_empty": len(items),
            "mean_due_today": round(sum(d.due_today for d in items) / max(1, len(items)), 1),
            "mean_overdue": round(sum(d.overdue for d in items) / max(1, len(items)), 1),
            "mean_dormant": round(sum(d.dormant for d in items) / max(1, len(items)), 1),
            "data": db.demo.as_dict(),
        }


def limited_fake() -> Any:
    """The fake Bot API with Telegram's overall limit: a bucket of 30/s, 429 when it is empty."""
    from aiohttp import web

    from tests.telegram.fake_bot_api import FakeBotApi, _error

    class RateLimitedBotApi(FakeBotApi):
        def __init__(self, rate: float = 30.0, burst: float = 30.0) -> None:
            super().__init__()
            self.rate = rate
            self.burst = burst
            self.tokens = burst
            self.stamp = time.monotonic()
            self.limited = 0
            self.accepted: list[float] = []

        async def _m_sendmessage(self, params: dict[str, Any]) -> Any:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens < 1:
                self.limited += 1
                wait = max(1, int((1 - self.tokens) / self.rate + 0.999))
                return _error(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
            self.tokens -= 1
            result = await super()._m_sendmessage(params)
            if not isinstance(result, web.Response):
                self.accepted.append(now)
            return result

    return RateLimitedBotApi()


async def bench_dispatch(count: int) -> dict[str, Any]:
    from telegram import Bot

    from bot.handlers.telegram.sender import TelegramSender
    from bot.messages import Reply
    from bot.models import ChannelIdentity, Notification, NotificationStatus, User
    from bot.scheduler import Dispatcher, Limits
    from bot.services.notify import outbox
    from tests.telegram.fake_bot_api import TOKEN

    os.environ.setdefault("PTB_TIMEDELTA", "true")
    async with scratch_database("outbox"):
        api = limited_fake()
        await api.start()
        bot = Bot(TOKEN, base_url=api.base_url)
        await bot.initialize()
        try:
            await User.bulk_create([User(name=f"Rep {n}") for n in range(count)], batch_size=500)
            ids = await User.all().order_by("id").values_list("id", flat=True)
            await ChannelIdentity.bulk_create(
                [
                    ChannelIdentity(channel="telegram", external_id=str(CHAT_BASE + n), user_id=uid)
                    for n, uid in enumerate(ids)
                ],
                batch_size=500,
            )
            await outbox.notify_many(
                [(uid, Reply(f"Digest for {uid}"), f"bench:{uid}") for uid in ids]
            )
            dispatcher = Dispatcher({"telegram": TelegramSender(bot)}, limits=Limits())
            stop = asyncio.Event()
            started = time.monotonic()
            run = asyncio.create_task(dispatcher.run(stop))
            deadline = started + count / 10 + 60
            while time.monotonic() < deadline:
                if dispatcher.delivered >= count:
                    break
                await asyncio.sleep(0.05)
            elapsed = time.monotonic() - started
            stop.set()
            await run
            sent = await Notification.filter(status=NotificationStatus.SENT).count()
            delivered = sum(len(api.bot_messages(CHAT_BASE + n)) for n in range(count))
            accepted = sorted(api.accepted)
            span = accepted[-1] - accepted[0] if len(accepted) > 1 else elapsed
            calls = len(api.calls_of("sendMessage"))
        finally:
            await bot.shutdown()
            await api.stop()
    return {
        "notifications": count,
        "delivered": delivered,
        "sent_rows": sent,
        "lost": count - delivered,
        "duplicates": max(0, len(accepted) - count),
        "seconds": round(elapsed, 2),
        "messages_per_second": round(count / elapsed, 2),
        "messages_per_second_first_to_last": round((len(accepted) - 1) / span, 2) if span else None,
        "send_calls": calls,
        "answered_429": api.limited,
        "share_429": round(api.limited / max(1, calls), 4),
    }


async def main() -> dict[str, Any]:
    scale, count = scales()
    print(f"Digests on {scale.reps} reps, {scale.customers:,} customers, {scale.visits:,} visits")
    digests = await bench_digests(scale)
    print_table(
        "Morning digests",
        ("reps", "build s", "tick s", "queued", "nothing to say"),
        [
            (
                digests["reps"],
                digests["build_seconds"],
                digests["tick_seconds"],
                digests["tick_queued"],
                digests["tick_nothing"],
            )
        ],
    )
    print(f"\nDispatching {count:,} notifications through the rate-limited fake Bot API…")
    dispatch = await bench_dispatch(count)
    print_table(
        "Dispatch",
        ("messages", "delivered", "lost", "dupes", "seconds", "msg/s", "429s"),
        [
            (
                dispatch["notifications"],
                dispatch["delivered"],
                dispatch["lost"],
                dispatch["duplicates"],
                dispatch["seconds"],
                dispatch["messages_per_second"],
                dispatch["answered_429"],
            )
        ],
    )
    bars = [
        Bar("every morning digest built", digests["build_seconds"], DIGEST_SECONDS, "s"),
        Bar("dispatch rate", dispatch["messages_per_second"], RATE_AT_LEAST, "msg/s", True),
        Bar("notifications lost", dispatch["lost"], 0, "msgs"),
        Bar("answered 429", dispatch["share_429"] * 100, MAX_429_SHARE * 100, "%"),
    ]
    print_bars(bars)
    return {
        "scale": asdict(scale),
        "digests": digests,
        "dispatch": dispatch,
        "bars": [bar.as_dict() for bar in bars],
    }


if __name__ == "__main__":
    # `python -m benchmarks.bench_outbox [--quick]` is the runner limited to this module.
    from benchmarks.__main__ import main as run_benchmarks

    sys.exit(run_benchmarks(["--only", "outbox", *sys.argv[1:]]))
