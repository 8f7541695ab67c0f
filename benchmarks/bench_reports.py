"""Issue 12's bars for reports, exports and the customer import, on the demo database.

- Each `/report` chart (funnel, visits per rep, receivables aging, pipeline) for the whole
  company and for one manager, through `Engine.handle` (query, drawing, PNG): p95 ≤ 1 s.
- `/export` of all customers ≤ 10 s; of all visits ≤ 60 s; peak memory, the sheet's worker
  process included, grows by ≤ 200 MB over both (rows stream in batches into a write-only
  workbook).
- A customer import of 10,000 rows, 20 % of them existing customers written differently:
  preview and apply ≤ 30 s together.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    DATA_DIR,
    Bar,
    Samples,
    bench_clock,
    bench_database,
    bench_settings,
    current_scale,
    print_bars,
    print_table,
)
from bot.app import build_engine
from bot.i18n import Translator
from bot.messages import Incoming
from bot.models import ChannelIdentity, Customer, Role, User
from bot.reports import workbook
from bot.services.data.exports import ExportKind
from bot.services.data.reports import ReportKind
from bot.services.records import customer_import
from bot.services.records.customer_import import RowStatus
from bot.services.records.customers import DuplicateFinder

CHART_P95_MS = 1000.0
EXPORT_CUSTOMERS_S = 10.0
EXPORT_VISITS_S = 60.0
EXPORT_MEMORY_MB = 200.0
IMPORT_S = 30.0
IMPORT_ROWS = 10_000
DUPLICATE_SHARE = 0.2
RUNS = {"full": 10, "quick": 5}
SYLLABLES = (
    "ka",
    "ro",
    "mi",
    "zen",
    "tu",
    "la",
    "vor",
    "pek",
    "sin",
    "dal",
    "qua",
    "ber",
    "fo",
    "nix",
    "tal",
    "gor",
    "wen",
    "lum",
    "sha",
    "rik",
    "ozo",
    "ven",
    "cal",
    "dri",
    "mo",
    "pex",
    "har",
    "tin",
    "gal",
)
HAN = (
    "安宝北滨昌辰楚春达德东丰福富港光广海汉航恒宏华辉汇吉佳嘉建江金锦京晶康凯坤蓝朗力"
    "立联良林凌隆龙茂美敏明南宁鹏平浦启千强青庆荣瑞润森山尚盛世顺泰天通同万旺威维伟文"
    "祥新鑫信星兴雄秀旭扬耀亿益银英永宇玉元远悦云泽展长正志中众洲卓"
)
TRADES = ("Trading", "Logistics", "Foods", "Machinery", "贸易", "物流", "科技", "电子")


def _rss_mb() -> float:
    """Resident memory of this process and its children now: an export writes its sheet in a
    worker process, whose memory counts too (Linux: /proc; elsewhere this process's peak)."""
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        pids = [os.getpid()]
        for task in Path("/proc/self/task").iterdir():
            pids += (task / "children").read_text().split()
        pages = 0
        for pid in pids:
            try:
                pages += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            except (OSError, IndexError):  # a child that just ended
                continue
        return pages * page / 2**20
    except (OSError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class PeakMemory:
    """The highest resident memory seen while it runs, sampled every 20 ms in a thread (the
    process's own peak counter cannot be reset, and charts drawn before raised it)."""

    def __init__(self) -> None:
        self.start = self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_mb())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())

    @property
    def growth(self) -> float:
        return self.peak - self.start


def import_table(rng: random.Random, existing: list[str]) -> list[list[str]]:
    """A customer spreadsheet: new names made of random syllables or characters (as varied
    as a real list), and existing customers' names written differently (case, legal form)."""
    header = ["名称", "电话", "地址", "行业", "等级", "负责人", "备注"]
    rows: list[list[str]] = []
    for n in range(IMPORT_ROWS):
        if rng.random() < DUPLICATE_SHARE:
            name = rng.choice(existing)
            name = name.upper() if name.isascii() else name.replace("有限公司", "") + " 有限公司"
        elif n % 2:
            words = " ".join(
                "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() for _ in range(2)
            )
            name = f"{words} {rng.choice(TRADES[:4])}"
        else:
            name = "".join(rng.choice(HAN) for _ in range(4)) + rng.choice(TRADES[4:])
        phone = f"139{rng.randrange(10**8):08d}" if rng.random() < 0.5 else ""
        rows.append([name, phone, "", "Retail", rng.choice("ABC"), "", ""])
    return [header, *rows]


