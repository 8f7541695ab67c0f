"""Issue 5's bars for receivables, on 50,000 customers and 200,000 invoices (with payments).

- The company-wide aging report (`receivables.aging` for finance): p95 ≤ 300 ms on SQLite, and
  within 1.5× of one hand-written SQL aggregate of the same numbers measured in the same run.
- A rep's `/receivables` through `Engine.handle` (the whole message: lock, state, report,
  rendering): p95 ≤ 50 ms.
- Also reported: the full company `/receivables` report (aging + largest overdue + over limit).

The data set is generated straight into SQLite (executemany) once and cached next to the demo
database; every run measures a fresh copy.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.common import (
    BENCH_NOW,
    DATA_DIR,
    Bar,
    Samples,
    bench_settings,
    current_scale,
    print_bars,
    print_table,
    sqlite_url,
)
from bot.app import build_engine
from bot.db import close_db, migrate, open_db
from bot.messages import Incoming
from bot.models import ChannelIdentity, Role, User
from bot.services.finance import receivables

BENCH_BACKENDS = ("sqlite",)  # its data set is written straight into a SQLite file

AGING_P95_MS = 300.0
RATIO_LIMIT = 1.5
REP_P95_MS = 50.0
TODAY = date(2026, 11, 18)  # BENCH_NOW in Shanghai
SIZES = {"full": (50_000, 200_000, 200, 60), "quick": (5_000, 20_000, 50, 30)}
VERSION = 2


def _now_text() -> str:
    return BENCH_NOW.isoformat(sep=" ")


def generate(path: Path, customers: int, invoices: int, reps: int, seed: int = 5) -> dict:
    """Users, customers, invoices (≈45 % paid, 15 % part-paid) and their payments, via sqlite3."""
    rng = random.Random(seed)
    now = _now_text()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    managers = max(1, reps // 10)
    users = [(1, "Admin", "admin", None), (2, "Fin", "finance", None)]
    users += [(3 + m, f"Manager {m}", "manager", None) for m in range(managers)]
    first_rep = 3 + managers
    users += [(first_rep + r, f"Rep {r}", "rep", 3 + r % managers) for r in range(reps)]
    db.executemany(
        "INSERT INTO users (id, name, role, locale, timezone, active, created_at, manager_id) "
        "VALUES (?, ?, ?, 'en', 'Asia/Shanghai', 1, ?, ?)",
        [(uid, name, role, now, boss) for uid, name, role, boss in users],
    )
    db.executemany(
        "INSERT INTO customers (id, name, normalized_name, phone, address, industry, tier, status,"
        " credit_limit, notes, last_contact_at, created_at, updated_at, owner_id) VALUES "
        "(?, ?, ?, NULL, '', '', '', 'active', ?, '', NULL, ?, ?, ?)",
        [
            (
                cid,
                f"Customer {cid}",
                f"customer {cid}",
                str(rng.choice((0, 0, 50_000, 200_000, 1_000_000))),
                now,
                now,
                first_rep + cid % reps,
            )
            for cid in range(1, customers + 1)
        ],
    )
    invoice_rows, payment_rows, allocation_rows = [], [], []
    for iid in range(1, invoices + 1):
        amount = (Decimal(rng.randrange(1_000, 500_000)) / 10).quantize(Decimal("0.01"))
        due = TODAY + timedelta(days=rng.randint(-400, 60))
        roll = rng.random()
        paid = (
            amount if roll < 0.45 else (amount / 2).quantize(Decimal("0.01")) if roll < 0.6 else 0
        )
        status = "paid" if paid == amount else "open"
        currency = "USD" if iid % 20 == 0 else "CNY"
        cid = rng.randint(1, customers)
        invoice_rows.append(
            (
                iid,
                f"INV-{iid:07d}",
                str(amount),
                str(Decimal(paid).quantize(Decimal("0.01"))),
                currency,
                (due - timedelta(days=30)).isoformat(),
                due.isoformat(),
                status,
                now,
                now,
                cid,
            )
        )
        if paid:
            payment_rows.append(
                (
                    len(payment_rows) + 1,
                    str(paid),
                    currency,
                    due.isoformat(),
                    "bank",
                    "",
                    now,
                    cid,
                    2,
                )
            )
            allocation_rows.append((len(allocation_rows) + 1, str(paid), iid, len(payment_rows)))
    db.executemany(
        "INSERT INTO invoices (id, number, amount, paid_amount, currency, issue_date, due_date,"
        " status, created_at, updated_at, customer_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        invoice_rows,
    )
    db.executemany(
        "INSERT INTO payments (id, amount, currency, paid_on, method, reference, created_at,"
        " customer_id, recorded_by_id) VALUES (?,?,?,?,?,?,?,?,?)",
        payment_rows,
    )
    db.executemany(
        "INSERT INTO payment_allocations (id, amount, invoice_id, payment_id) VALUES (?,?,?,?)",
        allocation_rows,
    )
    db.commit()
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {
        "users": len(users),
        "customers": customers,
        "invoices": invoices,
        "payments": len(payment_rows),
        "first_rep": first_rep,
    }


async def dataset(scale_name: str) -> tuple[Path, dict]:
    """The cached money data set for this scale (generated when missing or outdated)."""
    customers, invoices, reps, _ = SIZES[scale_name]
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"money-{scale_name}.sqlite3"
    meta_path = path.with_suffix(".json")
    key = {"version": VERSION, "customers": customers, "invoices": invoices, "reps": reps}
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == key:
            return path, meta
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    await migrate(sqlite_url(path))
    counts = await asyncio.to_thread(generate, path, customers, invoices, reps)
    meta = {"key": key, "counts": counts, "generate_seconds": time.perf_counter() - started}
    meta_path.write_text(json.dumps(meta))
    return path, meta


HAND_SQL = """
SELECT currency,
  SUM(CASE WHEN due_date = '{t}' THEN amount - paid_amount ELSE 0 END),
  SUM(CASE WHEN due_date > '{t}' AND due_date <= '{w}' THEN amount - paid_amount ELSE 0 END),
  SUM(CASE WHEN due_date > '{w}' THEN amount - paid_amount ELSE 0 END),
  SUM(CASE WHEN due_date < '{t}' AND due_date >= '{d30}' THEN amount - paid_amount ELSE 0 END),
  SUM(CASE WHEN due_date < '{d30}' AND due_date >= '{d60}' THEN amount - paid_amount ELSE 0 END),
  SUM(CASE WHEN due_date < '{d60}' AND due_date >= '{d90}' THEN amount - paid_amount ELSE 0 END),
  SUM(CASE WHEN due_date < '{d90}' AND due_date >= '{d180}' THEN amount - paid_amount ELSE 0 END),
  SUM(CASE WHEN due_date < '{d180}' THEN amount - paid_amount ELSE 0 END)
