"""Issue 3's bars for the Telegram channel, against the fake Bot API over loopback HTTP.

In one run and one event loop, with the same fake Bot API (tests/telegram/fake_bot_api.py):

a) a bare python-telegram-bot echo bot (long polling, the same concurrent update processing);
b) our bot (`TelegramChannel`, polling) with 100 reps in 100 chats, each tapping through
   complete `/visit` dialogs on the demo data set (200 reps, 100,000 customers, 1M visits).

Each simulated person waits for the bot's answer before the next tap, as on a phone, so this is a
closed loop of 100 chats. Reported: updates per second for both, the ratio b/a (bar ≥ 0.4) and
the p95 time from an update being available to its reply arriving at the Bot API (bar ≤ 100 ms).
The rate limiter is off for both: the fake has no limits, and Telegram's 30 messages/s would
cap both bots at the same number and measure nothing.

Run: `python -m benchmarks.bench_telegram [--quick]` (writes benchmarks/results/telegram.json), the
same as `python -m benchmarks --only telegram`.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import SecretStr
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from benchmarks.common import (
    Bar,
    Samples,
    bench_clock,
    bench_database,
    current_scale,
    print_bars,
    print_table,
)
from bot.app import build_engine
from bot.config import Settings
from bot.demo import NOTES
from bot.handlers.telegram import TelegramChannel
from bot.models import ChannelIdentity, Customer, Role, User, Visit
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, Person

RATIO_AT_LEAST = 0.4
REPLY_P95_MS = 100.0
CHAT_BASE = 700_000_000  # Telegram chat ids of the simulated reps
REPLY_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Plan:
    """How much load each part gets; quick is a smoke run, not a measurement."""

    chats: int
    echoes_per_chat: int
    dialogs_per_chat: int
    warmup_dialogs_per_chat: int
    paced_dialogs_per_chat: int
    think: tuple[float, float] = (0.5, 1.5)  # seconds between a reply and the next tap


PLANS = {
    "full": Plan(
        chats=100,
        echoes_per_chat=40,
        dialogs_per_chat=6,
        warmup_dialogs_per_chat=1,
        paced_dialogs_per_chat=3,
    ),
    "quick": Plan(
        chats=100,
        echoes_per_chat=10,
        dialogs_per_chat=2,
        warmup_dialogs_per_chat=1,
        paced_dialogs_per_chat=1,
    ),
}


@dataclass(slots=True)
class Load:
    """What one closed-loop run measured: per-update latency, counts, wall time."""

    latency: Samples = field(default_factory=Samples)
    updates: int = 0
    dialogs: int = 0
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0

    def figures(self) -> dict[str, Any]:
        return {
            "updates": self.updates,
            "dialogs": self.dialogs,
            "failed": len(self.failures),
            "failures": self.failures[:5],
            "wall_seconds": round(self.wall, 3),
            "updates_per_second": round(self.updates / self.wall, 1) if self.wall else 0.0,
            "update_to_reply": self.latency.summary(),
        }


class Inbox:
    """Each simulated chat waits for the bot's next message there (no polling, no sleeps)."""

    def __init__(self, api: FakeBotApi) -> None:
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        api.listeners.append(self._heard)

    def expect(self, chat_id: int) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[chat_id] = future
        return future

    def _heard(self, event: str, message: dict[str, Any]) -> None:
        if event != "sent":
            return
        future = self._waiting.pop(message["chat"]["id"], None)
        if future is not None and not future.done():
            future.set_result(message)


class Phone:
    """One simulated person: push an update, wait for the bot's reply, record the latency.

    With `think` (seconds, low and high) the person reads and thinks before each action, as on a
    real phone; without, the next action follows the reply at once (the saturating load).
    """

    def __init__(
        self,
        api: FakeBotApi,
        inbox: Inbox,
        person: Person,
        load: Load,
        think: tuple[float, float] | None = None,
    ) -> None:
        self.api, self.inbox, self.person, self.load = api, inbox, person, load
        self.think = think
        self.rng = random.Random(person.id)

    async def _roundtrip(self, push: Callable[[], int]) -> dict[str, Any]:
        if self.think:
            await asyncio.sleep(self.rng.uniform(*self.think))
        reply = self.inbox.expect(self.person.id)
        started = time.perf_counter()
        push()
        message = await asyncio.wait_for(reply, REPLY_TIMEOUT)
        self.load.latency.add(started)
        self.load.updates += 1
        return message

    async def say(self, text: str) -> dict[str, Any]:
        return await self._roundtrip(lambda: self.api.send(self.person, text))

    async def tap(self, message: dict[str, Any], data: str) -> dict[str, Any]:
        return await self._roundtrip(lambda: self.api.tap(self.person, message, data))


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """Choice value → callback data of the message's inline keyboard ('c:TOKEN:value')."""
    found = {}
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            data = button["callback_data"]
            found[data.split(":", 2)[-1]] = data
    return found


