"""Targets on the demo data set scaled to 1,000 reps (100,000 customers, 1,000,000 visits),
every rep and every manager's team with this month's targets for won, collected and visits:

a) 1,000 morning digests with their attainment lines, built set-based (bar: at most 5 s in
   total, attainment included), and the attainment part alone;
b) the leaderboard chart of `/report`: the month's figures of the reps in scope and the PNG
   (bar: at most 1 s), for a manager (a team of ten) and for an admin (all 1,000 reps);
c) the managers' evening summaries with each team's attainment, for the record.

Run: `python -m benchmarks --only targets` (writes benchmarks/results/targets.json), or
`python -m benchmarks.bench_targets [--quick]` (the quick run uses 10,000 customers).
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from benchmarks.common import (
    BENCH_NOW,
    Bar,
    bench_database,
    print_bars,
    print_table,
    reps1000_scale,
    warn_if_busy,
)

DIGEST_SECONDS = 5.0
CHART_SECONDS = 1.0
RUNS = 3


async def main() -> dict[str, Any]:
    from bot.dialogs.attainment import draw_board
    from bot.i18n import Translator
    from bot.models import Role, User
    from bot.services.discipline import targets
    from bot.services.notify import digests

    data = reps1000_scale()
    warn_if_busy()
    print(f"Targets on {data.reps} reps, {data.customers:,} customers, {data.visits:,} visits")
    async with bench_database(data) as db:
        reps = await User.filter(role=Role.REP, active=True).values_list("id", "timezone")
        recipients = [
            digests.Recipient(uid, tz, BENCH_NOW.astimezone(digests.zone(tz)).date())
            for uid, tz in reps
        ]
        build, attain = [], []
        built: dict[int, digests.Digest] = {}
        for _ in range(RUNS):
            started = time.perf_counter()
            built = await digests.build_digests(recipients, now=BENCH_NOW, dormant_days=30)
            build.append(time.perf_counter() - started)
            started = time.perf_counter()
            await targets.rep_attainment(recipients)
            attain.append(time.perf_counter() - started)
        with_lines = sum(1 for d in built.values() if d.targets)

        managers = await User.filter(role=Role.MANAGER, active=True).values_list("id", "timezone")
        bosses = [
            digests.Recipient(uid, tz, BENCH_NOW.astimezone(digests.zone(tz)).date())
            for uid, tz in managers
        ]
        started = time.perf_counter()
        summaries = await digests.build_summaries(bosses, now=BENCH_NOW)
        summary_seconds = time.perf_counter() - started

        t = Translator.for_user("zh", "Asia/Shanghai", now=BENCH_NOW)
        chart: dict[str, list[float]] = {}
        sizes: dict[str, int] = {}
        manager = await User.filter(role=Role.MANAGER).order_by("id").first()
        admin = User(name="admin", role=Role.ADMIN)
        for label, actor in (("manager", manager), ("admin", admin)):
            assert actor is not None
            chart[label] = []
            for _ in range(RUNS + 2):
                started = time.perf_counter()
                board = await targets.leaderboard(
                    actor, now=BENCH_NOW, tz=t.timezone, currency="CNY"
                )
                png, _ = await draw_board(t, board)
                chart[label].append(time.perf_counter() - started)
                sizes[label] = board.total
            assert png[:4] == b"\x89PNG"

    digest_s = statistics.median(build)
    bars = [
        Bar(f"{len(recipients)} digests with attainment", digest_s, DIGEST_SECONDS, "s"),
        Bar(
            f"leaderboard, manager ({sizes['manager']} reps)",
            max(chart["manager"]),
            CHART_SECONDS,
            "s",
        ),
        Bar(f"leaderboard, admin ({sizes['admin']} reps)", max(chart["admin"]), CHART_SECONDS, "s"),
    ]
    print_table(
        "Targets",
        ("measure", "median s", "max s"),
        [
            ("digests (all reps)", round(digest_s, 3), round(max(build), 3)),
            ("attainment part", round(statistics.median(attain), 3), round(max(attain), 3)),
            ("summaries (all managers)", round(summary_seconds, 3), round(summary_seconds, 3)),
            (
                "leaderboard, manager",
                round(statistics.median(chart["manager"]), 3),
                round(max(chart["manager"]), 3),
            ),
            (
                "leaderboard, admin",
                round(statistics.median(chart["admin"]), 3),
                round(max(chart["admin"]), 3),
            ),
        ],
    )
    print_bars(bars)
    return {
        "reps": len(recipients),
        "digests_with_attainment": with_lines,
        "digest_build_seconds": [round(s, 3) for s in build],
        "attainment_seconds": [round(s, 3) for s in attain],
        "summaries": len(summaries),
        "summaries_with_targets": sum(1 for s in summaries.values() if s.targets),
        "summary_seconds": round(summary_seconds, 3),
        "leaderboard_seconds": {k: [round(s, 3) for s in v] for k, v in chart.items()},
        "leaderboard_reps": sizes,
        "data": db.demo.as_dict(),
        "bars": [bar.as_dict() for bar in bars],
        "all_bars_met": all(bar.met for bar in bars),
    }


if __name__ == "__main__":
    from benchmarks.__main__ import main as run_benchmarks

    sys.exit(run_benchmarks(["--only", "targets", *sys.argv[1:]]))
