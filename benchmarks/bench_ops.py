"""Issue 15's bar: what the metrics cost, as `/visit` dialogs per second with and without them.

The same complete `/visit` dialogs as `bench_core` (typed as on the console, through
`Engine.handle` and the real services on the demo SQLite copy), one chat at a time. "Without"
calls the engine as before; "with" goes through the channel edge's instrumented point
(`Metrics.handling`: the log ids, the update counter, the latency histogram) into an engine whose
speech backend is metered, as `crmbot run` wires it. One run each way per round, the order
flipped every round, so that a database growing by the saved visits or a neighbour's load weighs
on both sides alike. The bar is the median of the rounds' ratios of dialogs per CPU second of
this process (wall-clock figures are reported too; other work on a shared machine moves them by
far more than 5%). The hook alone is timed too,
in µs per message: on a shared machine it is the steadier figure. A scrape of /metrics (the
outbox query and the text rendering) is timed apart: it runs once per Prometheus interval, not
per message.
"""

from __future__ import annotations

import itertools
import random
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from benchmarks.bench_core import (
    People,
    VisitPlan,
    prepare_people,
    run_lanes,
    visit_plans,
)
from benchmarks.common import (
    Bar,
    Samples,
    bench_clock,
    bench_database,
    bench_settings,
    current_scale,
    print_bars,
    print_table,
    warn_if_busy,
)
from bot.app import build_engine
from bot.dialogs.engine import Engine
from bot.messages import Incoming, Reply
from bot.metrics import Metrics

MAX_COST = 0.05  # at most 5% fewer dialogs per second with metrics
DIALOGS = {"full": 3000, "quick": 2000}
ROUNDS = 20
WARMUP = 20
SCRAPES = 50


class MeteredEdge:
    """What a channel adapter does around `Engine.handle`: the instrumented point, nothing else."""

    def __init__(self, engine: Engine, metrics: Metrics) -> None:
        self.engine = engine
        self.metrics = metrics
        self._ids = itertools.count(1)

    async def handle(self, msg: Incoming) -> list[Reply]:
        with self.metrics.handling(
            msg.channel, update_id=next(self._ids), chat=msg.external_id, user=msg.external_id
        ):
            return await self.engine.handle(msg)


@dataclass
class Side:
    """One side of the comparison: its dialogs and wall time over all its runs."""

    dialogs: int = 0
    failed: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    messages: int = 0

    @property
    def per_second(self) -> float:
        return self.dialogs / self.wall if self.wall else 0.0

    @property
    def per_cpu_second(self) -> float:
        """Dialogs per second of this process's CPU (its threads too: SQLite's), which other
        work on the machine barely moves, unlike the wall clock."""
        return self.dialogs / self.cpu if self.cpu else 0.0


async def one_run(handler: Any, plans: list[VisitPlan], side: Side) -> None:
    cpu = time.process_time()
    run, wall = await run_lanes(handler, [plans])
    side.cpu += time.process_time() - cpu
    side.dialogs += run.completed
    side.failed += len(run.failures)
    side.wall += wall
    side.messages += len(run.messages.seconds)


async def compare(plain: Engine, metered: MeteredEdge, people: People, count: int) -> dict:
    """Rounds of one run each way, the order flipped every round; the cost is the median of the
    rounds' ratios (one slow moment of a neighbour then spoils one round, not the figure)."""
    rng = random.Random(15)
    await run_lanes(plain, [await visit_plans(people.rep_ids, WARMUP, rng)])  # type: ignore[arg-type]
    await run_lanes(metered, [await visit_plans(people.rep_ids, WARMUP, rng)])  # type: ignore[arg-type]
    without, with_metrics = Side(), Side()
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    per_round = count // (2 * ROUNDS)
    for n in range(ROUNDS):
        pair = [(plain, Side()), (metered, Side())]
        for handler, side in pair if n % 2 == 0 else reversed(pair):
            await one_run(handler, await visit_plans(people.rep_ids, per_round, rng), side)
        (_, off), (_, on) = pair
        if off.per_second and on.per_cpu_second:
            ratios.append(on.per_second / off.per_second)
            cpu_ratios.append(on.per_cpu_second / off.per_cpu_second)
        for total, one in ((without, off), (with_metrics, on)):
            total.dialogs += one.dialogs
            total.failed += one.failed
            total.wall += one.wall
            total.cpu += one.cpu
            total.messages += one.messages
    total_cost = 1 - with_metrics.per_second / without.per_second if without.per_second else 0.0
    cpu_cost = (
        1 - with_metrics.per_cpu_second / without.per_cpu_second if without.per_cpu_second else 0.0
    )

    def side(figures: Side) -> dict[str, Any]:
        return {
            **vars(figures),
            "dialogs_per_second": round(figures.per_second, 1),
            "dialogs_per_cpu_second": round(figures.per_cpu_second, 1),
        }

    return {
        "rounds": ROUNDS,
        "dialogs_per_run": per_round,
        "without": side(without),
        "with": side(with_metrics),
        "wall_cost_overall": round(total_cost, 4),
        "wall_cost_median": round(1 - statistics.median(ratios), 4),
        "wall_round_ratios": [round(r, 3) for r in sorted(ratios)],
        "cpu_cost_overall": round(cpu_cost, 4),
        "cpu_cost_median": round(1 - statistics.median(cpu_ratios), 4),
        "cpu_round_ratios": [round(r, 3) for r in sorted(cpu_ratios)],
    }