class DialogFailed(Exception):
    """The bot did not answer as a rep's taps should lead it to."""


@dataclass(frozen=True, slots=True)
class VisitPlan:
    customer_id: int
    query: str
    kind: str
    notes: str
    followup: str


async def tap_visit(phone: Phone, plan: VisitPlan) -> None:
    """One complete /visit as on a phone: type the command, tap, type the notes, tap Save."""

    def need(message: dict[str, Any], value: str, step: str) -> str:
        data = buttons(message).get(value)
        if data is None:
            raise DialogFailed(f"{step}: no {value!r} in {message.get('text', '')[:200]!r}")
        return data

    message = await phone.say(f"/visit {plan.query}")
    options = buttons(message)
    if "meeting" not in options:
        ids = [value for value in options if value.isdigit()]
        if not ids:
            raise DialogFailed(f"pick: {message.get('text', '')[:200]!r}")
        pick = str(plan.customer_id) if str(plan.customer_id) in ids else ids[0]
        message = await phone.tap(message, options[pick])
    message = await phone.tap(message, need(message, plan.kind, "kind"))
    message = await phone.tap(message, need(message, "now", "when"))
    message = await phone.say(plan.notes)
    message = await phone.tap(message, need(message, plan.followup, "follow-up"))
    message = await phone.tap(message, need(message, "save", "confirm"))
    if not message.get("text", "").startswith("Logged."):
        raise DialogFailed(f"save: {message.get('text', '')[:200]!r}")
    phone.load.dialogs += 1


async def visit_plans(rep_id: int, count: int, rng: random.Random) -> list[VisitPlan]:
    owned = await Customer.filter(owner_id=rep_id).values_list("id", "normalized_name")
    plans = []
    for _ in range(count):
        customer_id, normalized = rng.choice(owned)
        words = normalized.split()
        query = " ".join(words[:2]) if len(words) > 1 else normalized[2:6] or normalized
        plans.append(
            VisitPlan(
                customer_id=customer_id,
                query=query,
                kind=rng.choice(("visit", "call", "message", "meeting")),
                notes=rng.choice(NOTES),
                followup=rng.choice(("tomorrow", "in 3 days", "next monday", "in 2 weeks")),
            )
        )
    return plans


async def closed_loop(lanes: list[Callable[[], Awaitable[None]]], load: Load) -> Load:
    started = time.perf_counter()
    await asyncio.gather(*(lane() for lane in lanes))
    load.wall = time.perf_counter() - started
    return load


# --- a) the bare echo bot -------------------------------------------------------------------


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def bench_echo(api: FakeBotApi, inbox: Inbox, plan: Plan) -> Load:
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api.base_url)
        .concurrent_updates(256)
        .job_queue(None)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    load = Load()
    people = [Person(CHAT_BASE + n, f"Echo {n}") for n in range(plan.chats)]

    def lane(person: Person, run: Load, count: int) -> Callable[[], Awaitable[None]]:
        async def talk() -> None:
            phone = Phone(api, inbox, person, run)
            for n in range(count):
                await phone.say(f"echo {n} from {person.id}")

        return talk

    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=1)
        await closed_loop([lane(p, Load(), 2) for p in people], Load())  # warm-up
        await closed_loop([lane(p, load, plan.echoes_per_chat) for p in people], load)
        await application.updater.stop()
        await application.stop()
    return load


# --- b) our bot -----------------------------------------------------------------------------


async def telegram_reps(count: int) -> list[tuple[int, Person]]:
    """The first `count` reps of the demo data, each on Telegram in a chat of their own."""
    rep_ids = await (
        User.filter(role=Role.REP, active=True)
        .order_by("id")
        .limit(count)
        .values_list("id", flat=True)
    )
    people = [(rep, Person(CHAT_BASE + n, f"Rep {rep}")) for n, rep in enumerate(rep_ids)]
    await ChannelIdentity.bulk_create(
        [
            ChannelIdentity(channel="telegram", external_id=str(p.id), user_id=rep)
            for rep, p in people
        ]
    )
    return people


@dataclass(slots=True)
class BotRuns:
    """Our bot under the two loads: saturating (throughput) and paced like people (latency)."""

    saturated: Load
    paced: Load
    visits_logged: int
    visits_expected: int


