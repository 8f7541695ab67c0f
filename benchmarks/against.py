"""Benchmarks of the working tree and of a given commit, taking turns in one run.

`python -m benchmarks --against COMMIT [--rounds N] [--profile] --only core telegram` checks the
commit out with `git worktree add` into a temporary folder outside the repository, gives it a
demo database of its own (kept in `benchmarks/.data/against-<commit>/`, as the code that made it
may differ), then runs each module in both trees, alternately, round after round (the order
swapped every round, so a machine getting busier or quieter weighs on both alike). A busy
machine moves wall-clock figures, so each run also reports the CPU seconds its process used.
With `--profile` every run is under cProfile: its top entries are printed and the stats kept in
`benchmarks/results/`.
"""

from __future__ import annotations

import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import DATA_DIR, REPO, RESULTS_DIR, SCALE_ENV, Scale, print_table

WORKING = "working tree"
PROFILE_TOP = 25


@dataclass(slots=True)
class Run:
    """One module's run in one tree: its bars, CPU seconds and wall seconds."""

    tree: str
    module: str
    round: int
    exit_code: int
    cpu_seconds: float
    wall_seconds: float
    bars: list[dict[str, Any]] = field(default_factory=list)
    profile: Path | None = None


@dataclass(frozen=True, slots=True)
class Tree:
    """A checkout the benchmarks run in, and its name in the tables."""

    label: str
    path: Path


def _git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def checkout(commit: str) -> tuple[Tree, Path]:
    """A detached worktree of `commit` in a temporary folder, with its own cached demo data."""
    sha = _git("rev-parse", "--verify", f"{commit}^{{commit}}")
    folder = Path(tempfile.mkdtemp(prefix=f"crmbot-{sha[:7]}-"))
    path = folder / "tree"
    _git("worktree", "add", "--detach", str(path), sha)
    data = DATA_DIR / f"against-{sha[:12]}"
    data.mkdir(parents=True, exist_ok=True)
    target = path / "benchmarks" / ".data"
    if target.exists():
        shutil.rmtree(target)
    target.symlink_to(data, target_is_directory=True)
    return Tree(sha[:7], path), folder


def remove(folder: Path) -> None:
    """Take the temporary worktree away again (its demo data stays cached)."""
    tree = folder / "tree"
    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=False)
    shutil.rmtree(folder, ignore_errors=True)


def _env(tree: Tree, scale: Scale) -> dict[str, str]:
    return os.environ | {SCALE_ENV: scale.name, "PYTHONPATH": str(tree.path)}


def prepare(tree: Tree, scale: Scale) -> None:
    """Build (or find) the tree's demo database before any timing starts."""
    code = (
        "import asyncio; from benchmarks.common import SCALES, demo_database; "
        f"asyncio.run(demo_database(SCALES[{scale.name!r}]))"
    )
    subprocess.run([sys.executable, "-c", code], cwd=tree.path, env=_env(tree, scale), check=True)


def run_one(tree: Tree, module: str, scale: Scale, round_: int, *, profile: bool) -> Run:
    """Run one module in its own process in `tree`; CPU seconds from the child's rusage."""
    name = module.rsplit(".", 1)[-1].removeprefix("bench_")
    result_name = name if not scale.quick else f"{name}-{scale.name}"
    result_path = tree.path / "benchmarks" / "results" / f"{result_name}.json"
    result_path.unlink(missing_ok=True)
    command = [sys.executable, "-m", "benchmarks", "--child", module]
    stats: Path | None = None
    if profile:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        label = "working" if tree.label == WORKING else tree.label
        stats = RESULTS_DIR / f"profile-{name}-{label}-r{round_}.pstats"
        command = [sys.executable, "-m", "cProfile", "-o", str(stats), *command[1:]]
    print(f"\n=== {module} in {tree.label}, round {round_} ===", flush=True)
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=tree.path, env=_env(tree, scale))
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    bars: list[dict[str, Any]] = []
    if child.returncode == 0 and result_path.exists():
        results = json.loads(result_path.read_text()).get("results", {})
        bars = [b for b in results.get("bars", []) if isinstance(b, dict)]
    cpu = usage.ru_utime + usage.ru_stime
    return Run(tree.label, module, round_, child.returncode, cpu, wall, bars, stats)


