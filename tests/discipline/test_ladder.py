"""The follow-up ladder with the clock moved: the rep's digest, then the manager's summary with
Nudge and Reassign, then the customer at risk on its card, in /followups and in the export."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pydantic import ValidationError

from bot.app import build_engine
from bot.config import Settings, describe
from bot.messages import Reply
from bot.models import AuditEvent, Customer, Notification, Visit
from bot.scheduler import Dispatcher
from bot.scheduler.jobs import digest_tick, summary_tick
from tests.conftest import Team
from tests.scheduler.helpers import RecordingSender, fast_limits
from tests.support import Chat, FakeClock

# Nov 18, 2026, in Shanghai (UTC+8): the follow-up's day, date-only (09:00 local).
DUE = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 in Shanghai, as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


class Pushes:
    """What the outbox delivered to the console chats, per chat."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sender = RecordingSender()

    async def drain(self) -> None:
        await Dispatcher({"console": self.sender}, limits=fast_limits(), clock=self.clock).drain()

    def to(self, chat: Chat) -> list[Reply]:
        return [reply for who, reply in self.sender.sent if who == chat.external_id]

    def last(self, chat: Chat) -> Reply:
        replies = self.to(chat)
        assert replies, f"nothing was pushed to {chat.name}"
        return replies[-1]


def button(reply: Reply, label: str) -> str:
    for b in reply.all_buttons():
        if label.casefold() in b.label.casefold():
            return b.data
    raise AssertionError(f"no button {label!r} in {[b.label for b in reply.all_buttons()]}")


async def overdue_followup(team: Team, rep: str, name: str) -> tuple[Customer, Visit]:
    """A customer of `rep` whose follow-up was due on Nov 18 and never done."""
    owner = team.users[rep]
    customer = await Customer.create(
        name=name, normalized_name=name.lower(), owner_id=owner.id, last_contact_at=DUE
    )
    visit = await Visit.create(
        customer_id=customer.id,
        user_id=owner.id,
        at=DUE - timedelta(days=3),
        notes="bring the samples",
        next_followup_at=DUE,
        followup_owner_id=owner.id,
    )
    return customer, visit


async def speak(team: Team, language: str, *names: str) -> None:
    for name in names:
        await team.chats[name].say(f"/lang {language}")


async def evening(settings: Settings, clock: FakeClock, pushes: Pushes, day: int) -> None:
    clock.now = local(day, 18, 31)
    await summary_tick(settings, now=clock.now)
    await pushes.drain()


async def morning(settings: Settings, clock: FakeClock, pushes: Pushes, day: int) -> None:
    clock.now = local(day, 8, 31)
    await digest_tick(settings, now=clock.now)
    await pushes.drain()


