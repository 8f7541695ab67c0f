"""Issue 13's bars: the customer card with its last visits, and merging a big duplicate.

- A rep opens a customer's card (the whole message through `Engine.handle`: lock, state, the
  card with owner, money, contacts and the last three visits): p95 ≤ 100 ms.
- A manager merges a duplicate with 200 visits, 5 deals and 20 invoices (each with a payment)
  into another customer of the team (`customer_changes.merge`, one transaction): ≤ 1 s, worst
  of the runs.
- Also reported: one History page of a customer with a long timeline, and /team for an admin.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from benchmarks.common import (
    BENCH_NOW,
    Bar,
    Samples,
    bench_clock,
    bench_database,
    bench_settings,
    current_scale,
    print_bars,
    print_table,
    warn_if_busy,
)
from bot.app import build_engine
from bot.buttons import Action, pack
from bot.messages import Incoming
from bot.models import (
    ChannelIdentity,
    Customer,
    Deal,
    DealStageChange,
    Invoice,
    Payment,
    Role,
    Stage,
    User,
    Visit,
)
from bot.services.people.users import CONSOLE_CHANNEL
from bot.services.records import customer_changes, timeline
from bot.services.records.customers import CustomerDraft, create_customer

CARD_P95_MS = 100.0
MERGE_MS = 1000.0
CARDS = {"full": 300, "quick": 150}
MERGES = {"full": 5, "quick": 5}
VISITS, DEALS, INVOICES = 200, 5, 20


def chat_id(user_id: int) -> str:
    return f"bench-team-{user_id}"


async def _rep_customers(rng: random.Random, count: int) -> list[tuple[int, int]]:
    """(owner, customer) pairs of customers with visits, spread over the reps."""
    ids = await Visit.all().order_by("-id").limit(count * 20).values_list("customer_id", flat=True)
    chosen = rng.sample(sorted(set(ids)), min(count, len(set(ids))))
    owners = dict(await Customer.filter(id__in=chosen).values_list("id", "owner_id"))
    return [(owners[cid], cid) for cid in chosen if cid in owners]


async def bench_card(engine: Any, pairs: list[tuple[int, int]]) -> dict[str, Any]:
    """Open each card as its owner would, by tapping it (a:cust:<id>)."""
    owners = sorted({owner for owner, _ in pairs})
    known = set(
        await ChannelIdentity.filter(channel=CONSOLE_CHANNEL, user_id__in=owners).values_list(
            "user_id", flat=True
        )
    )
    await ChannelIdentity.bulk_create(
        [
            ChannelIdentity(channel=CONSOLE_CHANNEL, external_id=chat_id(uid), user_id=uid)
            for uid in owners
            if uid not in known
        ]
    )
    identities = dict(
        await ChannelIdentity.filter(channel=CONSOLE_CHANNEL, user_id__in=owners).values_list(
            "user_id", "external_id"
        )
    )
    samples, shown_visits = Samples(), 0
    for owner, customer_id in pairs[:10]:  # warm the caches as a running bot has them
        await engine.handle(
            Incoming(
                CONSOLE_CHANNEL, identities[owner], button=pack(Action("cust", str(customer_id)))
            )
        )
    for owner, customer_id in pairs:
        started = time.perf_counter()
        replies = await engine.handle(
            Incoming(
                CONSOLE_CHANNEL, identities[owner], button=pack(Action("cust", str(customer_id)))
            )
        )
        samples.add(started)
        shown_visits += replies[-1].text.count("🗓")
    return samples.summary() | {"visits_shown_per_card": round(shown_visits / len(pairs), 2)}


async def _big_duplicate(owner_id: int, n: int) -> int:
    """A customer with VISITS visits, DEALS deals (with stage moves), INVOICES invoices each
    with a payment, written in bulk."""
    customer = await Customer.create(
        name=f"Bench Duplicate {n}",
        normalized_name=f"bench duplicate {n}",
        owner_id=owner_id,
        phone=f"+86139000{n:05d}",
    )
    await Visit.bulk_create(
        [
            Visit(
                customer_id=customer.id,
                user_id=owner_id,
                at=BENCH_NOW - timedelta(days=i),
                notes=f"bench visit {i}",
                next_followup_at=BENCH_NOW + timedelta(days=3) if i < 3 else None,
                followup_owner_id=owner_id if i < 3 else None,
            )
            for i in range(VISITS)
        ]
    )
    for i in range(DEALS):
        deal = await Deal.create(
            customer_id=customer.id, owner_id=owner_id, title=f"Deal {i}", amount=Decimal(10_000)
        )
        await DealStageChange.create(deal=deal, user_id=owner_id, to_stage=Stage.LEAD, at=BENCH_NOW)
    await Invoice.bulk_create(
        [
            Invoice(
                number=f"BENCH-{n}-{i}",
                customer_id=customer.id,
                amount=Decimal(1_000),
                issue_date=date(2026, 10, 1),
                due_date=date(2026, 11, 1),
            )
            for i in range(INVOICES)
        ]
    )
    await Payment.bulk_create(
        [
            Payment(customer_id=customer.id, amount=Decimal(100), paid_on=date(2026, 10, 15))
            for _ in range(INVOICES)
        ]
    )
    return customer.id


async def bench_merge(rng: random.Random, runs: int) -> dict[str, Any]:
    """Merge freshly made big duplicates into a customer of the same team, as its manager."""
    manager = await User.filter(role=Role.MANAGER, active=True).order_by("id").first()
    if manager is None:
        raise SystemExit("the demo data has no manager")
    rep_ids = list(
        await User.filter(manager_id=manager.id, role=Role.REP).values_list("id", flat=True)
    )
    samples, moved = Samples(), []
    for n in range(runs):
        owner = rng.choice(rep_ids)
        source = await _big_duplicate(owner, n)
        target = await create_customer(await User.get(id=owner), CustomerDraft(f"Bench Keeper {n}"))
        started = time.perf_counter()
        plan = await customer_changes.merge(manager, source, target.id)
        samples.add(started)
        moved.append(plan.counts)
        left = await Visit.filter(customer_id=source).count()
        if left or await Visit.filter(customer_id=target.id).count() != VISITS:
            raise SystemExit("the merge left visits behind")
    return samples.summary() | {"moved": moved[0]}


async def bench_history(pairs: list[tuple[int, int]]) -> dict[str, Any]:
    """The first History page of the customers with the most visits among those sampled."""
    admin = await User.filter(role=Role.ADMIN).first() or await User.create(
        name="Bench Admin", role=Role.ADMIN
    )
    samples = Samples()
    for _, customer_id in pairs[:100]:
        started = time.perf_counter()
        await timeline.history(admin, customer_id, limit=8)
        samples.add(started)
    return samples.summary()


async def bench_team_page(engine: Any) -> dict[str, Any]:
    """/team for an admin (every person; visits this week counted over all visits)."""
    admin = await User.filter(role=Role.ADMIN).order_by("id").first()
    assert admin is not None
    await ChannelIdentity.create(channel=CONSOLE_CHANNEL, external_id=chat_id(admin.id), user=admin)
    samples = Samples()
    for n in range(30):
        started = time.perf_counter()
        await engine.handle(
            Incoming(
                CONSOLE_CHANNEL, chat_id(admin.id), button=pack(Action("team", str((n % 10) * 8)))
            )
        )
        samples.add(started)
    return samples.summary()


async def main() -> dict[str, Any]:
    """Measure on a private copy of the demo database; returns the figures and the bars."""
    scale = current_scale()
    rng = random.Random(13)
    warn_if_busy()
    async with bench_database(scale) as db:
        settings = bench_settings(db.url, CRM_PAGE_SIZE=8)
        engine = build_engine(settings, clock=bench_clock())
        await engine.finder.refresh()
        pairs = await _rep_customers(rng, CARDS[scale.name])
        card = await bench_card(engine, pairs)
        history = await bench_history(pairs)
        team_page = await bench_team_page(engine)
        merge = await bench_merge(rng, MERGES[scale.name])
    bars = [
        Bar("customer card p95 (with last visits)", card["p95_ms"], CARD_P95_MS, "ms"),
        Bar(
            f"merge {VISITS} visits/{DEALS} deals/{INVOICES} invoices, worst",
            merge["max_ms"],
            MERGE_MS,
            "ms",
        ),
    ]
    result: dict[str, Any] = {
        "demo_data": db.described(),
        "card": card,
        "history_page": history,
        "team_page": team_page,
        "merge": merge,
        "bars": [bar.as_dict() for bar in bars],
        "all_bars_met": all(bar.met for bar in bars),
    }
    print_table(
        f"Team and customer upkeep ({scale.name}: {scale.customers:,} customers, "
        f"{scale.visits:,} visits)",
        ("measure", "count", "p50 ms", "p95 ms", "max ms"),
        [
            (name, r["count"], r["p50_ms"], r["p95_ms"], r["max_ms"])
            for name, r in (
                ("card", card),
                ("history page", history),
                ("/team page (admin)", team_page),
                ("merge", merge),
            )
        ],
    )
    print_bars(bars)
    return result


if __name__ == "__main__":
    # `python -m benchmarks.bench_team [--quick]` is the runner limited to this module.
    from benchmarks.__main__ import main as run_benchmarks

    sys.exit(run_benchmarks(["--only", "team", *sys.argv[1:]]))
