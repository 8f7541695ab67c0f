"""Near me and check-in on the demo data set with a place for every customer.

Every one of the 100,000 customers gets a place inside a 60 × 60 km square around Shanghai
(one set-based UPDATE). Then, from random points in that square:

- near me for a rep (their ~500 customers) and for a manager of 50 reps (p95 ≤ 100 ms): the
  bounding box on the (latitude, longitude) index, exact distances, the due follow-ups;
- a check-in measured against the customer's known place (p95 ≤ 100 ms).
"""

from __future__ import annotations

import random
import sys
import time
from typing import Any

from benchmarks.common import (
    Bar,
    Samples,
    bench_database,
    current_scale,
    print_bars,
    print_table,
    warn_if_busy,
)
from bot import db as database
from bot.models import Customer, Role, User
from bot.services.records import places

NEAR_P95_MS = 100.0
CHECKIN_P95_MS = 100.0
RADIUS_M = 5000.0
CENTRE = (31.2304, 121.4737)
HALF_SIDE_DEGREES = 0.27  # about 30 km


def _point(rng: random.Random) -> tuple[float, float]:
    return (
        CENTRE[0] + rng.uniform(-HALF_SIDE_DEGREES, HALF_SIDE_DEGREES),
        CENTRE[1] + rng.uniform(-HALF_SIDE_DEGREES, HALF_SIDE_DEGREES),
    )


async def give_places() -> float:
    """A pseudo-random place for every customer, in one statement; the seconds it took."""
    started = time.perf_counter()
    spread = 2 * HALF_SIDE_DEGREES
    if database.dialect() == "sqlite":
        fraction = "((abs(random()) % 1000000) / 1000000.0)"
    else:
        fraction = "random()"
    await database.execute(
        f"UPDATE customers SET latitude = {CENTRE[0] - HALF_SIDE_DEGREES} + {spread} * {fraction}, "
        f"longitude = {CENTRE[1] - HALF_SIDE_DEGREES} + {spread} * {fraction}"
    )
    return time.perf_counter() - started


async def main() -> dict[str, Any]:
    scale = current_scale()
    calls = 200 if scale.name == "full" else 40
    rng = random.Random(5)
    warn_if_busy()
    async with bench_database(scale) as bench:
        setup_seconds = await give_places()
        reps = list(await User.filter(role=Role.REP).values_list("id", flat=True))
        manager = await User.filter(role=Role.MANAGER).first()
        team = await User.filter(manager_id=manager.id).count() if manager else 0
        rep_samples, manager_samples, checkin_samples = Samples(), Samples(), Samples()
        found = 0
        for _ in range(calls):
            rep = await User.get(id=rng.choice(reps))
            started = time.perf_counter()
            found += len(await places.near(rep, *_point(rng), radius_m=RADIUS_M))
            rep_samples.add(started)
        if manager is not None:
            for _ in range(calls):
                started = time.perf_counter()
                await places.near(manager, *_point(rng), radius_m=RADIUS_M)
                manager_samples.add(started)
        customer_ids = list(await Customer.all().limit(5000).values_list("id", flat=True))
        for _ in range(calls):
            started = time.perf_counter()
            await places.check_in(rng.choice(customer_ids), *_point(rng), radius_m=500)
            checkin_samples.add(started)
    rep, boss, checkin = (
        rep_samples.summary(),
        manager_samples.summary(),
        checkin_samples.summary(),
    )
    bars = [
        Bar("near me p95, a rep", rep["p95_ms"], NEAR_P95_MS, "ms"),
        Bar(f"near me p95, manager of {team}", boss.get("p95_ms", 0.0), NEAR_P95_MS, "ms"),
        Bar("check-in p95", checkin["p95_ms"], CHECKIN_P95_MS, "ms"),
    ]
    print_table(
        "Near me and check-in",
        ("measure", "count", "p50 ms", "p95 ms"),
        [
            ("near me, rep", rep["count"], rep["p50_ms"], rep["p95_ms"]),
            ("near me, manager", boss.get("count", 0), boss.get("p50_ms"), boss.get("p95_ms")),
            ("check-in", checkin["count"], checkin["p50_ms"], checkin["p95_ms"]),
        ],
    )
    print_bars(bars)
    return {
        "demo_data": bench.described(),
        "places_setup_seconds": round(setup_seconds, 2),
        "customers_found_per_rep_call": round(found / calls, 1),
        "near_me_rep": rep,
        "near_me_manager": boss,
        "check_in": checkin,
        "bars": [bar.as_dict() for bar in bars],
        "all_bars_met": all(bar.met for bar in bars),
    }


if __name__ == "__main__":
    from benchmarks.__main__ import main as run_benchmarks

    sys.exit(run_benchmarks(["--only", "places", *sys.argv[1:]]))
