"""What every benchmark shares: the demo database, timing, percentiles, bars and result files.

Every module runs on SQLite and on PostgreSQL (`CRM_BENCH_BACKEND` tells a module's process
which). The demo database (200 reps, 100,000 customers, 1,000,000 visits) takes minutes to
generate, so it is built once and reused while `bot/demo.py` and the requested sizes stay the
same: on SQLite a file in `benchmarks/.data/`, on PostgreSQL a template database loaded with
COPY (`<name>_demo_<scale>` next to `CRM_BENCH_DATABASE_URL`'s database). Benchmarks write
(visits, dialog states, audit rows), so each run works on a fresh copy (a file copy, or
`CREATE DATABASE … TEMPLATE`): figures from two runs are then measured on the same data.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
DATA_DIR = ROOT / ".data"
RESULTS_DIR = ROOT / "results"
SCALE_ENV = "CRM_BENCH_SCALE"
BACKEND_ENV = "CRM_BENCH_BACKEND"
URL_ENV = "CRM_BENCH_DATABASE_URL"
SQLITE = "sqlite"
POSTGRES = "postgres"
BACKENDS = (SQLITE, POSTGRES)
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/crmbot_bench"
# The data set's "now": a Wednesday morning in Shanghai. Generating and measuring against a fixed
# instant keeps due follow-ups (and so the figures) the same whatever day the benchmark runs.
BENCH_NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Scale:
    """How big the demo data set is; `quick` is a smoke run, `full` is Issue 2's bar."""

    name: str
    reps: int
    customers: int
    visits: int
    seed: int = 1

    @property
    def quick(self) -> bool:
        return self.name != "full"


FULL = Scale("full", reps=200, customers=100_000, visits=1_000_000)
QUICK = Scale("quick", reps=200, customers=10_000, visits=100_000)
SCALES = {scale.name: scale for scale in (FULL, QUICK)}


def current_scale() -> Scale:
    """The scale the runner chose (passed to child processes in the environment)."""
    name = os.environ.get(SCALE_ENV, FULL.name)
    if name not in SCALES:
        raise SystemExit(f"{SCALE_ENV}={name!r}: expected one of {sorted(SCALES)}")
    return SCALES[name]


def reps1000_scale() -> Scale:
    """The 1,000-rep data set the digest, outbox, ladder and targets benchmarks share (one
    cached file), at the runner's size."""
    if current_scale().quick:
        return Scale("reps1000-quick", reps=1000, customers=10_000, visits=100_000)
    return Scale("reps1000", reps=1000, customers=100_000, visits=1_000_000)


def sqlite_url(path: Path) -> str:
    return f"sqlite://{path}"


def current_backend() -> str:
    """The database this process measures on (the runner sets it per run; SQLite alone)."""
    backend = os.environ.get(BACKEND_ENV, SQLITE)
    if backend not in BACKENDS:
        raise SystemExit(f"{BACKEND_ENV}={backend!r}: expected one of {list(BACKENDS)}")
    return backend


def postgres_url() -> str:
    """The PostgreSQL benchmarks use: `CRM_BENCH_DATABASE_URL`, else a local `crmbot_bench`."""
    return os.environ.get(URL_ENV, DEFAULT_POSTGRES_URL)


def _pg_parts(url: str) -> tuple[str, str]:
    """(the server's DSN without a database, the database's name)."""
    dsn = url.replace("postgres://", "postgresql://", 1).split("?", 1)[0]
    server, _, name = dsn.rpartition("/")
    return server, name


def _pg_url(url: str, database: str) -> str:
    server, _ = _pg_parts(url)
    return f"{server.replace('postgresql://', 'postgres://', 1)}/{database}"


async def _pg_admin(url: str) -> Any:
    """A connection to the server's `postgres` database, for creating and dropping databases."""
    import asyncpg

    server, _ = _pg_parts(url)
    return await asyncpg.connect(f"{server}/postgres", timeout=5)


async def postgres_unreachable(url: str) -> str | None:
    """Why PostgreSQL at `url` cannot be benchmarked on, or None when it answers."""
    try:
        conn = await _pg_admin(url)
    except Exception as failed:  # any failure means: skip, saying why
        return f"{type(failed).__name__}: {failed}"
    await conn.close()
    return None