def hook_cost(metrics: Metrics, calls: int = 20_000) -> dict[str, float]:
    """The instrumented point alone, per message: what the dialogs' figures hide in their noise."""
    started = time.perf_counter()
    for n in range(calls):
        with metrics.handling("console", update_id=n, chat="user-1", user="user-1"):
            pass
    with_hook = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(calls):
        pass
    bare = time.perf_counter() - started
    return {"us_per_message": round((with_hook - bare) / calls * 1e6, 2)}


async def scrape_cost(metrics: Metrics) -> dict[str, Any]:
    samples = Samples()
    size = 0
    for _ in range(SCRAPES):
        started = time.perf_counter()
        size = len(await metrics.render())
        samples.add(started)
    return {"scrape": samples.summary(), "bytes": size}


async def main() -> dict[str, Any]:
    scale = current_scale()
    warn_if_busy()
    async with bench_database(scale) as db:
        settings = bench_settings(db.url)
        people = await prepare_people()
        clock = bench_clock()
        plain = build_engine(settings, clock=clock)
        metrics = Metrics(clock=clock)
        metered_engine = build_engine(settings, clock=clock, metrics=metrics)
        metered_engine.finder = plain.finder  # one warmed name index for both sides
        await plain.finder.refresh()
        figures = await compare(
            plain, MeteredEdge(metered_engine, metrics), people, DIALOGS[scale.name]
        )
        scrape = await scrape_cost(metrics)
        handled = metrics.updates.labels("console", "ok")._value.get()
        hook = hook_cost(Metrics(clock=clock))
    per_message_us = figures["without"]["wall"] / max(1, figures["without"]["messages"]) * 1e6
    hook["share_of_a_message"] = round(hook["us_per_message"] / per_message_us, 4)
    bars = [
        Bar(
            "metrics cost on /visit dialogs per CPU second",
            figures["cpu_cost_median"] * 100,
            MAX_COST * 100,
            "%",
        ),
    ]
    print_table(
        f"/visit dialogs, 1 chat, with and without metrics ({scale.name} demo data)",
        ("", "dialogs", "failed", "wall s", "dialogs/s", "CPU s", "dialogs/CPU s"),
        [
            (
                name,
                side["dialogs"],
                side["failed"],
                round(side["wall"], 2),
                side["dialogs_per_second"],
                round(side["cpu"], 2),
                side["dialogs_per_cpu_second"],
            )
            for name, side in (("without", figures["without"]), ("with", figures["with"]))
        ],
    )
    p50 = scrape["scrape"]["p50_ms"]
    print(
        f"cost by CPU time: median of {ROUNDS} rounds {figures['cpu_cost_median'] * 100:.1f}%, "
        f"all runs together {figures['cpu_cost_overall'] * 100:.1f}%; "
        f"ratios {figures['cpu_round_ratios']}\n"
        f"cost by wall time: median {figures['wall_cost_median'] * 100:.1f}%, "
        f"together {figures['wall_cost_overall'] * 100:.1f}%; "
        f"ratios {figures['wall_round_ratios']}\n"
        f"the hook alone: {hook['us_per_message']} µs a message "
        f"({hook['share_of_a_message'] * 100:.1f}% of {per_message_us:.0f} µs)\n"
        f"one /metrics scrape p50 {p50} ms ({scrape['bytes']} bytes); "
        f"updates counted {handled:.0f}"
    )
    print_bars(bars)
    return {
        "visit_dialogs": figures,
        "metrics_scrape": scrape,
        "hook": hook,
        "updates_counted": handled,
        "bars": [bar.as_dict() for bar in bars],
        "all_bars_met": all(bar.met for bar in bars),
    }


if __name__ == "__main__":
    from benchmarks.__main__ import main as run_benchmarks

    sys.exit(run_benchmarks(["--only", "ops", *sys.argv[1:]]))
