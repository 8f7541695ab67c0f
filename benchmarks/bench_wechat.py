"""The speed bar for WeCom: signed, encrypted callbacks answered by passive reply, on real HTTP.

100 reps of the demo data set (200 reps, 100,000 customers, 1M visits) are bound to a WeCom app.
Each posts text messages to `/wecom` as WeChat's servers do (AES-encrypted, msg_signature,
fresh timestamp) and waits for the passive reply in the HTTP answer, which it verifies and
decrypts, before the next message: /followups, a /customer search, then a complete /visit typed
with numbers. Reported: messages per second with every rep typing at once (saturating), and the
p95 time from posting a message to its passive reply at people's pace (bar ≤ 200 ms, well inside
WeChat's 5 s). An answer that missed the reply budget would come back as "success" and count
as a failure here.

Run: `python -m benchmarks.bench_wechat [--quick]` (writes benchmarks/results/wechat.json), the
same as `python -m benchmarks --only wechat`.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from benchmarks.bench_telegram import closed_loop
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
from bot.handlers.wechat import WECOM, WeChatChannel, wecom_app
from bot.models import ChannelIdentity, Customer, Role, User, Visit
from bot.server import HttpServer
from tests.wechat.callbacks import WECOM_AES_KEY, WECOM_TOKEN, Callbacks, wecom_callbacks
from tests.wechat.fake_wechat_api import AGENT_ID, CORP_ID, CORP_SECRET, FakeWeChatApi

REPLY_P95_MS = 200.0
REPS = 100


@dataclass(frozen=True, slots=True)
class Plan:
    rounds_saturating: int
    rounds_paced: int
    think: tuple[float, float] = (0.5, 1.5)


PLANS = {"full": Plan(rounds_saturating=3, rounds_paced=1), "quick": Plan(1, 1)}


@dataclass(slots=True)
class Load:
    latency: Samples = field(default_factory=Samples)
    messages: int = 0
    visits: int = 0
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0

    def figures(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "visits": self.visits,
            "failed": len(self.failures),
            "failures": self.failures[:5],
            "wall_seconds": round(self.wall, 3),
            "messages_per_second": round(self.messages / self.wall, 1) if self.wall else 0.0,
            "post_to_passive_reply": self.latency.summary(),
        }


class Missed(Exception):
    """No passive reply, or not the one the rep's message should lead to."""


@dataclass(slots=True)
class Rep:
    """One rep typing on WeCom: post, wait for the passive reply, read it."""

    user_id: int
    userid: str
    side: Callbacks
    load: Load
    rng: random.Random
    think: tuple[float, float] | None = None

    async def say(self, text: str) -> str:
        if self.think:
            await asyncio.sleep(self.rng.uniform(*self.think))
        started = time.perf_counter()
        answer = await self.side.say(self.userid, text)
        self.load.latency.add(started)
        self.load.messages += 1
        if answer.text is None:
            raise Missed(f"{text!r}: {answer.status} {answer.body[:80]!r}")
        return answer.text


async def one_round(rep: Rep, query: str) -> None:
    """/followups, a /customer search, and a /visit typed with numbers from start to Save."""
    await rep.say("/followups")
    await rep.say(f"/customer {query}")
    text = await rep.say(f"/visit {query}")
    if "kind of contact" not in text and "联系方式" not in text:
        await rep.say("1")  # several customers match: take the first
    await rep.say("1")  # visit
    await rep.say("1")  # now
    await rep.say(rep.rng.choice(NOTES))
    await rep.say("/skip")
    saved = await rep.say("1")
    if not (saved.startswith("Logged.") or saved.startswith("已记录")):
        raise Missed(f"save: {saved[:120]!r}")
    rep.load.visits += 1


async def bound_reps(count: int) -> list[tuple[int, str]]:
    ids = await (
        User.filter(role=Role.REP, active=True)
        .order_by("id")
        .limit(count)
        .values_list("id", flat=True)
    )
    people = [(rep, f"rep{rep}") for rep in ids]
    await ChannelIdentity.bulk_create(
        [ChannelIdentity(channel=WECOM, external_id=userid, user_id=rep) for rep, userid in people]
    )
    return people


