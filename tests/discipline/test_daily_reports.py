"""The daily report (日报) on the console, as a team uses it: drafted at each rep's 18:00 with the
clock moved, a line typed and one said, sent, read and commented on by the manager; the next
summary names who sent none; Friday's covers the week; two ticks draft it once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.buttons import Action, pack
from bot.config import Settings
from bot.messages import Audio, Reply
from bot.models import (
    DailyReport,
    Deal,
    DealStageChange,
    Notification,
    Payment,
    ReportComment,
    ReportStatus,
    Stage,
    User,
    Visit,
)
from bot.scheduler import Dispatcher
from bot.scheduler.jobs import daily_report_tick, summary_tick
from bot.services.records import customers
from tests.conftest import Team
from tests.scheduler.helpers import RecordingSender, fast_limits
from tests.support import Chat, FakeClock

WED = datetime(2026, 11, 18, tzinfo=UTC)  # Wednesday; Shanghai is UTC+8


def local(day: int, hours: float) -> datetime:
    """A moment of November 2026 as Shanghai's wall clock reads it (day of month, hours)."""
    return datetime(2026, 11, day, tzinfo=UTC) + timedelta(hours=hours - 8)


class Post:
    """The console channel's pushes: the outbox delivered to the team's console chats."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sender = RecordingSender()
        self.dispatcher = Dispatcher(
            {"console": self.sender}, limits=fast_limits(), clock=lambda: clock.now
        )

    async def deliver(self) -> int:
        return await self.dispatcher.drain()

    def to(self, chat: Chat) -> list[Reply]:
        return [reply for who, reply in self.sender.sent if who == chat.external_id]

    def open(self, chat: Chat) -> str:
        """The person reads their newest push: its buttons are the ones they tap next."""
        chat.replies = self.to(chat)[-1:]
        return chat.text


@pytest.fixture
def post(clock: FakeClock) -> Post:
    return Post(clock)


async def li_s_day(team: Team, clock: FakeClock) -> None:
    """Li logs a visit by quick capture; a deal moves; finance records a payment."""
    li = team.users["Li Wei"]
    acme = await customers.create_customer(li, customers.CustomerDraft("Acme Trading"))
    chat = team.chats["Li Wei"]
    clock.now = local(18, 10.5)
    draft = await chat.say("Visited Acme Trading, they want 200 units, call back tomorrow 3pm")
    assert "Acme Trading" in draft
    assert "Logged" in await chat.tap("Confirm")
    deal = await Deal.create(
        customer_id=acme.id, owner_id=li.id, title="200 units", amount=Decimal(90000)
    )
    await DealStageChange.create(
        deal_id=deal.id,
        user_id=li.id,
        from_stage=Stage.PROPOSAL,
        to_stage=Stage.NEGOTIATION,
        at=local(18, 14),
    )
    await Payment.create(customer_id=acme.id, amount=Decimal("50000"), paid_on=date(2026, 11, 18))
    await Visit.create(customer_id=acme.id, user_id=li.id, at=local(17, 11), notes="yesterday")


async def test_drafted_at_six_extended_sent_read_and_commented(
    team: Team, clock: FakeClock, settings: Settings, post: Post
) -> None:
    await li_s_day(team, clock)
    li, sam, mia = team.chats["Li Wei"], team.chats["Sam"], team.chats["Mia"]

    assert (await daily_report_tick(settings, now=local(18, 17.99))).queued == 0
    clock.now = local(18, 18.01)
    assert (await daily_report_tick(settings, now=clock.now)).queued == 3  # Li, Sam, Olga
    assert not await DailyReport.filter(user_id=team.users["Mia"].id).exists()  # reps only
    assert await post.deliver() == 3

    text = post.open(li)
    assert text.startswith("📝 Your daily report for Wed, Nov 18 (draft):")
    assert "Contacts logged: 1" in text
    assert "• 10:30 Acme Trading · Visit: Visited Acme Trading, they want 200 units" in text
    assert "yesterday" not in text
    assert "Deals moved: 1\n• 200 units (Acme Trading): Proposal → Negotiation" in text
    assert "Money collected: CN¥50,000" in text
    assert "Follow-ups for Thu, Nov 19: 1\n• Acme Trading · 15:00" in text
    assert "/daily opens it again" in text
    assert "Nothing logged today." in post.open(sam)

    # A line typed, a line said (the platform's recognition), a bad one refused on arrival.
    assert "What should the report add?" in await li.tap("Add a line")
    refused = await li.say("???")
    assert refused.startswith("Please type a line, or send a voice note.")
    assert "What should the report add?" in refused
    added = await li.say("They ask for 5% off; I said I would check.")
    assert added.startswith("✅ Added.") and "✍️ They ask for 5% off" in added
    await li.tap("Add a line")
    said = await li.send(audio=Audio("voice-7", 3.0, recognition="samples go out on Monday"))
    assert said.startswith("✅ Added.") and "✍️ samples go out on Monday" in said
    assert not await Notification.filter(recipient_id=team.users["Mia"].id).exists()

    # Sent once, however many taps.
    send = li.button("Send")
    assert "📤 Sent to Mia." in await li.send(button=send)
    assert "sent already" in await li.send(button=send)
    report = await DailyReport.get(user_id=team.users["Li Wei"].id)
    assert report.status == ReportStatus.SENT and report.sent_at == clock.now
    assert report.note == "They ask for 5% off; I said I would check.\nsamples go out on Monday"

    # The manager reads it and comments; the comment goes back to Li.
    await post.deliver()
    copy = post.open(mia)
    assert copy.startswith("📝 Daily report from Li Wei, Wed, Nov 18:")
    assert "Acme Trading" in copy and "✍️ samples go out on Monday" in copy
    assert "Your comment for Li Wei?" in await mia.tap("Comment on it")
    assert "💬 Sent to Li Wei." in await mia.say("Good. Offer 3% and a faster delivery.")
    assert await ReportComment.filter(report_id=report.id).count() == 1
    await post.deliver()
    assert post.open(li) == (
        "💬 Mia commented on your daily report of Wed, Nov 18:\n"
        "Good. Offer 3% and a faster delivery."
    )
    opened = await li.say("/daily")
    assert "sent Nov 18, 18:0" in opened and "💬 Mia: Good. Offer 3%" in opened

    # Nobody else changes or comments on it.
    assert "Not found" in await sam.send(button=pack(Action("drep", f"{report.id}:s")))
    assert "Not found" in await team.chats["Otto"].send(
        button=pack(Action("drep", f"{report.id}:c"))
    )
    assert "managers comment" in await li.send(button=pack(Action("drep", f"{report.id}:c")))
    assert "sent already" in await li.send(button=pack(Action("drep", f"{report.id}:a")))

    # The next evening Mia's summary names Sam (drafted, never sent), not Li.
    clock.now = local(19, 18.51)
    assert (await summary_tick(settings, now=clock.now)).queued == 2
    await post.deliver()
    summary = post.open(mia)
    assert "📝 No daily report sent for Wed, Nov 18: Sam" in summary
    assert "Otto" not in summary and "Olga" not in summary.split("📝")[-1]
    assert "📝 No daily report sent for Wed, Nov 18: Olga" in post.open(team.chats["Otto"])


async def test_two_ticks_and_an_early_draft_make_one_report_each(
    team: Team, clock: FakeClock, settings: Settings, post: Post
) -> None:
    li, sam = team.chats["Li Wei"], team.chats["Sam"]
    clock.now = local(18, 16)
    early = await li.say("/daily")  # before 18:00: drafted from the day so far
    assert "Nothing logged today." in early
    await li.tap("Edit the draft")
    assert "✅ Draft saved." in await li.say("Cold calls all afternoon, nobody answered.")
    assert "Nothing logged today" in await sam.say("/daily")
    await sam.tap("Send")

    clock.now = local(18, 18.02)
    first = await daily_report_tick(settings, now=clock.now)
    second = await daily_report_tick(settings, now=clock.now + timedelta(minutes=1))
    assert (first.queued, first.nothing, second.queued, second.nothing) == (2, 1, 0, 0)
    assert await DailyReport.all().count() == 3
    await post.deliver()
    # Li's own words stand; Sam, who sent early, gets no draft.
    assert "Cold calls all afternoon" in post.open(li)
    assert post.to(sam) == []
    assert await Notification.filter(kind="daily_report_draft").count() == 2

    # Saturday and Sunday: no reports; off when the setting is empty.
    assert (await daily_report_tick(settings, now=local(21, 18.02))).queued == 0
    off = settings.model_copy(update={"daily_report_at": None})
    assert (await daily_report_tick(off, now=local(23, 18.02))).queued == 0
    assert (await daily_report_tick(settings, now=local(23, 18.02))).queued == 3


async def test_friday_s_report_covers_the_week_and_monday_s_summary_checks_it(
    team: Team, clock: FakeClock, settings: Settings, post: Post
) -> None:
    li = team.users["Li Wei"]
    acme = await customers.create_customer(li, customers.CustomerDraft("Acme Trading"))
    for day, notes in ((13, "last week"), (16, "monday visit"), (18, "wednesday call")):
        await Visit.create(customer_id=acme.id, user_id=li.id, at=local(day, 11), notes=notes)
    await Visit.create(
        customer_id=acme.id,
        user_id=li.id,
        at=local(20, 9),
        notes="friday",
        next_followup_at=local(23, 9),
        followup_owner_id=li.id,
    )
    clock.now = local(20, 18.01)
    assert (await daily_report_tick(settings, now=clock.now)).queued == 3
    await post.deliver()
    text = post.open(team.chats["Li Wei"])
    assert text.startswith("📅 Your weekly report, Mon, Nov 16 – Fri, Nov 20 (draft):")
    assert "Contacts logged: 3" in text and "last week" not in text
    assert "• Nov 16, 11:00 Acme Trading · Visit: monday visit" in text
    assert "Follow-ups for Mon, Nov 23: 1\n• Acme Trading · 09:00" in text
    assert "Nothing logged this week." in post.open(team.chats["Sam"])
    assert await DailyReport.filter(weekly=True).count() == 3

    await team.chats["Li Wei"].tap("Send")
    await post.deliver()
    assert post.open(team.chats["Mia"]).startswith(
        "📅 Weekly report from Li Wei, Mon, Nov 16 – Fri, Nov 20:"
    )
    clock.now = local(23, 18.51)  # Monday: the previous working day is Friday
    await summary_tick(settings, now=clock.now)
    await post.deliver()
    summary = post.open(team.chats["Mia"])
    assert "📝 No daily report sent for Fri, Nov 20: Sam" in summary


async def test_in_chinese_on_the_console(
    team: Team, clock: FakeClock, settings: Settings, post: Post
) -> None:
    for name in ("Li Wei", "Mia"):
        await User.filter(id=team.users[name].id).update(locale="zh")
    li, mia = team.chats["Li Wei"], team.chats["Mia"]
    acme = await customers.create_customer(
        team.users["Li Wei"], customers.CustomerDraft("上海星辰贸易")
    )
    await Visit.create(
        customer_id=acme.id, user_id=team.users["Li Wei"].id, at=local(18, 10), notes="要两百台"
    )
    clock.now = local(18, 18.01)
    await daily_report_tick(settings, now=clock.now)
    await post.deliver()
    text = post.open(li)
    assert text.startswith("📝 你11月18日 周三的日报（草稿）：")
    assert "联系客户：1 次\n• 10:00 上海星辰贸易 · 拜访：要两百台" in text
    assert "发 /daily 可再次打开" in text
    assert "要补充什么" in await li.tap("补充一句")
    assert "✍️ 客户嫌价格高" in await li.say("客户嫌价格高")
    assert "已发给Mia" in await li.tap("发送")
    await post.deliver()
    copy = post.open(mia)
    assert copy.startswith("📝 Li Wei的日报（11月18日 周三）：")
    assert "对Li Wei的日报有什么点评" in await mia.tap("点评")
    assert "已发给Li Wei" in await mia.say("先报个优惠价")
    await post.deliver()
    assert post.open(li) == "💬 Mia点评了你11月18日 周三的日报：\n先报个优惠价"
    listed = await mia.say("/daily")
    assert listed.startswith("11月12日 周四以来团队交的日报：")
    assert "1. Li Wei · 11月18日 周三 · 日报" in listed
