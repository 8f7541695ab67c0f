"""The public pool on the demo data (100,000 customers, 1,000,000 visits, one in 40 already in
the pool):

- the nightly job with idle days A:90, B:60, C:30 on its first night, when every customer silent
  past its days goes at once (≤ 10 s), and on the night after (the usual trickle);
- `/pool` searches — a word of a name, an industry, a place, nothing (the newest page), and
  later pages — p95 ≤ 100 ms on the demo data's pool; the same searches are reported again
  once the first night has filled the pool far beyond it;
- the digest's warning query for every rep at once (reported, no bar of its own).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import timedelta
from typing import Any

from benchmarks.common import (
    BENCH_NOW,
    Bar,
    Samples,
    bench_database,
    current_scale,
    print_bars,
    print_table,
    warn_if_busy,
)
from bot.demo import INDUSTRIES
from bot.models import Customer, PoolMove, Role, User
from bot.services.discipline import pool

NIGHT_SECONDS = 10.0
SEARCH_P95_MS = 100.0
RULES = pool.PoolRules({"A": 90, "B": 60, "C": 30}, warning_days=7)


async def _words(rng: random.Random, count: int) -> list[str]:
    """What reps type after /pool: parts of pooled names, industries, nothing at all."""
    names = await Customer.filter(owner_id__isnull=True).limit(2000).values_list("name", flat=True)
    words: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.4 and names:
            name = rng.choice(names)
            start = rng.randrange(max(1, len(name) - 3))
            words.append(name[start : start + rng.choice((2, 3, 4))])
        elif roll < 0.7:
            words.append(rng.choice(INDUSTRIES))
        elif roll < 0.8:
            words.append("zzz-none")
        else:
            words.append("")
    return words


async def _searches(rng: random.Random, words: list[str]) -> tuple[Samples, Samples]:
    """Each word's first page, and for longer results one later page."""
    first, later = Samples(), Samples()
    for word in words:
        started = time.perf_counter()
        _, total = await pool.search(word, limit=8)
        first.add(started)
        if total > 8:
            offset = 8 * rng.randrange(1, min(total // 8, 50) + 1)
            started = time.perf_counter()
            await pool.search(word, offset=offset, limit=8)
            later.add(started)
    return first, later


async def main() -> dict[str, Any]:
    scale = current_scale()
    calls = 300 if scale.name == "full" else 60
    rng = random.Random(24)
    warn_if_busy()
    async with bench_database(scale) as bench:
        pooled_before = await Customer.filter(owner_id__isnull=True).count()
        words = await _words(rng, calls)
        samples, pages = await _searches(rng, words)
        reps = list(await User.filter(role=Role.REP).values_list("id", flat=True))
        started = time.perf_counter()
        warned = await pool.warnings(reps, RULES, now=BENCH_NOW)
        warn_seconds = time.perf_counter() - started

        started = time.perf_counter()
        first = await pool.return_idle(RULES, now=BENCH_NOW)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        second = await pool.return_idle(RULES, now=BENCH_NOW + timedelta(days=1))
        second_seconds = time.perf_counter() - started
        assert first is not None and second is not None
        pooled_after = await Customer.filter(owner_id__isnull=True).count()
        moves = await PoolMove.all().count()
        big, _ = await _searches(rng, words)
    search, later, after = samples.summary(), pages.summary(), big.summary()
    bars = [
        Bar("nightly pool job, first night", first_seconds, NIGHT_SECONDS, "s"),
        Bar("nightly pool job, next night", second_seconds, NIGHT_SECONDS, "s"),
        Bar("/pool search p95", search["p95_ms"], SEARCH_P95_MS, "ms"),
        Bar("/pool later page p95", later.get("p95_ms", 0.0), SEARCH_P95_MS, "ms"),
    ]
    print_table(
        "Public pool",
        ("measure", "count", "seconds / p50 ms", "p95 ms"),
        [
            ("first night: customers returned", len(first.moved), round(first_seconds, 2), ""),
            ("next night: customers returned", len(second.moved), round(second_seconds, 2), ""),
            (
                "digest warnings, all reps",
                sum(n for n, _ in warned.values()),
                round(warn_seconds, 2),
                "",
            ),
            ("/pool search", search["count"], search["p50_ms"], search["p95_ms"]),
            ("/pool later page", later.get("count", 0), later.get("p50_ms"), later.get("p95_ms")),
            (
                f"/pool search, {pooled_after:,} in the pool",
                after["count"],
                after["p50_ms"],
                after["p95_ms"],
            ),
        ],
    )
    print_bars(bars)
    return {
        "demo_data": bench.described(),
        "pooled_before": pooled_before,
        "pooled_after": pooled_after,
        "pool_moves": moves,
        "first_night": {"returned": len(first.moved), "seconds": round(first_seconds, 2)},
        "next_night": {"returned": len(second.moved), "seconds": round(second_seconds, 2)},
        "warnings_all_reps": {
            "customers": sum(n for n, _ in warned.values()),
            "seconds": round(warn_seconds, 2),
        },
        "search": search,
        "later_page": later,
        "search_after_first_night": after,
        "bars": [bar.as_dict() for bar in bars],
        "all_bars_met": all(bar.met for bar in bars),
    }


if __name__ == "__main__":
    from benchmarks.__main__ import main as run_benchmarks

    sys.exit(run_benchmarks(["--only", "pool", *sys.argv[1:]]))
