"""Set-based figures the digests read: receivables per owner, tasks due, approvals waiting."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.services.finance import approvals, receivables
from bot.services.records import tasks
from tests.conftest import START, Team
from tests.money.helpers import own_customer
from tests.money.test_receivables import TODAY, invoice


async def test_digest_figures_in_one_query_each(team: Team) -> None:
    li, olga = team.users["Li Wei"], team.users["Olga"]
    acme = await own_customer(team, "Li Wei", "Acme")
    await invoice(acme, "A-1", "100", TODAY + timedelta(days=7))
    await invoice(acme, "A-2", "40", TODAY - timedelta(days=1))
    await invoice(acme, "A-3", "999", TODAY + timedelta(days=8))
    amounts = await receivables.digest_amounts([li.id, olga.id], today=TODAY)
    assert amounts == {li.id: {"CNY": {"due_week": Decimal(100), "overdue": Decimal(40)}}}

    await tasks.assign(team.users["Mia"], li.id, "Call Acme", due_at=START, now=START)
    await tasks.assign(
        team.users["Mia"], li.id, "Later", due_at=START + timedelta(days=3), now=START
    )
    due = await tasks.due_for([li.id, olga.id], until=START + timedelta(days=1))
    assert [t.text for t in due[li.id]] == ["Call Acme"] and olga.id not in due

    draft = approvals.RequestDraft(
        approvals.ApprovalKind.EXPENSE, amount=Decimal(50), currency="CNY", category="Meals"
    )
    await approvals.create_request(li, draft, now=START, escalate_above={})
    await approvals.create_request(li, draft, now=START, escalate_above={})
    mia, otto = team.users["Mia"].id, team.users["Otto"].id
    assert await approvals.waiting_counts([mia, otto]) == {mia: 2}
