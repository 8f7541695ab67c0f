"""/target in the chat: managers set their team's targets, admins anyone's; the month's
targets are shown with attainment; setting again replaces; others are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.models import AuditEvent, Customer, Deal, Stage, Target, TargetMetric, TargetScope, Visit
from bot.services.discipline.targets import read_month
from tests.conftest import Team
from tests.support import FakeClock

DEC = date(2026, 12, 1)
JAN = date(2027, 1, 1)
NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # a Tuesday morning in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")


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


async def test_a_manager_sets_a_reps_target_sees_attainment_and_replaces_it(
    team: Team, clock: FakeClock
) -> None:
    clock.now = NOW
    await _won(team, "Li Wei", "640000", NOW - timedelta(days=2))
    await _won(team, "Li Wei", "999000", datetime(2026, 11, 30, 1, tzinfo=UTC))  # November
    mia = team.chats["Mia"]
    reply = await mia.say("/target")
    assert "🎯 No targets set for December 2026 yet." in reply
    assert "Set a target for whom? Tap a name or type it." in reply
    assert "Mia's team" in reply and "Li Wei" in reply and "Sam" in reply
    assert "Olga" not in reply and "Otto" not in reply  # another manager's team
    assert "For which month?" in await mia.tap("Li Wei")
    assert "Which target?" in await mia.say("skip")  # this month
    reply = await mia.tap("Deals won")
    assert "How much should Li Wei win in December 2026?" in reply
    reply = await mia.say("100万")
    assert "Set this target?" in reply and "💰 Deals won: CN¥1,000,000" in reply
    assert "replaces" not in reply
    reply = await mia.tap("Save")
    assert "✅ Target set for Li Wei, December 2026." in reply
    assert "• won CN¥640,000 of CN¥1,000,000 (64%)" in reply

    # Setting it again replaces it: the summary says what it replaces, one row stays.
    reply = await mia.say("/target")
    assert "🎯 Targets for December 2026:" in reply
    assert "Li Wei: won CN¥640,000 of CN¥1,000,000 (64%)" in reply
    await mia.say("li wei")  # typed, not tapped
    await mia.tap("This month")
    await mia.say("won")
    reply = await mia.say("800k")
    assert "(replaces CN¥1,000,000)" in reply
    assert "won CN¥640,000 of CN¥800,000 (80%)" in await mia.say("yes")
    [row] = await Target.all()
    assert (row.scope, row.user_id, row.month, row.metric, row.currency) == (
        TargetScope.REP,
        team.users["Li Wei"].id,
        DEC,
        TargetMetric.WON,
        "CNY",
    )
    assert row.amount == Decimal("800000") and row.set_by_id == team.users["Mia"].id
    assert await AuditEvent.filter(action="target.set").count() == 2


async def test_in_chinese_a_visits_target_for_next_month(team: Team, clock: FakeClock) -> None:
    clock.now = NOW
    mia = team.chats["Mia"]
    await mia.say("/lang zh")
    reply = await mia.say("/target")
    assert "🎯 2026年12月还没有设定目标。" in reply
    assert "给谁设定目标？请点选或输入姓名。" in reply
    reply = await mia.say("奥尔加")
    assert "你的团队里没有叫“奥尔加”的人。" in reply
    assert "给谁设定目标？" in reply  # the same question again
    assert "哪个月？" in await mia.say("Sam")
    reply = await mia.say("下个月")
    assert "设定哪项目标？" in reply
    reply = await mia.say("拜访")
    assert "Sam在2027年1月应拜访和通话多少次？" in reply
    reply = await mia.say("很多")
    assert "请输入" in reply  # one clear line, the same question again
    reply = await mia.say("20")
    assert "设定这个目标吗？" in reply and "🚗 拜访次数: 20" in reply
    reply = await mia.say("确认")
    assert "✅ 已为Sam设定2027年1月的目标。" in reply
    assert "拜访 0 次，目标 20 次（0%）" in reply
    row = await Target.get(user_id=team.users["Sam"].id)
    assert (row.month, row.metric, row.amount, row.currency) == (
        JAN,
        TargetMetric.VISITS,
        Decimal(20),
        "",
    )


async def test_an_admin_sets_a_teams_target_measured_on_its_reps(
    team: Team, clock: FakeClock
) -> None:
    clock.now = NOW
    olga = team.users["Olga"]
    customer = await Customer.create(name="Globex", normalized_name="globex", owner_id=olga.id)
    for days in (1, 2, 3):
        await Visit.create(customer=customer, user_id=olga.id, at=NOW - timedelta(days=days))
    admin = team.chats["admin"]
    reply = await admin.say("/target")
    assert "Otto's team" in reply and "Olga" in reply and "Li Wei" in reply
    await admin.tap("Otto's team")
    await admin.say("2026-12")
    await admin.tap("Visits")
    await admin.say("10")
    reply = await admin.tap("Save")
    assert "Target set for 👥 Otto's team, December 2026." in reply
    assert "visits 3 of 10 (30%)" in reply
    row = await Target.get()
    assert (row.scope, row.user_id) == (TargetScope.TEAM, team.users["Otto"].id)


async def test_reps_cannot_set_targets(team: Team, clock: FakeClock) -> None:
    clock.now = NOW
    reply = await team.chats["Li Wei"].say("/target")
    assert "Set a target for whom?" not in reply
    assert await Target.all().count() == 0


@pytest.mark.parametrize(
    ("typed", "month"),
    [
        ("next month", JAN),
        ("下个月", JAN),
        ("2027-01", JAN),
        ("2027年1月", JAN),
        ("一月", JAN),
        ("January", JAN),
        ("this month", DEC),
        ("本月", DEC),
        ("12月", DEC),  # the current month's name is this month, not next year's
        ("december", DEC),
        ("last month", date(2026, 11, 1)),
        ("2027-13", None),
        ("soon-ish", None),
    ],
)
def test_months_as_people_write_them(typed: str, month: date | None) -> None:
    assert read_month(typed, now=NOW, tz=SHANGHAI) == month