# --- the demo database ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoData:
    """The cached demo database and how it was made (reported with every result)."""

    path: Path
    scale: Scale
    counts: dict[str, int]
    generate_seconds: float
    migrate_seconds: float
    generated_at: str
    cached: bool
    database: str = ""  # PostgreSQL: the template database; `path` is then its metadata file
    size_mb: float | None = None

    @property
    def where(self) -> str:
        return self.database or str(self.path.relative_to(REPO))

    def as_dict(self) -> dict[str, Any]:
        size = self.size_mb if self.database else self.path.stat().st_size / 2**20
        return {
            "backend": POSTGRES if self.database else SQLITE,
            "path": self.where,
            "scale": asdict(self.scale),
            "counts": self.counts,
            "generate_seconds": round(self.generate_seconds, 2),
            "migrate_seconds": round(self.migrate_seconds, 2),
            "generated_at": self.generated_at,
            "cached": self.cached,
            "size_mb": round(size or 0.0, 1),
        }


def demo_path(scale: Scale) -> Path:
    name = "demo.sqlite3" if scale.name == FULL.name else f"demo-{scale.name}.sqlite3"
    return DATA_DIR / name


def _fingerprint(scale: Scale) -> str:
    """Changes whenever the cached file would differ: the generator's code, sizes, seed, now."""
    digest = hashlib.sha256((REPO / "bot" / "demo.py").read_bytes())
    digest.update(json.dumps([asdict(scale), BENCH_NOW.isoformat()]).encode())
    return digest.hexdigest()


async def demo_database(scale: Scale, *, rebuild: bool = False, backend: str = SQLITE) -> DemoData:
    """The demo database for `scale`, generated now if missing or made by other code/sizes."""
    if backend == POSTGRES:
        return await demo_postgres(scale, postgres_url(), rebuild=rebuild)
    path = demo_path(scale)
    meta_path = path.with_suffix(".json")
    fingerprint = _fingerprint(scale)
    if not rebuild and path.exists():
        meta = _read_meta(meta_path)
        if meta.get("fingerprint") == fingerprint:
            return _demo_from_meta(path, scale, meta, cached=True)
    return await _build(scale, path, meta_path, fingerprint)


def _demo_from_meta(path: Path, scale: Scale, meta: dict[str, Any], *, cached: bool) -> DemoData:
    """The demo data as its metadata file describes it (PostgreSQL's also names the database)."""
    return DemoData(
        path,
        scale,
        meta["counts"],
        meta["generate_seconds"],
        meta["migrate_seconds"],
        meta["generated_at"],
        cached=cached,
        database=meta.get("database", ""),
        size_mb=meta.get("size_mb"),
    )


