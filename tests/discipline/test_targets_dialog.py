"""/target in the chat: managers set their team's targets, admins anyone's; the month's
targets are shown with attainment; setting again replaces; others are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bot.models import Customer, Deal, Stage, Target, TargetMetric, TargetScope
from tests.conftest import Team

DEC = date(2026, 12, 1)


async def _won(team: Team, rep: str, amount: str, at: datetime) -> None:
    owner = team.users[rep]
    customer = await Customer.create(
        name=f"Acme {amount}", normalized_name=f"acme {amount}", owner_id=owner.id
    )
    await Deal.create(
        customer=customer,
        owner_id=owner.id,
        title="Pumps",
        amount=Decimal(amount),
        currency="CNY",
        stage=Stage.WON,
        closed_at=at,
    )


async def test_manager_sets_a_target_for_a_rep_and_sees_attainment(team: Team, clock) -> None:
    clock.now = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
    await _won(team, "Li Wei", "640000", clock.now - timedelta(days=2))
    await _won(team, "Li Wei", "999000", datetime(2026, 11, 30, 1, tzinfo=UTC))  # November
    mia = team.chats["Mia"]
    reply = await mia.say("/target")
    print(reply)
    assert "No targets set for December 2026 yet." in reply
    assert "Set a target for whom?" in reply
    assert "Olga" not in reply  # another manager's team
    reply = await mia.tap("Li Wei")
    print(reply)
    assert "For which month?" in reply
    reply = await mia.say("skip")
    print(reply)
    reply = await mia.tap("Deals won")
    print(reply)
    assert "How much should Li Wei win in December 2026?" in reply
    reply = await mia.say("100万")
    print(reply)
    assert "CN¥1,000,000" in reply
    reply = await mia.tap("Save")
    print(reply)
    assert "Target set for Li Wei, December 2026." in reply
    assert "won CN¥640,000 of CN¥1,000,000 (64%)" in reply
    row = await Target.get(user_id=team.users["Li Wei"].id)
    assert (row.scope, row.month, row.metric, row.amount, row.currency) == (
        TargetScope.REP,
        DEC,
        TargetMetric.WON,
        Decimal("1000000.00"),
        "CNY",
    )