async def main() -> dict[str, Any]:
    """Charts, exports and an import on a fresh copy of the demo database."""
    scale = current_scale()
    runs = RUNS.get(scale.name, 5)
    async with bench_database(scale) as bench:
        settings = bench_settings(bench.url)
        engine = build_engine(settings, clock=bench_clock())
        admin = await User.create(name="Bench Admin", role=Role.ADMIN)
        manager = await User.filter(role=Role.MANAGER).order_by("id").first()
        assert manager is not None
        for who in (admin, manager):
            await ChannelIdentity.create(channel="console", external_id=f"b{who.id}", user=who)

        charts: dict[str, Samples] = {}
        for kind in ReportKind:
            for who in (admin, manager):
                samples = charts.setdefault(f"{kind.value} ({who.role})", Samples())
                for n in range(runs + 1):
                    started = time.perf_counter()
                    replies = await engine.handle(
                        Incoming("console", f"b{who.id}", text=f"/report {kind.value}")
                    )
                    if n:  # the first draws fonts into matplotlib's cache
                        samples.add(started)
                    assert replies[-1].file is not None, replies[-1].text

        t = Translator.for_user("en", "Asia/Shanghai")
        workdir = Path(tempfile.mkdtemp(prefix="reports-", dir=DATA_DIR))
        try:
            exported: dict[str, tuple[float, int, int]] = {}
            with PeakMemory() as memory:
                for kind in (ExportKind.CUSTOMERS, ExportKind.VISITS):
                    path = workdir / f"{kind.value}.xlsx"
                    started = time.perf_counter()
                    count = await workbook.export(admin, kind, path, t, currency="CNY")
                    exported[kind.value] = (
                        time.perf_counter() - started,
                        count,
                        path.stat().st_size,
                    )
            growth = memory.growth
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

        rng = random.Random(12)
        sample_ids = rng.sample(range(1, await Customer.all().count() + 1), 3000)
        existing = await Customer.filter(id__in=sample_ids).values_list("name", flat=True)
        table = import_table(rng, list(existing))
        finder = DuplicateFinder()
        await finder.refresh()  # a running bot holds the index already
        started = time.perf_counter()
        preview = await customer_import.preview(admin, table, finder)
        previewed = time.perf_counter() - started
        result = await customer_import.apply(
            admin, table, finder, file_name="bench.xlsx", previewed=preview
        )
        import_seconds = time.perf_counter() - started
        counts = {status.value: result.count(status) for status in RowStatus}
        assert preview.count(RowStatus.NEW) == result.created

    chart_rows = [
        (name, s.summary()["count"], s.summary()["p50_ms"], s.summary()["p95_ms"])
        for name, s in charts.items()
    ]
    print_table(
        f"Charts ({bench.demo.counts.get('customers', 0):,} customers, "
        f"{bench.demo.counts.get('visits', 0):,} visits, "
        f"{bench.demo.counts.get('deals', 0):,} deals)",
        ("chart", "runs", "p50 ms", "p95 ms"),
        chart_rows,
    )
    print_table(
        "Exports and import",
        ("what", "seconds", "rows"),
        [
            ("export customers", round(exported["customers"][0], 2), exported["customers"][1]),
            ("export visits", round(exported["visits"][0], 2), exported["visits"][1]),
            ("import preview", round(previewed, 2), IMPORT_ROWS),
            ("import preview + apply", round(import_seconds, 2), IMPORT_ROWS),
        ],
    )
    print(f"import: {counts}; peak memory growth over the exports: {growth:.0f} MB")
    worst = max(s.summary()["p95_ms"] for s in charts.values())
    bars = [
        Bar("slowest chart p95", worst, CHART_P95_MS, "ms"),
        Bar("export all customers", exported["customers"][0], EXPORT_CUSTOMERS_S, "s"),
        Bar("export all visits", exported["visits"][0], EXPORT_VISITS_S, "s"),
        Bar("export peak memory growth", growth, EXPORT_MEMORY_MB, "MB"),
        Bar("import 10,000 rows (preview + apply)", import_seconds, IMPORT_S, "s"),
    ]
    print_bars(bars)
    return {
        "data": bench.demo.counts,
        "charts": {name: s.summary() for name, s in charts.items()},
        "exports": {
            k: {"seconds": round(v[0], 3), "rows": v[1], "bytes": v[2]} for k, v in exported.items()
        },
        "export_memory_growth_mb": round(growth, 1),
        "import": {
            "rows": IMPORT_ROWS,
            "preview_seconds": round(previewed, 3),
            "total_seconds": round(import_seconds, 3),
            "statuses": counts,
        },
        "bars": [bar.as_dict() for bar in bars],
    }


if __name__ == "__main__":
    # `python -m benchmarks.bench_reports [--quick]` is the runner limited to this module.
    from benchmarks.__main__ import main as run_benchmarks

    sys.exit(run_benchmarks(["--only", "reports", *sys.argv[1:]]))