async def _generate(scale: Scale, url: str, into: str) -> dict[str, Any]:
    """Migrate the empty database at `url` and fill it with the demo data of `scale`: the
    metadata's counts and timings (`into` says where, for the line printed first)."""
    from bot.db import close_db, migrate, open_db
    from bot.demo import generate

    print(
        f"Generating the {scale.name} demo database ({scale.reps} reps, {scale.customers:,} "
        f"customers, {scale.visits:,} visits) into {into}; it is kept.",
        flush=True,
    )
    started = time.perf_counter()
    await migrate(url)
    migrate_seconds = time.perf_counter() - started
    await open_db(url, apply_migrations=False)
    try:
        started = time.perf_counter()
        counts = await generate(
            reps=scale.reps,
            customers=scale.customers,
            visits=scale.visits,
            seed=scale.seed,
            now=BENCH_NOW,
        )
        generate_seconds = time.perf_counter() - started
    finally:
        await close_db()
    print(f"Generated in {generate_seconds:.1f} s (schema {migrate_seconds:.1f} s).", flush=True)
    return {
        "counts": counts,
        "generate_seconds": generate_seconds,
        "migrate_seconds": migrate_seconds,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


async def _build(scale: Scale, path: Path, meta_path: Path, fingerprint: str) -> DemoData:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    building = path.with_name(path.name + ".building")
    _remove_sqlite(building)
    made = await _generate(scale, sqlite_url(building), str(path.relative_to(REPO)))
    _make_self_contained(building)
    _remove_sqlite(path)
    os.replace(building, path)
    meta = {"fingerprint": fingerprint, **made}
    _write_meta(meta_path, meta)
    return _demo_from_meta(path, scale, meta, cached=False)


async def demo_postgres(scale: Scale, url: str, *, rebuild: bool = False) -> DemoData:
    """The PostgreSQL template database for `scale`, loaded with COPY if missing or stale."""
    _, base = _pg_parts(url)
    template = f"{base}_demo_{scale.name}"
    meta_path = DATA_DIR / f"demo-{scale.name}.postgres.json"
    fingerprint = _fingerprint(scale)
    meta = _read_meta(meta_path)
    admin = await _pg_admin(url)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", template)
    finally:
        await admin.close()
    fresh = meta.get("fingerprint") == fingerprint and meta.get("database") == template
    if not rebuild and exists and fresh:
        return _demo_from_meta(meta_path, scale, meta, cached=True)
    return await _build_postgres(scale, url, template, meta_path, fingerprint)


async def _build_postgres(
    scale: Scale, url: str, template: str, meta_path: Path, fingerprint: str
) -> DemoData:
    building = f"{template}_building"
    admin = await _pg_admin(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{building}"')
    finally:
        await admin.close()
    into = f"PostgreSQL database {template} with COPY"
    made = await _generate(scale, _pg_url(url, building), into)
    import asyncpg

    server, _ = _pg_parts(url)
    conn = await asyncpg.connect(f"{server}/{building}")
    try:
        await conn.execute("VACUUM ANALYZE")  # fresh statistics, as a live database has
        size = await conn.fetchval("SELECT pg_database_size(current_database())")
    finally:
        await conn.close()
    admin = await _pg_admin(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        await admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
    finally:
        await admin.close()
    meta = {
        "fingerprint": fingerprint,
        "database": template,
        **made,
        "size_mb": round(size / 2**20, 1),
    }
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _write_meta(meta_path, meta)
    return _demo_from_meta(meta_path, scale, meta, cached=False)


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return {}


def _write_meta(path: Path, meta: dict[str, Any]) -> None:
    path.write_text(json.dumps(meta, indent=2) + "\n")


def _make_self_contained(path: Path) -> None:
    """Fold the WAL into the main file, so copying one file copies the whole database."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class BenchDatabase:
    """A private copy of the demo database, open through Tortoise for one benchmark run."""

    url: str
    demo: DemoData
    copy_seconds: float

    def described(self) -> dict[str, Any]:
        """The demo data set and how long copying it took, as results report them."""
        return self.demo.as_dict() | {"copy_seconds": round(self.copy_seconds, 2)}


def bench_settings(url: str, **extra: Any) -> Settings:
    """The product's settings for a benchmark: this database, English, Shanghai time, `extra`."""
    from bot.config import Settings

    return Settings(CRM_DATABASE_URL=url, CRM_LOCALE="en", CRM_TIMEZONE="Asia/Shanghai", **extra)


@asynccontextmanager
async def bench_database(scale: Scale) -> AsyncIterator[BenchDatabase]:
    """Open a fresh copy of the demo database (on the same disk, not tmpfs, like production),
    on the database this process measures on."""
    if current_backend() == POSTGRES:
        async with _postgres_copy(scale) as db:
            yield db
        return
    from bot.db import close_db, open_db

    demo = await demo_database(scale)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=DATA_DIR))
    try:
        copy = workdir / "crm.sqlite3"
        started = time.perf_counter()
        shutil.copyfile(demo.path, copy)
        copy_seconds = time.perf_counter() - started
        url = sqlite_url(copy)
        await open_db(url)
        try:
            yield BenchDatabase(url, demo, copy_seconds)
        finally:
            await close_db()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@asynccontextmanager
async def _postgres_copy(scale: Scale) -> AsyncIterator[BenchDatabase]:
    """A database of this run's own, made from the demo template, dropped afterwards."""
    from bot.db import close_db, open_db

    url = postgres_url()
    demo = await demo_postgres(scale, url)
    _, base = _pg_parts(url)
    run = f"{base}_run_{os.getpid()}"
    admin = await _pg_admin(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{run}" WITH (FORCE)')
        started = time.perf_counter()
        await admin.execute(f'CREATE DATABASE "{run}" TEMPLATE "{demo.database}"')
        copy_seconds = time.perf_counter() - started
    finally:
        await admin.close()
    try:
        run_url = _pg_url(url, run)
        await open_db(run_url)
        try:
            yield BenchDatabase(run_url, demo, copy_seconds)
        finally:
            await close_db()
    finally:
        admin = await _pg_admin(url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{run}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def scratch_database(name: str) -> AsyncIterator[str]:
    """An empty, migrated database of this run's backend, open through Tortoise and removed
    afterwards: a temporary SQLite file, or a PostgreSQL database of its own."""
    from bot.db import close_db, open_db

    if current_backend() != POSTGRES:
        with tempfile.TemporaryDirectory(prefix=f"crm-{name}-") as tmp:
            url = sqlite_url(Path(tmp) / f"{name}.sqlite3")
            await open_db(url)
            try:
                yield url
            finally:
                await close_db()
        return
    url = postgres_url()
    _, base = _pg_parts(url)
    database = f"{base}_{name}_{os.getpid()}"
    admin = await _pg_admin(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    try:
        scratch = _pg_url(url, database)
        await open_db(scratch)
        try:
            yield scratch
        finally:
            await close_db()
    finally:
        admin = await _pg_admin(url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await admin.close()


def bench_clock(start: datetime = BENCH_NOW) -> Callable[[], datetime]:
    """The data set's 'now', moving forward at real speed (dialogs expire, visits get times)."""
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


# --- timing and statistics ------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), interpolated between closest ranks like numpy's default.

    Interpolation keeps a p95 over a few hundred samples stable from run to run, where
    nearest-rank would jump between two neighbouring samples.
    """
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize_ms(seconds: Sequence[float]) -> dict[str, float | int]:
    """Count, mean and the percentiles that matter for a chat (p95: what one in 20 waits)."""

    def ms(value: float) -> float:
        return round(value * 1000, 3)

    if not seconds:
        return {"count": 0}
    return {
        "count": len(seconds),
        "mean_ms": ms(sum(seconds) / len(seconds)),
        "p50_ms": ms(percentile(seconds, 50)),
        "p95_ms": ms(percentile(seconds, 95)),
        "p99_ms": ms(percentile(seconds, 99)),
        "max_ms": ms(max(seconds)),
    }


@dataclass(slots=True)
class Samples:
    """Durations in seconds, collected with `time.perf_counter` around the measured call."""

    seconds: list[float] = field(default_factory=list)

    def add(self, started: float) -> float:
        elapsed = time.perf_counter() - started
        self.seconds.append(elapsed)
        return elapsed

    def summary(self) -> dict[str, float | int]:
        return summarize_ms(self.seconds)


# --- bars -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    """One acceptance bar: a measured value against its limit (at most, or at least)."""

    name: str
    value: float
    limit: float
    unit: str
    at_least: bool = False

    @property
    def met(self) -> bool:
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": round(self.value, 3),
            "limit": self.limit,
            "unit": self.unit,
            "comparison": ">=" if self.at_least else "<=",
            "met": self.met,
        }


def print_bars(bars: Iterable[Bar]) -> None:
    rows = [
        (
            bar.name,
            f"{bar.value:,.1f} {bar.unit}",
            f"{'≥' if bar.at_least else '≤'} {bar.limit:g} {bar.unit}",
            "met" if bar.met else "MISSED",
        )
        for bar in bars
    ]
    print_table("Bars", ("bar", "measured", "required", ""), rows)


# --- output ---------------------------------------------------------------------------------


def print_table(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A plain aligned table: numbers right, text left; readable in a terminal and in CI logs."""
    body = [[_cell(value) for value in row] for row in rows]
    widths = [len(name) for name in header]
    for row in body:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    numeric = [
        all(_looks_numeric(row[i]) for row in body) if body else False for i in range(len(header))
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(w) if num else cell.ljust(w)
            for cell, w, num in zip(cells, widths, numeric, strict=True)
        ).rstrip()

    print(f"\n{title}")
    print(line(list(header)))
    print("  ".join("-" * w for w in widths))
    for row in body:
        print(line(row))
    sys.stdout.flush()


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _looks_numeric(cell: str) -> bool:
    return cell.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()


def environment() -> dict[str, Any]:
    """Where the figures were measured; a figure without its machine is not comparable."""

    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        # Other work on the machine slows every figure; a busy machine shows here.
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "sqlite": sqlite3.sqlite_version,
        "tortoise_orm": version("tortoise-orm"),
        "aiosqlite": version("aiosqlite"),
        "rapidfuzz": version("rapidfuzz"),
        "git": _git_revision(),
    }


def warn_if_busy() -> None:
    """Say so when other processes compete for the CPUs: the figures are then pessimistic."""
    load = os.getloadavg()[0]
    cpus = os.cpu_count() or 1
    if load > 0.5 * cpus:
        print(
            f"Note: load average {load:.2f} on {cpus} CPUs; other work competes with this "
            "benchmark, so its figures are pessimistic.",
            flush=True,
        )


def _git_revision() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}-dirty" if dirty else head


def result_name(module: str, scale: Scale, backend: str = SQLITE) -> str:
    """`bench_core` at full scale writes `core.json`; quick runs write `core-quick.json`;
    PostgreSQL's runs add `-postgres`."""
    name = module.rsplit(".", 1)[-1].removeprefix("bench_")
    name = name if not scale.quick else f"{name}-{scale.name}"
    return name if backend == SQLITE else f"{name}-{backend}"


def write_results(name: str, payload: dict[str, Any]) -> Path:
    """Write `benchmarks/results/<name>.json` (the directory is gitignored)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    return path