FROM invoices NOT INDEXED WHERE status = 'open' GROUP BY currency ORDER BY currency
"""


async def main() -> dict[str, Any]:
    """Measure on a fresh copy of the money data set; returns the figures and the bars."""
    from tortoise import connections

    scale = current_scale()
    runs = SIZES[scale.name][3]
    source, meta = await dataset(scale.name)
    workdir = Path(tempfile.mkdtemp(prefix="money-", dir=DATA_DIR))
    copy = workdir / "crm.sqlite3"
    shutil.copyfile(source, copy)
    url = sqlite_url(copy)
    await open_db(url)
    try:
        admin = await User.get(id=1)
        edges = {k: v.isoformat() for k, v in receivables.bucket_edges(TODAY).items()}
        hand = HAND_SQL.format(
            t=edges["today"],
            w=edges["week"],
            d30=edges["d30"],
            d60=edges["d60"],
            d90=edges["d90"],
            d180=edges["d180"],
        )
        conn = connections.get("default")
        aging_s, hand_s, report_s = Samples(), Samples(), Samples()
        await receivables.aging(admin, today=TODAY)  # warm the page cache once for both
        await conn.execute_query(hand)
        for _ in range(runs):  # interleaved, so both see the same cache and machine state
            started = time.perf_counter()
            rows = await receivables.aging(admin, today=TODAY)
            aging_s.add(started)
            started = time.perf_counter()
            _, raw = await conn.execute_query(hand)
            hand_s.add(started)
        for _ in range(max(5, runs // 3)):
            started = time.perf_counter()
            await receivables.report(admin, today=TODAY, currency="CNY")
            report_s.add(started)
        cny = next(r for r in rows if r.currency == "CNY")
        raw_cny = next(r for r in raw if r[0] == "CNY")
        same = all(
            abs(Decimal(str(raw_cny[i + 1])) - cny.buckets[name]) < Decimal("1")
            for i, name in enumerate(receivables.BUCKETS)
        )
        rep_s = Samples()
        settings = bench_settings(url)
        engine = build_engine(settings, clock=lambda: BENCH_NOW)
        rep_ids = list(range(meta["counts"]["first_rep"], meta["counts"]["first_rep"] + 40))
        for uid in rep_ids:
            await ChannelIdentity.get_or_create(
                channel="console", external_id=f"bench-{uid}", defaults={"user_id": uid}
            )
        for round_ in range(3):
            for uid in rep_ids:
                started = time.perf_counter()
                replies = await engine.handle(
                    Incoming("console", f"bench-{uid}", text="/receivables")
                )
                if round_:
                    rep_s.add(started)
                assert replies and "Receivables" in replies[0].text
        rep_user = await User.get(id=rep_ids[0])
        assert rep_user.role == Role.REP
    finally:
        await close_db()
        shutil.rmtree(workdir, ignore_errors=True)
    aging, hand_sum = aging_s.summary(), hand_s.summary()
    ratio = aging["p95_ms"] / hand_sum["p95_ms"]
    print_table(
        f"Receivables ({meta['counts']['customers']:,} customers, "
        f"{meta['counts']['invoices']:,} invoices, {meta['counts']['payments']:,} payments)",
        ("measurement", "runs", "p50 ms", "p95 ms"),
        [
            ("company aging (service)", aging["count"], aging["p50_ms"], aging["p95_ms"]),
            ("company aging (hand SQL)", hand_sum["count"], hand_sum["p50_ms"], hand_sum["p95_ms"]),
            (
                "company /receivables report",
                report_s.summary()["count"],
                report_s.summary()["p50_ms"],
                report_s.summary()["p95_ms"],
            ),
            (
                "rep /receivables message",
                rep_s.summary()["count"],
                rep_s.summary()["p50_ms"],
                rep_s.summary()["p95_ms"],
            ),
        ],
    )
    bars = [
        Bar("company aging p95", aging["p95_ms"], AGING_P95_MS, "ms"),
        Bar("aging p95 / hand SQL p95", ratio, RATIO_LIMIT, "×"),
        Bar("rep /receivables p95", rep_s.summary()["p95_ms"], REP_P95_MS, "ms"),
    ]
    print_bars(bars)
    print(f"service and hand-written SQL agree on every bucket: {same}")
    return {
        "data": meta,
        "aging_service": aging,
        "aging_hand_sql": hand_sum,
        "ratio_p95": round(ratio, 3),
        "same_numbers": same,
        "company_report": report_s.summary(),
        "rep_receivables_message": rep_s.summary(),
        "bars": [bar.as_dict() for bar in bars],
    }


if __name__ == "__main__":
    # `python -m benchmarks.bench_money [--quick]` is the runner limited to this module.
    from benchmarks.__main__ import main as run_benchmarks

    sys.exit(run_benchmarks(["--only", "money", *sys.argv[1:]]))
