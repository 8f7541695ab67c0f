"""A small company with something in every report: customers, deals, visits, invoices."""

from __future__ import annotations

import struct
from datetime import date, timedelta
from decimal import Decimal

from bot.models import Invoice, Stage, VisitKind
from bot.services.finance import deals
from bot.services.records import customers, visits
from tests.conftest import START, Team

NO_ALERTS = {"CNY": Decimal("1e12")}

# who: (customers, [(deal amount, stage reached)], visits this week, invoice amount overdue)
PLAN = {
    "Li Wei": (["上海星辰贸易有限公司", "Acme Trading Co."], [(100_000, Stage.PROPOSAL)], 3, 5_000),
    "Sam": (["北京华通物流"], [(40_000, Stage.LEAD), (60_000, Stage.QUALIFIED)], 2, 7_000),
    "Olga": (["Globex Foods GmbH"], [(900_000, Stage.NEGOTIATION)], 4, 11_000),
}


async def seed(team: Team) -> None:
    """Every rep of the team gets the plan's customers, deals (moved through stages), visits
    this week and an overdue invoice."""
    for who, (names, plan_deals, n_visits, owed) in PLAN.items():
        rep = team.users[who]
        made = [
            await customers.create_customer(rep, customers.CustomerDraft(name=name))
            for name in names
        ]
        for n, (amount, stage) in enumerate(plan_deals):
            deal = await deals.create_deal(
                rep,
                deals.DealDraft(
                    made[0].id, f"Deal {n + 1}", Decimal(amount), "CNY", date(2026, 12, 15)
                ),
                now=START - timedelta(days=10),
                large=NO_ALERTS,
            )
            for step in deals.OPEN_STAGES[1 : deals.OPEN_STAGES.index(stage) + 1]:
                await deals.move_stage(
                    rep, deal.id, step, now=START - timedelta(days=5), large=NO_ALERTS
                )
        for n in range(n_visits):
            await visits.log_visit(
                rep,
                visits.VisitDraft(made[0].id, VisitKind.VISIT, START - timedelta(hours=n + 1)),
                now=START,
            )
        await Invoice.create(
            number=f"INV-{rep.id}",
            customer_id=made[0].id,
            amount=Decimal(owed),
            currency="CNY",
            issue_date=date(2026, 9, 1),
            due_date=date(2026, 10, 1),
        )


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (and a check that it is one)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    return struct.unpack(">II", data[16:24])
