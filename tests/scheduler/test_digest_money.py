"""The morning digest and evening summary carry the money side: receivables, tasks, approvals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bot.buttons import Action, pack
from bot.config import Settings
from bot.models import (
    ApprovalKind,
    ApprovalRequest,
    Deal,
    DealStageChange,
    Invoice,
    Role,
    Stage,
    Task,
)
from bot.scheduler import Dispatcher
from bot.scheduler.jobs import digest_tick, summary_tick
from tests.scheduler.helpers import CHANNEL, RecordingSender, customer, fast_limits, person

NOV18 = datetime(2026, 11, 18, tzinfo=UTC)


async def test_digest_and_summary_show_money_tasks_and_approvals(
    db_url: str, settings: Settings
) -> None:
    boss = await person("Boss", role=Role.MANAGER)
    rep = await person("Rep", manager=boss)
    acme = await customer(rep, "Acme", last_contact=NOV18 - timedelta(days=1))
    await Invoice.create(
        number="INV-1",
        customer=acme,
        amount=Decimal("1200.50"),
        issue_date=date(2026, 10, 1),
        due_date=date(2026, 11, 1),
    )
    await Invoice.create(
        number="INV-2",
        customer=acme,
        amount=Decimal("800"),
        issue_date=date(2026, 11, 1),
        due_date=date(2026, 11, 20),
    )
    await Task.create(
        assignee=rep, created_by=boss, text="Send the price list", due_at=NOV18 + timedelta(hours=8)
    )
    await ApprovalRequest.create(
        kind=ApprovalKind.EXPENSE,
        requester=rep,
        approver=boss,
        amount=Decimal("300"),
        currency="CNY",
        waiting_since=NOV18,
    )

    won = await Deal.create(
        customer=acme,
        owner=rep,
        title="Pumps",
        amount=Decimal("1500000"),
        currency="CNY",
        stage=Stage.WON,
    )
    for from_stage, to_stage in ((None, Stage.LEAD), (Stage.LEAD, Stage.WON)):
        await DealStageChange.create(
            deal=won,
            user=rep,
            from_stage=from_stage,
            to_stage=to_stage,
            at=NOV18 + timedelta(hours=3),
        )
    assert (await digest_tick(settings, now=NOV18 + timedelta(minutes=31))).queued == 1
    assert (await summary_tick(settings, now=NOV18 + timedelta(hours=10, minutes=31))).queued == 1
    sender = RecordingSender()
    now = NOV18 + timedelta(hours=11)
    await Dispatcher({CHANNEL: sender}, limits=fast_limits(), clock=lambda: now).drain()

    [digest] = [r for chat, r in sender.sent if chat == f"chat-{rep.id}"]
    assert "Receivables: CN¥800 due this week, CN¥1,200.50 overdue" in digest.text
    assert "Tasks due: 1" in digest.text and "• Send the price list" in digest.text
    task = await Task.get(text="Send the price list")
    assert pack(Action("tdone", f"{task.id}")) in [b.data for b in digest.all_buttons()]
    [summary] = sender.texts(f"chat-{boss.id}")
    assert "Approvals waiting for you: 1 (/approvals)" in summary
    assert "Deals created: 1 · CN¥1,500,000" in summary
    assert "Deals won: 1 · CN¥1,500,000" in summary