async def bench_bot(api: FakeBotApi, inbox: Inbox, plan: Plan, url: str) -> BotRuns:
    rng = random.Random(3)
    people = await telegram_reps(plan.chats)
    settings = Settings(
        CRM_DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN=SecretStr(TOKEN),
        TELEGRAM_API_BASE_URL=api.base_url,
    )
    engine = build_engine(settings, clock=bench_clock())
    channel = TelegramChannel(settings, engine, rate_limit=False, poll_timeout=1)

    async def plans(count: int) -> dict[int, list[VisitPlan]]:
        return {rep: await visit_plans(rep, count, rng) for rep, _ in people}

    warm, saturating, paced = (
        await plans(plan.warmup_dialogs_per_chat),
        await plans(plan.dialogs_per_chat),
        await plans(plan.paced_dialogs_per_chat),
    )

    def lanes(
        todo: dict[int, list[VisitPlan]], run: Load, think: tuple[float, float] | None = None
    ) -> list[Callable[[], Awaitable[None]]]:
        def lane(person: Person, visits: list[VisitPlan]) -> Callable[[], Awaitable[None]]:
            async def talk() -> None:
                phone = Phone(api, inbox, person, run, think)
                for visit in visits:
                    try:
                        await tap_visit(phone, visit)
                    except DialogFailed as failed:
                        run.failures.append(str(failed))
                        await phone.say("/cancel")

            return talk

        return [lane(person, todo[rep]) for rep, person in people]

    saturated, paced_load = Load(), Load()
    await channel.start()
    try:
        await closed_loop(lanes(warm, Load()), Load())
        before = await Visit.all().count()
        await closed_loop(lanes(saturating, saturated), saturated)
        await closed_loop(lanes(paced, paced_load, plan.think), paced_load)
        logged = await Visit.all().count() - before
    finally:
        await channel.stop()
    expected = plan.chats * (plan.dialogs_per_chat + plan.paced_dialogs_per_chat)
    return BotRuns(saturated, paced_load, logged, expected)


async def main() -> dict[str, Any]:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    scale = current_scale()
    plan = PLANS["quick" if scale.quick else "full"]
    async with bench_database(scale) as db, FakeBotApi() as api:
        inbox = Inbox(api)
        echo_load = await bench_echo(api, inbox, plan)
        runs = await bench_bot(api, inbox, plan, db.url)
        demo = db.demo.as_dict()
    a = echo_load.updates / echo_load.wall
    b = runs.saturated.updates / runs.saturated.wall
    p95 = float(runs.paced.latency.summary().get("p95_ms", float("nan")))
    bars = [
        Bar("our bot / bare echo bot, updates/s", b / a, RATIO_AT_LEAST, "ratio", at_least=True),
        Bar("update → reply p95, our bot, people's pace", p95, REPLY_P95_MS, "ms"),
    ]
    rows = []
    for name, load in (
        ("a) bare PTB echo, saturating", echo_load),
        ("b) crmbot /visit, saturating", runs.saturated),
        ("b) crmbot /visit, people's pace", runs.paced),
    ):
        summary = load.latency.summary()
        rows.append(
            (
                name,
                load.updates,
                round(load.updates / load.wall, 1),
                summary.get("p50_ms", 0.0),
                summary.get("p95_ms", 0.0),
                summary.get("p99_ms", 0.0),
                len(load.failures),
            )
        )
    print_table(
        f"Telegram over loopback HTTP ({scale.name}: {plan.chats} chats, rate limiter off)",
        ("run", "updates", "updates/s", "p50 ms", "p95 ms", "p99 ms", "failed"),
        rows,
    )
    print(
        f"Saturating: each of the {plan.chats} chats taps again as soon as the reply arrives, so "
        f"latency there is chats / throughput (queueing), for both bots. People's pace: "
        f"{plan.think[0]:g}–{plan.think[1]:g} s between a reply and the next tap. "
        f"Visits logged: {runs.visits_logged} of {runs.visits_expected}. "
        f"Ratio b/a = {b:.1f} / {a:.1f} = {b / a:.3f}."
    )
    print_bars(bars)
    failures = runs.saturated.failures + runs.paced.failures
    if failures:
        print(f"first failures: {failures[:3]}", file=sys.stderr)
    return {
        "plan": asdict(plan),
        "demo_data": demo,
        "rate_limiter": "off for both bots (the fake has no limits)",
        "echo_bot": echo_load.figures(),
        "our_bot_saturating": runs.saturated.figures(),
        "our_bot_peoples_pace": runs.paced.figures(),
        "visits_logged": runs.visits_logged,
        "visits_expected": runs.visits_expected,
        "ratio_b_to_a": round(b / a, 3),
        "bars": [bar.as_dict() for bar in bars],
    }


if __name__ == "__main__":
    # `python -m benchmarks.bench_telegram [--quick]` is the runner limited to this module.
    from benchmarks.__main__ import main as run_benchmarks

    sys.exit(run_benchmarks(["--only", "telegram", *sys.argv[1:]]))
