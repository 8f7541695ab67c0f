"""The follow-up ladder's cost where it runs: every manager's evening summary with the team's
follow-ups overdue past the manager step (one set-based query for all reps of all managers),
and the at-risk lookup the customers export does per batch of 5,000 customers.

On the demo data set scaled to 1,000 reps (100,000 customers, 1,000,000 visits), built and
cached like the other benchmarks. Bars: every summary built within 5 s (as the digests), one
export batch's at-risk lookup within 100 ms.

Run: `python -m benchmarks --only ladder [--quick]`.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from typing import Any

from benchmarks.common import (
    BENCH_NOW,
    Bar,
    Scale,
    bench_database,
    print_bars,
    print_table,
    reps1000_scale,
)

SUMMARY_SECONDS = 5.0
BATCH_MS = 100.0


async def measure(data: Scale) -> dict[str, Any]:
    from bot.models import Customer, Role, User
    from bot.services.discipline import ladder
    from bot.services.notify import digests

    async with bench_database(data) as db:
        managers = await User.filter(role=Role.MANAGER, active=True).values_list("id", "timezone")
        recipients = [
            digests.Recipient(uid, tz, BENCH_NOW.astimezone(digests.zone(tz)).date())
            for uid, tz in managers
        ]
        started = time.perf_counter()
        built = await digests.build_summaries(recipients, now=BENCH_NOW)
        summary_seconds = time.perf_counter() - started
        listed = [s.ladder for s in built.values() if s.ladder]
        ids = list(await Customer.all().order_by("id").limit(5000).values_list("id", flat=True))
        tz = digests.zone("Asia/Shanghai")
        before = ladder.overdue_since(BENCH_NOW.astimezone(tz).date(), tz, 4)
        started = time.perf_counter()
        risky = await ladder.at_risk(ids, before=before)
        batch_ms = (time.perf_counter() - started) * 1000
        return {
            "managers": len(recipients),
            "summary_seconds": round(summary_seconds, 3),
            "managers_with_overdue": len(listed),
            "overdue_listed_total": sum(int(item["total"]) for item in listed),
            "batch_customers": len(ids),
            "batch_at_risk": len(risky),
            "batch_ms": round(batch_ms, 1),
            "data": db.demo.as_dict(),
        }


async def main() -> dict[str, Any]:
    data = reps1000_scale()
    print(f"Ladder on {data.reps} reps, {data.customers:,} customers, {data.visits:,} visits")
    result = await measure(data)
    print_table(
        "Follow-up ladder",
        ("managers", "summaries s", "with overdue", "overdue", "batch at risk", "batch ms"),
        [
            (
                result["managers"],
                result["summary_seconds"],
                result["managers_with_overdue"],
                result["overdue_listed_total"],
                result["batch_at_risk"],
                result["batch_ms"],
            )
        ],
    )
    bars = [
        Bar("every summary with the ladder", result["summary_seconds"], SUMMARY_SECONDS, "s"),
        Bar("at-risk lookup per export batch", result["batch_ms"], BATCH_MS, "ms"),
    ]
    print_bars(bars)
    return {"scale": asdict(data), "ladder": result, "bars": [bar.as_dict() for bar in bars]}


if __name__ == "__main__":
    from benchmarks.__main__ import main as run_benchmarks

    sys.exit(run_benchmarks(["--only", "ladder", *sys.argv[1:]]))