async def queries(rep_id: int, rng: random.Random) -> list[str]:
    owned = (
        await Customer.filter(owner_id=rep_id).limit(200).values_list("normalized_name", flat=True)
    )
    picks = []
    for _ in range(8):
        words = rng.choice(owned).split()
        picks.append(" ".join(words[:2]) if len(words) > 1 else words[0][:4])
    return picks


async def main() -> dict[str, Any]:
    scale = current_scale()
    plan = PLANS["quick" if scale.quick else "full"]
    async with bench_database(scale) as db, FakeWeChatApi() as api:
        settings = Settings(
            CRM_DATABASE_URL=db.url,
            WECOM_CORP_ID=CORP_ID,
            WECOM_AGENT_ID=AGENT_ID,
            WECOM_SECRET=SecretStr(CORP_SECRET),
            WECOM_TOKEN=SecretStr(WECOM_TOKEN),
            WECOM_AES_KEY=SecretStr(WECOM_AES_KEY),
            WECOM_API_BASE_URL=api.base_url,
        )
        platform = wecom_app(settings)
        assert platform is not None
        engine = build_engine(settings, clock=bench_clock())
        await engine.finder.refresh()
        server = HttpServer("127.0.0.1", 0)
        channel = WeChatChannel(platform, settings, engine, server)
        await server.start()
        await channel.start()
        side = wecom_callbacks(server.url + platform.path)
        rng = random.Random(6)
        people = await bound_reps(REPS)
        searches = {rep: await queries(rep, rng) for rep, _ in people}

        def lanes(load: Load, rounds: int, offset: int, think: tuple[float, float] | None):
            def lane(rep_id: int, userid: str) -> Callable[[], Awaitable[None]]:
                async def talk() -> None:
                    rep = Rep(rep_id, userid, side, load, random.Random(rep_id), think)
                    for n in range(rounds):
                        try:
                            await one_round(rep, searches[rep_id][offset + n])
                        except Missed as missed:
                            load.failures.append(str(missed))
                            await side.say(userid, "/cancel")

                return talk

            return [lane(rep_id, userid) for rep_id, userid in people]

        try:
            await closed_loop(lanes(Load(), 1, 0, None), Load())  # warm-up
            before = await Visit.all().count()
            saturated = await closed_loop(
                lanes(load := Load(), plan.rounds_saturating, 1, None), load
            )
            paced = await closed_loop(lanes(load := Load(), plan.rounds_paced, 5, plan.think), load)
            logged = await Visit.all().count() - before
        finally:
            await side.close()
            await channel.stop()
            await server.stop()
        demo = db.demo.as_dict()
    p95 = float(paced.latency.summary().get("p95_ms", float("nan")))
    rate = saturated.messages / saturated.wall
    bars = [Bar("post → passive reply p95, people's pace", p95, REPLY_P95_MS, "ms")]
    rows = [
        (
            name,
            load.messages,
            f"{load.messages / load.wall:,.1f}",
            load.latency.summary().get("p50_ms"),
            load.latency.summary().get("p95_ms"),
            len(load.failures),
        )
        for name, load in (("saturating", saturated), ("people's pace", paced))
    ]
    print_table(
        f"WeCom /wecom, {REPS} reps, encrypted text",
        ("load", "messages", "msgs/s", "p50 ms", "p95 ms", "failed"),
        rows,
    )
    print_bars(bars)
    return {
        "demo": demo,
        "reps": REPS,
        "messages_per_second_saturating": round(rate, 1),
        "saturating": saturated.figures(),
        "peoples_pace": paced.figures(),
        "visits_logged": logged,
        "bars": [bar.as_dict() for bar in bars],
    }


if __name__ == "__main__":
    # `python -m benchmarks.bench_wechat [--quick]` is the runner limited to this module.
    from benchmarks.__main__ import main as run_benchmarks

    sys.exit(run_benchmarks(["--only", "wechat", *sys.argv[1:]]))
