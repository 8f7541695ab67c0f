"""Attainment where people read it: the rep's morning digest, the manager's evening summary,
and the month-end summary on the month's last day — each month in the person's own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bot.config import Settings
from bot.models import Customer, Deal, Payment, Role, Stage, TargetMetric, TargetScope, User, Visit
from bot.scheduler import Dispatcher
from bot.scheduler.jobs import digest_tick, month_end_tick, summary_tick
from bot.services.discipline import targets
from tests.scheduler.helpers import RecordingSender, customer, fast_limits, person

DEC8 = datetime(2026, 12, 8, tzinfo=UTC)  # 08:00 in Shanghai
DEC = date(2026, 12, 1)


async def _set(admin: User, who: User, metric: TargetMetric, amount: str, cur: str = "CNY") -> None:
    scope = TargetScope.TEAM if who.role == Role.MANAGER else TargetScope.REP
    code = "" if metric == TargetMetric.VISITS else cur
    await targets.set_target(admin, scope, who.id, DEC, metric, Decimal(amount), code, now=DEC8)


async def _month_of_work(rep: User) -> Customer:
    """Won CN¥640,000 in December (one deal on Dec 1 at 00:30 Shanghai, still November in UTC)
    and one on Nov 30 at 23:30 Shanghai that is not December's; CN¥50,000 and US$1,000
    collected; 12 visits."""
    acme = await customer(rep, "Acme")
    for amount, closed in (
        ("600000", datetime(2026, 11, 30, 16, 30, tzinfo=UTC)),  # Dec 1, 00:30 in Shanghai
        ("40000", DEC8 - timedelta(days=1)),
        ("999000", datetime(2026, 11, 30, 15, 30, tzinfo=UTC)),  # Nov 30, 23:30 in Shanghai
    ):
        await Deal.create(
            customer=acme,
            owner=rep,
            title="Pumps",
            amount=Decimal(amount),
            currency="CNY",
            stage=Stage.WON,
            closed_at=closed,
        )
    await Deal.create(customer=acme, owner=rep, title="Open", amount=Decimal(5), stage=Stage.LEAD)
    await Payment.create(customer=acme, amount=Decimal(50000), currency="CNY", paid_on=DEC)
    await Payment.create(customer=acme, amount=Decimal(1000), currency="USD", paid_on=DEC)
    await Payment.create(
        customer=acme, amount=Decimal(7), currency="CNY", paid_on=date(2026, 11, 30)
    )
    for day in range(12):
        await Visit.create(customer=acme, user=rep, at=DEC8 - timedelta(days=day % 7, hours=1))
    await Visit.create(customer=acme, user=rep, at=datetime(2026, 11, 30, 15, tzinfo=UTC))
    return acme


async def _people() -> tuple[User, User, User, User]:
    admin = await person("Admin", role=Role.ADMIN)
    boss = await person("Boss", role=Role.MANAGER)
    rep = await person("Li Wei", manager=boss)
    other = await person("王芳", manager=boss, locale="zh")
    return admin, boss, rep, other


async def _sent(now: datetime) -> RecordingSender:
    sender = RecordingSender()
    await Dispatcher({"rec": sender}, limits=fast_limits(), clock=lambda: now).drain()
    return sender


async def test_digest_and_summary_show_this_months_attainment(
    db_url: str, settings: Settings
) -> None:
    admin, boss, rep, other = await _people()
    await _month_of_work(rep)
    await _set(admin, rep, TargetMetric.WON, "1000000")
    await _set(admin, rep, TargetMetric.COLLECTED, "100000")
    await _set(admin, rep, TargetMetric.VISITS, "20")
    await _set(admin, other, TargetMetric.WON, "500000")
    await _set(admin, boss, TargetMetric.VISITS, "50")
    silent = await person("Sam", manager=boss)  # no target: no attainment line, no digest

    assert (await digest_tick(settings, now=DEC8 + timedelta(minutes=31))).queued == 2
    assert (await summary_tick(settings, now=DEC8 + timedelta(hours=10, minutes=31))).queued == 1
    sender = await _sent(DEC8 + timedelta(hours=11))

    [digest] = sender.texts(f"chat-{rep.id}")
    assert (
        "This month: won CN¥640,000 of CN¥1,000,000 (64%), "
        "collected CN¥50,000 of CN¥100,000 (50%) (+ $1,000), visits 12 of 20 (60%)"
    ) in digest
    [chinese] = sender.texts(f"chat-{other.id}")
    assert "本月：成交 ¥0，目标 ¥500,000（0%）" in chinese
    assert "回款" not in chinese and "拜访" not in chinese  # only metrics with a target
    assert not sender.texts(f"chat-{silent.id}")

    [summary] = sender.texts(f"chat-{boss.id}")
    assert "Targets this month:" in summary
    assert "Σ Team: visits 12 of 50 (24%)" in summary
    assert "• Li Wei: won CN¥640,000 of CN¥1,000,000 (64%)" in summary
    assert "• 王芳: won CN¥0 of CN¥500,000 (0%)" in summary
    assert "Sam:" not in summary.split("Targets this month:")[1]


async def test_the_month_end_summary_comes_once_on_the_last_day(
    db_url: str, settings: Settings
) -> None:
    admin, boss, rep, other = await _people()
    await _month_of_work(rep)
    await _set(admin, rep, TargetMetric.WON, "600000")
    await _set(admin, rep, TargetMetric.VISITS, "20")
    await _set(admin, boss, TargetMetric.WON, "2000000")
    await person("Otto", role=Role.MANAGER)  # a manager without targets: nothing to say

    # CRM_SUMMARY_TIME, 18:30 in Shanghai, is 10:30 UTC.
    dec30 = datetime(2026, 12, 30, 10, 31, tzinfo=UTC)
    assert (await month_end_tick(settings, now=dec30)).queued == 0
    dec31 = datetime(2026, 12, 31, 10, 31, tzinfo=UTC)
    assert (await month_end_tick(settings, now=dec31)).queued == 2
    assert (await month_end_tick(settings, now=dec31 + timedelta(minutes=5))).queued == 0
    sender = await _sent(dec31 + timedelta(minutes=6))

    [final] = sender.texts(f"chat-{rep.id}")
    assert final.startswith("📅 Last day of December 2026: your final attainment")
    assert "✅ won CN¥640,000 of CN¥600,000 (107%)" in final
    assert "• visits 12 of 20 (60%)" in final
    [team] = sender.texts(f"chat-{boss.id}")
    assert team.startswith("📅 Last day of December 2026: your team's final attainment")
    assert "• won CN¥640,000 of CN¥2,000,000 (32%)" in team
    assert "Li Wei: won CN¥640,000 of CN¥600,000 (107%), visits 12 of 20 (60%)" in team
    assert not sender.texts(f"chat-{other.id}")


async def test_a_month_end_summary_in_chinese(db_url: str, settings: Settings) -> None:
    admin, _, _, other = await _people()
    await _set(admin, other, TargetMetric.VISITS, "10")
    await Visit.create(
        customer=await customer(other, "星辰贸易"), user=other, at=datetime(2026, 12, 2, tzinfo=UTC)
    )
    dec31 = datetime(2026, 12, 31, 10, 31, tzinfo=UTC)
    assert (await month_end_tick(settings, now=dec31)).queued == 2  # 王芳 and her manager
    sender = await _sent(dec31 + timedelta(minutes=1))
    [final] = sender.texts(f"chat-{other.id}")
    assert (
        final == "📅 今天是2026年12月最后一天，你本月的最终达成：\n• 拜访 1 次，目标 10 次（10%）"
    )
