"""Run every `benchmarks/bench_*.py` and summarize its bars: `python -m benchmarks [--quick]`.

`--against COMMIT` runs the chosen modules in the working tree and in that commit, taking turns
(`benchmarks/against.py`), to tell what a change did to the figures on one machine in one run.

Each module runs in its own process: Tortoise keeps its connections in global state, and one
module's memory (a 100,000-name index, a warmed cache) must not colour the next one's figures.
A module exposes `main()` (async or not) returning a JSON-able dict; an optional `"bars"` list
of `Bar.as_dict()` entries is what the summary reports as met or missed.

Each module runs once per database, SQLite and PostgreSQL (`CRM_BENCH_DATABASE_URL`, default a
local `crmbot_bench`; when none answers, one line says so and only SQLite runs), and the summary
shows the two side by side, each bar judged on each. A module that measures one database only
says which in a module-level `BENCH_BACKENDS` tuple.
"""

from __future__ import annotations

import argparse
import ast
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
    BACKEND_ENV,
    BACKENDS,
    FULL,
    POSTGRES,
    QUICK,
    REPO,
    RESULTS_DIR,
    SCALE_ENV,
    Scale,
    current_backend,
    current_scale,
    demo_database,
    environment,
    postgres_unreachable,
    postgres_url,
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
    payload["backend"] = current_backend()
    path = write_results(result_name(module_name, scale, current_backend()), payload)
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


def backends_of(module: str) -> tuple[str, ...]:
    """The databases a module measures on: its `BENCH_BACKENDS`, read from the source without
    importing it (the runner stays light), else both."""
    path = REPO / (module.replace(".", "/") + ".py")
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "BENCH_BACKENDS"
            for target in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    return BACKENDS


def available_backends(wanted: Sequence[str]) -> list[str]:
    """The wanted databases that answer; a PostgreSQL that does not is skipped with one line."""
    chosen = list(dict.fromkeys(wanted))
    if POSTGRES in chosen:
        url = postgres_url()
        reason = asyncio.run(postgres_unreachable(url))
        if reason is not None:
            print(f"PostgreSQL at {url} does not answer ({reason}): its runs are skipped.")
            chosen.remove(POSTGRES)
    return chosen


def run_all(args: argparse.Namespace) -> int:
    scale = QUICK if args.quick else FULL
    modules = _selected(discover(), args.only)
    backends = available_backends(args.backends)
    os.environ[SCALE_ENV] = scale.name
    demos: dict[str, dict[str, Any]] = {}
    for backend in backends:
        if not any(backend in backends_of(module) for module in modules):
            continue
        # Build (or find) the shared demo database here, once, so its generation time is
        # reported on its own and not inside the first module's figures.
        demo = asyncio.run(demo_database(scale, rebuild=args.rebuild_data, backend=backend))
        how = "cached" if demo.cached else "generated now"
        print(
            f"Demo data ({scale.name}, {backend}): {demo.where}, {how}; generation took "
            f"{demo.generate_seconds:.1f} s (+{demo.migrate_seconds:.1f} s schema) on "
            f"{demo.generated_at}.",
            flush=True,
        )
        demos[backend] = demo.as_dict()
    summary: list[dict[str, Any]] = []
    for module in modules:
        for backend in backends_of(module):
            if backend not in backends:
                summary.append({"module": module, "backend": backend, "skipped": True})
                continue
            summary.append(run_module(module, scale, backend))
    return _report(scale.name, demos, summary, backends, strict=args.strict)


def run_module(module: str, scale: Scale, backend: str) -> dict[str, Any]:
    """One module on one database, in a process of its own; its bars from its result file."""
    name = result_name(module, scale, backend)
    result_path = RESULTS_DIR / f"{name}.json"
    result_path.unlink(missing_ok=True)
    print(f"\n=== {module} ({scale.name}, {backend}) ===", flush=True)
    env = os.environ | {SCALE_ENV: scale.name, BACKEND_ENV: backend}
    started = time.perf_counter()
    code = subprocess.call(
        [sys.executable, "-m", "benchmarks", "--child", module], cwd=REPO, env=env
    )
    seconds = time.perf_counter() - started
    bars: list[dict[str, Any]] = []
    if code == 0 and result_path.exists():
        results = json.loads(result_path.read_text()).get("results", {})
        bars = [b for b in results.get("bars", []) if isinstance(b, dict)]
    return {
        "module": module,
        "backend": backend,
        "exit_code": code,
        "seconds": round(seconds, 1),
        "result_file": str(result_path.relative_to(REPO)) if code == 0 else None,
        "bars": bars,
    }


def _measured(bar: dict[str, Any]) -> str:
    verdict = "met" if bar["met"] else "MISSED"
    return f"{bar['value']:,.1f} {bar['unit']} {bar['comparison']} {bar['limit']:g}: {verdict}"


def _report(
    scale: str,
    demos: dict[str, dict[str, Any]],
    summary: list[dict[str, Any]],
    backends: Sequence[str],
    *,
    strict: bool,
) -> int:
    columns = list(BACKENDS)
    rows = []
    for module in dict.fromkeys(entry["module"] for entry in summary):
        entries = {e["backend"]: e for e in summary if e["module"] == module}
        names = list(dict.fromkeys(b["name"] for e in entries.values() for b in e.get("bars", [])))
        if not names:
            cells = []
            for backend in columns:
                entry = entries.get(backend)
                if entry is None:
                    cells.append("—")
                elif entry.get("skipped"):
                    cells.append("skipped (no database)")
                elif entry["exit_code"] != 0:
                    cells.append(f"FAILED (exit {entry['exit_code']})")
                else:
                    cells.append(f"ran (no bars), {entry['seconds']:.1f} s")
            rows.append((module, "-", *cells))
            continue
        for name in names:
            cells = []
            for backend in columns:
                entry = entries.get(backend)
                bar = next((b for b in (entry or {}).get("bars", []) if b["name"] == name), None)
                if entry is None:
                    cells.append("—")
                elif entry.get("skipped"):
                    cells.append("skipped (no database)")
                elif entry["exit_code"] != 0:
                    cells.append(f"FAILED (exit {entry['exit_code']})")
                else:
                    cells.append(_measured(bar) if bar else "—")
            rows.append((module, name, *cells))
    print_table(f"Summary ({scale})", ("module", "bar", *columns), rows)
    ran = [e for e in summary if not e.get("skipped")]
    failed = [f"{e['module']} ({e['backend']})" for e in ran if e["exit_code"] != 0]
    missed = [f"{b['name']} ({e['backend']})" for e in ran for b in e["bars"] if not b["met"]]
    path = write_results(
        "summary" if scale == FULL.name else f"summary-{scale}",
        {
            "scale": scale,
            "backends": list(backends),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "environment": environment(),
            "demo_data": demos,
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
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=BACKENDS,
        default=list(BACKENDS),
        help="the databases to measure on (default: both)",
    )
    parser.add_argument(
        "--against",
        metavar="COMMIT",
        help="also run the modules at COMMIT, taking turns with the working tree, and compare",
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="with --against: turns each tree takes (default 2)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="with --against: run under cProfile, print tops"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run_child(args.child)
    if args.against:
        return run_against(args)
    return run_all(args)


def run_against(args: argparse.Namespace) -> int:
    """The working tree against a commit, module by module, alternately (see `against.py`)."""
    from benchmarks import against

    scale = QUICK if args.quick else FULL
    runs = against.compare(
        args.against,
        _selected(discover(), args.only),
        scale,
        rounds=max(1, args.rounds),
        profile=args.profile,
    )
    return 1 if any(run.exit_code for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