WORDS = {
    "en": {
        "digest": "⚠️ Acme",
        "block": "⏳ Overdue follow-ups to chase: 1",
        "line2": "• Li Wei · Acme · 2 days overdue",
        "line4": "• Li Wei · Acme · 4 days overdue · 🚨 at risk",
        "nudge": "Nudge",
        "reassign": "Reassign",
        "nudged": "🔔 Li Wei is reminded to follow up with Acme.",
        "again": "You already nudged Li Wei about Acme today.",
        "reminder": "🔔 Mia reminds you: follow up with Acme (due Wed, Nov 18, 2 days overdue).",
        "card": "🚨 At risk: a follow-up is 4 days overdue",
        "list": "⚠️ Acme — Wed, Nov 18 · 🚨 at risk",
        "who": "Who should follow up with Acme instead of Li Wei? Tap a name.",
        "move": "Does Acme move to Sam too, or only this follow-up?",
        "only": "Only the follow-up",
        "too": "The customer too",
        "save": "Save",
        "done": "✅ Sam now follows up with Acme, and is told so.",
        "given": "↪️ Mia gave you the follow-up with Acme from Li Wei (due Wed, Nov 18).",
        "given_all": "↪️ Mia gave you Acme and its follow-up from Li Wei (due Wed, Nov 18).",
        "header": "At risk",
    },
    "zh": {
        "digest": "⚠️ Acme",
        "block": "⏳ 需要督促的逾期跟进：1条",
        "line2": "• Li Wei · Acme · 逾期2天",
        "line4": "• Li Wei · Acme · 逾期4天 · 🚨 有流失风险",
        "nudge": "催一下",
        "reassign": "转给他人",
        "nudged": "🔔 已提醒Li Wei跟进Acme。",
        "again": "今天你已经就Acme提醒过Li Wei了。",
        "reminder": "🔔 Mia提醒你：请跟进Acme（原定11月18日 周三，已逾期2天）。",
        "card": "🚨 有流失风险：有一条跟进已逾期4天",
        "list": "⚠️ Acme — 11月18日 周三 · 🚨 有流失风险",
        "who": "由谁代替Li Wei跟进Acme？请点选一个名字。",
        "move": "客户Acme也一起转给Sam，还是只转这条跟进？",
        "only": "只转跟进",
        "too": "客户也一起转",
        "save": "保存",
        "done": "✅ 现在由Sam跟进Acme，已通知对方。",
        "given": "↪️ Mia把Li Wei对Acme的跟进转给了你（原定11月18日 周三）。",
        "given_all": "↪️ Mia把Li Wei的客户Acme连同跟进转给了你（原定11月18日 周三）。",
        "header": "有流失风险",
    },
}


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_the_three_steps_with_the_clock_moved(
    team: Team, settings: Settings, clock: FakeClock, language: str
) -> None:
    words = WORDS[language]
    await speak(team, language, "Mia", "Li Wei", "Sam")
    mia, li = team.chats["Mia"], team.chats["Li Wei"]
    acme, _ = await overdue_followup(team, "Li Wei", "Acme")
    pushes = Pushes(clock)

    # Day 1 overdue: the rep's digest has it; the manager hears nothing yet.
    await morning(settings, clock, pushes, 19)
    assert words["digest"] in pushes.last(li).text
    await evening(settings, clock, pushes, 19)
    assert "⏳" not in pushes.last(mia).text
    assert not [b for b in pushes.last(mia).all_buttons() if "nudge" in b.data]

    # Day 2 overdue: still in the rep's digest, and now in the manager's summary with buttons.
    await morning(settings, clock, pushes, 20)
    assert words["digest"] in pushes.last(li).text
    await evening(settings, clock, pushes, 20)
    summary = pushes.last(mia)
    assert words["block"] in summary.text and words["line2"] in summary.text, summary.text
    assert "🚨" not in summary.text
    button(summary, words["nudge"]), button(summary, words["reassign"])
    card = await mia.say("/customer Acme")
    assert "🚨" not in card

    # Day 4 overdue: the customer is at risk, everywhere a person reads it.
    await morning(settings, clock, pushes, 22)
    assert words["digest"] in pushes.last(li).text
    await evening(settings, clock, pushes, 22)
    assert words["line4"] in pushes.last(mia).text
    assert words["card"] in await li.say("/customer Acme")
    assert words["card"] in await mia.say("/customer Acme")
    assert words["list"] in await li.say("/followups")
    assert words["list"].replace(" · ", " (Li Wei) · ") in await mia.say("/followups")

    # Logging the contact closes the follow-up: off the ladder at once.
    await Visit.filter(customer_id=acme.id).update(followup_done_at=clock.now)
    assert "🚨" not in await li.say("/customer Acme")


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_nudge_reaches_the_rep_once_per_day(
    team: Team, settings: Settings, clock: FakeClock, language: str
) -> None:
    words = WORDS[language]
    await speak(team, language, "Mia", "Li Wei")
    mia, li = team.chats["Mia"], team.chats["Li Wei"]
    await overdue_followup(team, "Li Wei", "Acme")
    pushes = Pushes(clock)
    await evening(settings, clock, pushes, 20)
    nudge = button(pushes.last(mia), words["nudge"])

    assert await mia.send(button=nudge) == words["nudged"]
    await pushes.drain()
    reminder = pushes.last(li)
    assert reminder.text.splitlines() == [words["reminder"], "bring the samples"]
    acme = await Customer.get(name="Acme")
    assert f"visit:{acme.id}" in " ".join(b.data for b in reminder.all_buttons())

    # The same manager's second tap that day queues nothing.
    assert await mia.send(button=nudge) == words["again"]
    await pushes.drain()
    assert len([r for r in pushes.to(li) if r.text.startswith("🔔")]) == 1
    # A rep cannot nudge, and another manager's team is not theirs to nudge.
    assert "🔔" not in await li.send(button=nudge)
    assert "🔔" not in await team.chats["Otto"].send(button=nudge)
    assert await Notification.filter(kind="nudge").count() == 1
    assert await AuditEvent.filter(action="followup.nudge").count() == 1


async def test_one_tap_on_two_instances_nudges_once(
    team: Team, settings: Settings, clock: FakeClock
) -> None:
    """The same tap handled by two instances at the same moment: one reminder (the dedupe key
    in the database decides, not a lock in either process)."""
    await overdue_followup(team, "Li Wei", "Acme")
    pushes = Pushes(clock)
    await evening(settings, clock, pushes, 20)
    nudge = button(pushes.last(team.chats["Mia"]), "Nudge")
    second = build_engine(settings, clock=clock)
    mia_there = Chat(second, external_id=team.chats["Mia"].external_id, name="Mia")
    replies = await asyncio.gather(
        team.chats["Mia"].send(button=nudge), mia_there.send(button=nudge)
    )
    assert sorted(r.split()[0] for r in replies) == ["You", "🔔"], replies
    assert (
        await Notification.filter(kind="nudge", recipient_id=team.users["Li Wei"].id).count() == 1
    )


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_reassign_moves_the_followup_and_tells_the_new_rep(
    team: Team, settings: Settings, clock: FakeClock, language: str
) -> None:
    words = WORDS[language]
    await speak(team, language, "Mia", "Li Wei", "Sam")
    mia, li, sam = team.chats["Mia"], team.chats["Li Wei"], team.chats["Sam"]
    acme, visit = await overdue_followup(team, "Li Wei", "Acme")
    pushes = Pushes(clock)
    await evening(settings, clock, pushes, 20)

    asked = await mia.send(button=button(pushes.last(mia), words["reassign"]))
    assert words["who"] in asked
    assert "Li Wei" not in asked.replace(words["who"], "")  # not offered to the rep who has it
    assert "Olga" not in asked  # another manager's rep
    assert words["move"] in await mia.tap("Sam")
    await mia.tap(words["only"])
    assert words["done"] in await mia.tap(words["save"])

    await visit.refresh_from_db()
    await acme.refresh_from_db()
    assert visit.followup_owner_id == team.users["Sam"].id
    assert acme.owner_id == team.users["Li Wei"].id  # only the follow-up moved
    await pushes.drain()
    assert pushes.last(sam).text.splitlines()[0] == words["given"]
    assert "Acme" in await sam.say("/followups")
    assert "Acme" not in await li.say("/followups")
    assert await AuditEvent.filter(action="followup.reassign", entity_id=visit.id).exists()


