"""Issue 21's bar: storing each update before acknowledging it costs at most 10% of `/visit`
dialogs per second, with 1 chat and with 20 chats, on SQLite and on PostgreSQL.

Both arms run the same engine on the same database, alternately in one run (before, after,
before, after…), each chat a closed loop that waits for the answer before its next tap:

- before: the claim an update had (`updates.claim`: chat and order), then `Engine.handle`;
- after: the durable intake: the payload stored with its claim (`intake.store`), the channel's
  `Intake` worker leasing it from the database, `Engine.handle`, and `intake.finish`.

The messenger's HTTP and python-telegram-bot are left out of both arms: they cost the same
before and after, so the ratio here is the intake's share at its largest.

Run: `python -m benchmarks.bench_intake [--quick]`; PostgreSQL too when
`CRM_BENCH_POSTGRES_URL` names an empty database the run may fill.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tortoise.backends.base.executor import EXECUTOR_CACHE

from benchmarks.common import Bar, print_bars, print_table
from bot.app import build_engine
from bot.config import Settings
from bot.db import close_db, open_db
from bot.dialogs.engine import Engine
from bot.handlers.intake import Intake
from bot.messages import ButtonKind, Incoming, Reply
from bot.models import Role, User
from bot.services import intake, updates
from bot.services.intake import Stored
from bot.services.people import users
from bot.services.records import customers

CHANNEL = "bench"
COST_AT_MOST = 0.10
NOTES = "Talked about the spring order"
_keys = itertools.count(1)


async def _people(engine: Engine, chats: int) -> list[str]:
    """Reps with a customer each, joined by invite, in chats `r0`, `r1`…"""
    ids = []
    for n in range(chats):
        chat, name = f"r{chats}-{n}", f"Rep {chats}-{n}"
        invite = await users.create_invite(None, Role.REP, name=name, now=engine.clock())
        await engine.handle(Incoming(CHANNEL, chat, text=f"/start {invite.code}"))
        rep = await User.get(name=name)
        await customers.create_customer(rep, customers.CustomerDraft(name=f"Bench Co {n}"))
        ids.append(chat)
    return ids


Send = Callable[[str, dict[str, Any]], Awaitable[list[Reply]]]


async def _visit(send: Send, chat: str, n: int) -> None:
    """One `/visit`, tapped through as a rep does: kind, now, a few words, no follow-up, Save."""
    replies = await send(chat, {"text": f"/visit Bench Co {n}"})
    for _ in range(10):
        choices = [b for r in replies for b in r.all_buttons() if b.kind != ButtonKind.NAV]
        if any(r.text and r.text.startswith("Saved") for r in replies) or (
            not choices and not any(r.buttons for r in replies)
        ):
            return
        save = [b for b in choices if b.label.startswith("Save")]
        if save:
            replies = await send(chat, {"button": save[0].data})
        elif choices:
            replies = await send(chat, {"button": choices[0].data})
        else:
            replies = await send(chat, {"text": NOTES})
    raise RuntimeError(f"/visit did not finish: {[r.text for r in replies]}")


def _before(engine: Engine) -> Send:
    async def send(chat: str, what: dict[str, Any]) -> list[Reply]:
        seq = next(_keys)
        await updates.claim(CHANNEL, f"b{seq}", chat=chat, seq=seq)
        return await engine.handle(Incoming(CHANNEL, chat, seq=seq, **what))

    return send


class _After:
    """The durable path: store, wake the worker, wait for the answer it sends back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.waiting: dict[int, asyncio.Future[list[Reply]]] = {}
        self.worker = Intake(CHANNEL, self._handle, clock=engine.clock)

    async def _handle(self, stored: Stored) -> None:
        what = json.loads(stored.payload)
        assert stored.chat is not None
        replies = await self.engine.handle(Incoming(CHANNEL, stored.chat, seq=stored.seq, **what))
        self.waiting.pop(stored.seq or 0).set_result(replies)

    async def send(self, chat: str, what: dict[str, Any]) -> list[Reply]:
        seq = next(_keys)
        answer = self.waiting[seq] = asyncio.get_running_loop().create_future()
        await intake.store(CHANNEL, f"a{seq}", json.dumps(what), chat=chat, seq=seq)
        self.worker.wake()
        return await answer


async def _round(send: Send, chats: list[str], dialogs: int) -> float:
    """Dialogs per second, every chat tapping through `dialogs` visits at once."""

    async def one(index: int, chat: str) -> None:
        for _ in range(dialogs):
            await _visit(send, chat, index)

    started = time.perf_counter()
    await asyncio.gather(*(one(index, chat) for index, chat in enumerate(chats)))
    return len(chats) * dialogs / (time.perf_counter() - started)


async def _measure(url: str, chats: int, dialogs: int, rounds: int) -> dict[str, Any]:
    EXECUTOR_CACHE.clear()  # Tortoise keys its cached SQL by connection name, not by dialect
    await open_db(url)
    try:
        engine = build_engine(Settings(CRM_DATABASE_URL=url, CRM_LOCALE="en"))
        people = await _people(engine, chats)
        after = _After(engine)
        after.worker.start()
        try:
            await _round(_before(engine), people, 1)  # warm-up, both arms
            await _round(after.send, people, 1)
            before_rates, after_rates = [], []
            for _ in range(rounds):
                before_rates.append(await _round(_before(engine), people, dialogs))
                after_rates.append(await _round(after.send, people, dialogs))
        finally:
            await after.worker.stop()
    finally:
        await close_db()
    before, later = statistics.median(before_rates), statistics.median(after_rates)
    return {
        "chats": chats,
        "before_dialogs_per_s": round(before, 2),
        "after_dialogs_per_s": round(later, 2),
        "cost": round(1 - later / before, 3),
        "rounds": {"before": before_rates, "after": after_rates},
    }


async def main() -> dict[str, Any]:
    quick = "--quick" in sys.argv
    dialogs, rounds = (2, 2) if quick else (5, 4)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        targets = [("sqlite", lambda n: f"sqlite://{Path(folder) / f'bench{n}.db'}")]
        postgres = os.environ.get("CRM_BENCH_POSTGRES_URL")
        if postgres:
            targets.append(("postgres", lambda n: postgres))
        for name, url_for in targets:
            for chats in (1, 20):
                result = await _measure(url_for(chats), chats, dialogs, rounds)
                results.append({"database": name} | result)
    print_table(
        "Durable intake: /visit dialogs per second",
        ["database", "chats", "before", "after", "cost"],
        [
            [
                r["database"],
                r["chats"],
                r["before_dialogs_per_s"],
                r["after_dialogs_per_s"],
                r["cost"],
            ]
            for r in results
        ],
    )
    bars = [
        Bar(
            f"intake cost, {r['database']}, {r['chats']} chats", r["cost"], COST_AT_MOST, "fraction"
        )
        for r in results
    ]
    print_bars(bars)
    return {"results": results, "bars": [bar.as_dict() for bar in bars]}


if __name__ == "__main__":
    asyncio.run(main())
