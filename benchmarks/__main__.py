"""Run every `benchmarks/bench_*.py` and summarize its bars: `python -m benchmarks [--quick]`.

Each module runs in its own process: Tortoise keeps its connections in global state, and one
module's memory (a 100,000-name index, a warmed cache) must not colour the next one's figures.
A module exposes `main()` (async or not) returning a JSON-able dict; an optional `"bars"` list
of `Bar.as_dict()` entries is what the summary reports as met or missed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import benchmarks
from benchmarks.common import (
    FULL,
    QUICK,
    REPO,
    RESULTS_DIR,
    SCALE_ENV,
    current_scale,
    demo_database,
    environment,
    print_table,
    result_name,
    write_results,
)


def discover() -> list[str]:
    """Every `bench_*` module of the package, found by name so new ones need no registration."""
    return sorted(
        f"benchmarks.{info.name}"
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_")
    )


def run_child(module_name: str) -> int:
    """Inside the child process: run one module's `main()` and write its result file."""
    scale = current_scale()
    module = importlib.import_module(module_name)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    measured_on = environment()  # before the run, so the load average is other work's
    started = time.perf_counter()
    outcome = module.main()
    if inspect.isawaitable(outcome):
        outcome = asyncio.run(_awaited(outcome))
    payload = {
        "benchmark": module_name,
        "scale": asdict(scale),
        "started_at": started_at,
        "seconds": round(time.perf_counter() - started, 2),
        "environment": measured_on,
        "results": outcome if isinstance(outcome, dict) else {"value": outcome},
    }
    path = write_results(result_name(module_name, scale), payload)
    print(f"\nResults: {path.relative_to(REPO)}", flush=True)
    return 0


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _selected(modules: list[str], only: Sequence[str]) -> list[str]:
    if not only:
        return modules
    wanted = {name.removeprefix("benchmarks.").removeprefix("bench_") for name in only}
    chosen = [m for m in modules if m.rsplit(".", 1)[-1].removeprefix("bench_") in wanted]
    missing = wanted - {m.rsplit(".", 1)[-1].removeprefix("bench_") for m in chosen}
    if missing:
        raise SystemExit(f"no benchmark module for: {', '.join(sorted(missing))}")
    return chosen


def run_all(args: argparse.Namespace) -> int:
    scale = QUICK if args.quick else FULL
    modules = _selected(discover(), args.only)
    env = os.environ | {SCALE_ENV: scale.name}
    os.environ[SCALE_ENV] = scale.name
    # Build (or find) the shared demo database here, once, so its generation time is reported
    # on its own and not inside the first module's figures.
    demo = asyncio.run(demo_database(scale, rebuild=args.rebuild_data))
    how = "cached" if demo.cached else "generated now"
    print(
        f"Demo data ({scale.name}): {demo.path.relative_to(REPO)}, {how}; generation took "
        f"{demo.generate_seconds:.1f} s (+{demo.migrate_seconds:.1f} s schema) on "
        f"{demo.generated_at}.",
        flush=True,
    )
    summary: list[dict[str, Any]] = []
    for module in modules:
        name = result_name(module, scale)
        result_path = RESULTS_DIR / f"{name}.json"
        result_path.unlink(missing_ok=True)
        print(f"\n=== {module} ({scale.name}) ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call(
            [sys.executable, "-m", "benchmarks", "--child", module], cwd=REPO, env=env
        )
        seconds = time.perf_counter() - started
        bars: list[dict[str, Any]] = []
        if code == 0 and result_path.exists():
            results = json.loads(result_path.read_text()).get("results", {})
            bars = [b for b in results.get("bars", []) if isinstance(b, dict)]
        summary.append(
            {
                "module": module,
                "exit_code": code,
                "seconds": round(seconds, 1),
                "result_file": str(result_path.relative_to(REPO)) if code == 0 else None,
                "bars": bars,
            }
        )
    return _report(scale.name, demo.as_dict(), summary, strict=args.strict)


def _report(
    scale: str, demo: dict[str, Any], summary: list[dict[str, Any]], *, strict: bool
) -> int:
    rows = []
    for entry in summary:
        if entry["exit_code"] != 0:
            rows.append((entry["module"], "-", f"FAILED (exit {entry['exit_code']})", ""))
            continue
        if not entry["bars"]:
            rows.append((entry["module"], "-", "ran (no bars)", f"{entry['seconds']:.1f} s"))
        for bar in entry["bars"]:
            rows.append(
                (
                    entry["module"],
                    bar["name"],
                    f"{bar['value']:,.1f} {bar['unit']} {bar['comparison']} {bar['limit']:g}",
                    "met" if bar["met"] else "MISSED",
                )
            )
    print_table(f"Summary ({scale})", ("module", "bar", "measured", ""), rows)
    failed = [e["module"] for e in summary if e["exit_code"] != 0]
    missed = [b["name"] for e in summary for b in e["bars"] if not b["met"]]
    path = write_results(
        "summary" if scale == FULL.name else f"summary-{scale}",
        {
            "scale": scale,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "environment": environment(),
            "demo_data": demo,
            "modules": summary,
            "all_bars_met": not missed and not failed,
        },
    )
    print(f"\nSummary: {path.relative_to(REPO)}", flush=True)
    if failed:
        print(f"Failed modules: {', '.join(failed)}", file=sys.stderr)
        return 1
    if missed:
        print(f"Missed bars: {', '.join(missed)}", file=sys.stderr)
        return 1 if strict else 0
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smoke run on 10,000 customers / 100,000 visits"
    )
    parser.add_argument(
        "--only", nargs="+", default=[], metavar="NAME", help="run only these modules (e.g. core)"
    )
    parser.add_argument(
        "--rebuild-data", action="store_true", help="regenerate the cached demo database"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a bar is missed"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run_child(args.child)
    return run_all(args)


if __name__ == "__main__":
    sys.exit(main())