def compare(
    commit: str, modules: list[str], scale: Scale, *, rounds: int, profile: bool
) -> list[Run]:
    """Every module in both trees, alternately, `rounds` times; the tables at the end."""
    other, folder = checkout(commit)
    working = Tree(WORKING, REPO)
    try:
        for tree in (working, other):
            prepare(tree, scale)
        runs: list[Run] = []
        for round_ in range(1, rounds + 1):
            order = (working, other) if round_ % 2 else (other, working)
            for module in modules:
                for tree in order:
                    runs.append(run_one(tree, module, scale, round_, profile=profile))
    finally:
        remove(folder)
    report(runs, other.label)
    if profile:
        print_profiles(runs)
    return runs


def _bar_value(run: Run, name: str) -> float | None:
    for bar in run.bars:
        if bar["name"] == name:
            return float(bar["value"])
    return None


def _best(values: list[float], at_least: bool) -> float:
    return max(values) if at_least else min(values)


def report(runs: list[Run], other: str) -> None:
    """Per bar: each round in each tree, the best of each, and the change from the commit."""
    rows: list[tuple[object, ...]] = []
    modules = list(dict.fromkeys(run.module for run in runs))
    for module in modules:  # a failed run's figures say nothing: left out
        mine = [r for r in runs if r.module == module and r.tree == WORKING and not r.exit_code]
        theirs = [r for r in runs if r.module == module and r.tree == other and not r.exit_code]
        names = list(dict.fromkeys(b["name"] for r in mine + theirs for b in r.bars))
        at_least = {b["name"]: b["comparison"] == ">=" for r in mine + theirs for b in r.bars}
        for name in names:
            ours = [v for r in mine if (v := _bar_value(r, name)) is not None]
            base = [v for r in theirs if (v := _bar_value(r, name)) is not None]
            if not ours or not base:
                continue
            best_ours, best_base = _best(ours, at_least[name]), _best(base, at_least[name])
            change = (best_ours - best_base) / best_base * 100 if best_base else 0.0
            rows.append(
                (
                    module.rsplit(".", 1)[-1],
                    name,
                    " / ".join(f"{v:,.1f}" for v in base),
                    " / ".join(f"{v:,.1f}" for v in ours),
                    f"{change:+.1f}%",
                )
            )
        cpu_ours = [r.cpu_seconds for r in mine]
        cpu_base = [r.cpu_seconds for r in theirs]
        if cpu_ours and cpu_base:
            rows.append(
                (
                    module.rsplit(".", 1)[-1],
                    "process CPU seconds (whole run)",
                    " / ".join(f"{v:,.1f}" for v in cpu_base),
                    " / ".join(f"{v:,.1f}" for v in cpu_ours),
                    f"{(min(cpu_ours) - min(cpu_base)) / min(cpu_base) * 100:+.1f}%",
                )
            )
    header = ("module", "bar", f"{other} (each round)", "working tree", "best vs best")
    print_table(f"Working tree against {other}, taking turns", header, rows)
    failed = [f"{r.module} in {r.tree}" for r in runs if r.exit_code != 0]
    if failed:
        print(f"Failed runs: {', '.join(failed)}", file=sys.stderr)
    print(f"Load average at the end: {os.getloadavg()}", flush=True)


def print_profiles(runs: list[Run]) -> None:
    """The top entries by own time of each tree's last profiled run of each module."""
    last: dict[tuple[str, str], Run] = {}
    for run in runs:
        if run.profile is not None and run.profile.exists():
            last[(run.module, run.tree)] = run
    for (module, tree), run in last.items():
        print(f"\n--- profile: {module} in {tree} (round {run.round}), top by own time ---")
        assert run.profile is not None
        pstats.Stats(str(run.profile)).sort_stats("tottime").print_stats(PROFILE_TOP)
    sys.stdout.flush()