async def test_reassign_with_the_customer_moves_both(
    team: Team, settings: Settings, clock: FakeClock
) -> None:
    mia, sam = team.chats["Mia"], team.chats["Sam"]
    acme, visit = await overdue_followup(team, "Li Wei", "Acme")
    pushes = Pushes(clock)
    await evening(settings, clock, pushes, 20)
    await mia.send(button=button(pushes.last(mia), "Reassign"))
    await mia.say("Sam")  # typed, as on a numbered channel
    assert "The customer moves too" in await mia.say("The customer too")
    assert WORDS["en"]["done"] in await mia.say("yes")
    await acme.refresh_from_db()
    await visit.refresh_from_db()
    assert acme.owner_id == visit.followup_owner_id == team.users["Sam"].id
    assert await AuditEvent.filter(action="customer.reassign", entity_id=acme.id).exists()
    await pushes.drain()
    assert pushes.last(sam).text.splitlines()[0] == WORDS["en"]["given_all"]


async def test_a_rep_cannot_reassign(team: Team, settings: Settings, clock: FakeClock) -> None:
    _, visit = await overdue_followup(team, "Li Wei", "Acme")
    pushes = Pushes(clock)
    await evening(settings, clock, pushes, 20)
    tap = button(pushes.last(team.chats["Mia"]), "Reassign")
    reply = await team.chats["Sam"].send(button=tap)
    assert reply == "That follow-up is closed already, or no longer in your team."
    await visit.refresh_from_db()
    assert visit.followup_owner_id == team.users["Li Wei"].id


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_the_customers_export_has_an_at_risk_column(
    team: Team, settings: Settings, clock: FakeClock, language: str
) -> None:
    await speak(team, language, "Mia")
    await overdue_followup(team, "Li Wei", "Acme")
    calm, _ = await overdue_followup(team, "Sam", "Calm Co")
    await Visit.filter(customer_id=calm.id).update(next_followup_at=local(21, 9))
    clock.now = local(22, 10)
    mia = team.chats["Mia"]
    await mia.say("/export customers")
    [document] = [r.file for r in mia.replies if r.file is not None]
    sheet = load_workbook(io.BytesIO(document.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    column = header.index(WORDS[language]["header"])
    names = header.index("Name" if language == "en" else "名称")
    marked = {row[names]: row[column] for row in rows[1:]}
    assert marked == {"Acme": WORDS[language]["header"], "Calm Co": None}


def test_the_ladder_settings_are_checked_at_start() -> None:
    defaults = Settings()
    assert (defaults.ladder_manager_days, defaults.ladder_risk_days) == (2, 4)
    with pytest.raises(ValidationError) as bad:
        Settings(CRM_LADDER_MANAGER_DAYS="5", CRM_LADDER_RISK_DAYS="3")
    [line] = describe(bad.value)
    assert line.startswith("CRM_LADDER_RISK_DAYS=3: expected at least CRM_LADDER_MANAGER_DAYS (5)")
    with pytest.raises(ValidationError) as zero:
        Settings(CRM_LADDER_MANAGER_DAYS="0")
    assert describe(zero.value) == [
        "CRM_LADDER_MANAGER_DAYS=0: expected a whole number from 1 to 90"
    ]


async def test_other_thresholds_move_the_steps(team: Team, clock: FakeClock, db_url: str) -> None:
    settings = Settings(
        CRM_DATABASE_URL=db_url,
        CRM_LOCALE="en",
        CRM_TIMEZONE="Asia/Shanghai",
        CRM_LADDER_MANAGER_DAYS="1",
        CRM_LADDER_RISK_DAYS="1",
    )
    await overdue_followup(team, "Li Wei", "Acme")
    pushes = Pushes(clock)
    await evening(settings, clock, pushes, 19)
    assert "• Li Wei · Acme · 1 day overdue · 🚨 at risk" in pushes.last(team.chats["Mia"]).text
