"""Several instances on one PostgreSQL: what the cross-instance chat lock costs, and what a
second instance adds.

/visit dialogs are typed by 20 chats at once through the engine, on PostgreSQL:
- one instance with the chat lock (the product) against the same instance without it (a storage
  whose turn skips the advisory lock): the lock may cost at most 15 % of the dialogs per second;
- two instances (two processes, 10 chats each, one database, both warmed up and started
  together) against one instance with 20 chats: together at least as fast.

The three take turns for three rounds (two at quick scale), and each is judged by its best.

It needs PostgreSQL: `CRM_BENCH_DATABASE_URL` (default: the `crmbot_bench` database on
127.0.0.1:5432, created if missing and emptied on every run).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import sys
import time
from typing import Any

import asyncpg

from benchmarks.bench_core import (
    TIMEZONE,
    People,
    VisitPlan,
    dialog_figures,
    prepare_people,
    run_lanes,
    visit_plans,
)
from benchmarks.common import (
    BENCH_NOW,
    Bar,
    bench_clock,
    current_scale,
    postgres_url,
    print_bars,
    print_table,
)
from bot.app import build_engine
from bot.config import Settings
from bot.db import close_db, migrate, open_db
from bot.demo import generate
from bot.dialogs.engine import Engine
from bot.dialogs.storage import _OPEN, StorageKey, TortoiseStorage

LOCK_COST_MAX = 15.0  # percent
BENCH_BACKENDS = ("postgres",)  # several instances share one database only on PostgreSQL
CHATS = 20
DIALOGS_PER_CHAT = {"full": 30, "quick": 6}
ROUNDS = {"full": 3, "quick": 2}
DATA = {"full": (60, 6000, 30000), "quick": (60, 1500, 3000)}  # reps, customers, visits


class UnlockedStorage(TortoiseStorage):
    """The product's storage less the advisory lock: the baseline the lock's cost is read from.
    Its turn's first read is the same query as SQLite's, without `crm_open_turn`."""

    @staticmethod
    def _open_query(key: StorageKey) -> tuple[str, tuple[str, ...]]:
        return _OPEN, (key.channel, key.external_id)


def bench_url() -> str:
    return postgres_url()


async def fresh_database(url: str) -> None:
    """Create the database if needed and empty it, so every run starts from the migrations."""
    dsn = url.replace("postgres://", "postgresql://", 1)
    server, _, name = dsn.rpartition("/")
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()
    await migrate(url)


def settings_for(url: str) -> Settings:
    return Settings(CRM_DATABASE_URL=url, CRM_LOCALE="en", CRM_TIMEZONE=TIMEZONE)


def engine_for(url: str, *, locked: bool = True) -> Engine:
    engine = build_engine(settings_for(url), clock=bench_clock(BENCH_NOW))
    if not locked:
        engine.storage = UnlockedStorage()
    return engine


def lanes_of(plans: list[VisitPlan], chats: int) -> list[list[VisitPlan]]:
    per_chat = len(plans) // chats
    return [plans[n * per_chat : (n + 1) * per_chat] for n in range(chats)]


async def one_instance(
    url: str, people: People, rng: random.Random, dialogs: int, *, locked: bool
) -> dict[str, Any]:
    engine = engine_for(url, locked=locked)
    reps = rng.sample(people.rep_ids, CHATS)
    plans = await visit_plans(reps, CHATS * dialogs, rng, per_rep=dialogs)
    run, wall = await run_lanes(engine, lanes_of(plans, CHATS))
    return dialog_figures(run, wall, CHATS)


def _child(url: str, reps: list[int], dialogs: int, seed: int, go: Any, out: Any) -> None:
    """One more instance: its own process, its own engine and connections, its own chats."""

    async def run() -> None:
        await open_db(url, apply_migrations=False)
        try:
            engine = engine_for(url)
            rng = random.Random(seed)
            warm = await visit_plans(reps, len(reps) * 2, rng, per_rep=2)
            await run_lanes(engine, lanes_of(warm, len(reps)))  # warm up as one instance is
            plans = await visit_plans(reps, len(reps) * dialogs, rng, per_rep=dialogs)
            go.wait()  # every instance warmed up: they start together
            started = time.monotonic()
            result, _ = await run_lanes(engine, lanes_of(plans, len(reps)))
            out.put((started, time.monotonic(), result.completed, len(result.failures)))
        finally:
            await close_db()

    asyncio.run(run())


def two_instances(url: str, people: People, rng: random.Random, dialogs: int) -> dict[str, Any]:
    """Two processes typing 10 chats each at the same moment; throughput over both."""
    reps = rng.sample(people.rep_ids, CHATS)
    spawn = multiprocessing.get_context("spawn")
    halves = [reps[: CHATS // 2], reps[CHATS // 2 :]]
    go, out = spawn.Barrier(len(halves)), spawn.Queue()
    children = [
        spawn.Process(target=_child, args=(url, half, dialogs, n, go, out))
        for n, half in enumerate(halves)
    ]
    for child in children:
        child.start()
    results = [out.get(timeout=600) for _ in children]
    for child in children:
        child.join(timeout=60)
    wall = max(r[1] for r in results) - min(r[0] for r in results)
    completed = sum(r[2] for r in results)
    return {
        "instances": 2,
        "chats": CHATS,
        "dialogs": completed,
        "failed": sum(r[3] for r in results),
        "wall_seconds": round(wall, 3),
        "dialogs_per_second": round(completed / wall, 1) if wall else 0.0,
    }


async def measure(url: str) -> dict[str, Any]:
    scale = current_scale()
    dialogs = DIALOGS_PER_CHAT[scale.name]
    reps, customers, visits = DATA[scale.name]
    await fresh_database(url)
    await open_db(url, apply_migrations=False)
    try:
        started = time.perf_counter()
        counts = await generate(reps=reps, customers=customers, visits=visits, now=BENCH_NOW)
        generate_seconds = time.perf_counter() - started
        people = await prepare_people()
        rng = random.Random(7)
        await one_instance(url, people, rng, 2, locked=True)  # warm up caches and the pool
        runs: dict[str, list[dict[str, Any]]] = {"locked": [], "unlocked": []}
        twos: list[dict[str, Any]] = []
        # The modes take turns, round after round, so a slow spell of a shared machine falls
        # on all of them; each is judged by its best round.
        for _ in range(ROUNDS[scale.name]):
            for mode in ("unlocked", "locked"):
                figures = await one_instance(url, people, rng, dialogs, locked=mode == "locked")
                runs[mode].append(figures)
            twos.append(await asyncio.to_thread(two_instances, url, people, rng, dialogs))
    finally:
        await close_db()
    two = max(twos, key=lambda run: run["dialogs_per_second"])
    best = {mode: max(r["dialogs_per_second"] for r in found) for mode, found in runs.items()}
    return {
        "data": counts | {"generate_seconds": round(generate_seconds, 1)},
        "dialogs_per_chat": dialogs,
        "one_instance": runs,
        "best_dialogs_per_second": best,
        "two_instances": two,
        "two_instances_runs": [run["dialogs_per_second"] for run in twos],
    }


def main() -> dict[str, Any]:
    url = bench_url()
    try:
        result = asyncio.run(measure(url))
    except (OSError, asyncpg.PostgresError) as unreachable:
        print(f"PostgreSQL at {url} is needed: {unreachable}", file=sys.stderr)
        return {"skipped": f"no PostgreSQL at {url}", "bars": []}
    best = result["best_dialogs_per_second"]
    cost = 100.0 * (1 - best["locked"] / best["unlocked"]) if best["unlocked"] else 0.0
    two = result["two_instances"]["dialogs_per_second"]
    rows = [
        (f"{mode}, run {n + 1}", r["dialogs_per_second"], r["per_message"]["p95_ms"], r["failed"])
        for mode, found in result["one_instance"].items()
        for n, r in enumerate(found)
    ]
    rows += [
        (f"two instances, run {n + 1}", rate, "—", result["two_instances"]["failed"])
        for n, rate in enumerate(result["two_instances_runs"])
    ]
    print_table(
        f"/visit on PostgreSQL, {CHATS} chats", ("run", "dialogs/s", "p95 ms", "failed"), rows
    )
    bars = [
        Bar("cross-instance lock cost, 20 chats", round(cost, 1), LOCK_COST_MAX, "%"),
        Bar("two instances vs one, dialogs/s", two, best["locked"], "/s", True),
    ]
    print_bars(bars)
    result["lock_cost_percent"] = round(cost, 1)
    result["bars"] = [bar.as_dict() for bar in bars]
    result["all_bars_met"] = all(bar.met for bar in bars)
    return result


if __name__ == "__main__":
    # `python -m benchmarks.bench_instances [--quick]` is the runner limited to this module.
    from benchmarks.__main__ import main as run_benchmarks

    sys.exit(run_benchmarks(["--only", "instances", *sys.argv[1:]]))
