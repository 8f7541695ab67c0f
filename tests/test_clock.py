"""Any calendar date: what the bot shows depends on the injected clock, never on the machine's.

The rest of the suite pins the clock to November 2026; these run the date-rendering paths with the
clock in other years (a new year's first week, a year-end, a leap day), where "this year" means
something else, so a path that read the machine's date would print the wrong year here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import build_engine
from bot.config import Settings
from bot.i18n import Translator
from bot.models import Role, Visit
from bot.services import customers, users
from tests.conftest import Team
from tests.support import Chat, FakeClock

# Shanghai mornings: Monday 4 January 2027, New Year's Eve 2030, a leap day.
ELSEWHEN = [
    datetime(2027, 1, 4, 1, 0, tzinfo=UTC),
    datetime(2030, 12, 31, 1, 0, tzinfo=UTC),
    datetime(2032, 2, 29, 1, 0, tzinfo=UTC),
]


@pytest.fixture(params=ELSEWHEN, ids=lambda moment: moment.date().isoformat())
def clock(request: pytest.FixtureRequest) -> FakeClock:
    return FakeClock(request.param)


def test_the_year_shows_only_when_it_is_not_the_clocks_year() -> None:
    now = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    en = Translator.for_user("en", "Asia/Shanghai", now=now)
    zh = Translator.for_user("zh", "Asia/Shanghai", now=now)
    assert en.datetime(datetime(2027, 1, 5, 7, 0, tzinfo=UTC)) == "Jan 5, 15:00"
    assert en.datetime(datetime(2026, 12, 31, 7, 0, tzinfo=UTC)) == "Dec 31, 2026, 15:00"
    assert zh.datetime(datetime(2027, 1, 5, 7, 0, tzinfo=UTC)) == "1月5日 15:00"
    assert zh.datetime(datetime(2026, 12, 31, 7, 0, tzinfo=UTC)) == "2026年12月31日 15:00"
    # "This year" is the reader's: 31 Dec 20:00 UTC is already 1 January in Shanghai.
    eve = Translator.for_user("en", "Asia/Shanghai", now=datetime(2026, 12, 31, 20, 0, tzinfo=UTC))
    assert eve.datetime(datetime(2027, 1, 1, 2, 0, tzinfo=UTC)) == "Jan 1, 10:00"
    # Without a moment to compare with, a date is never ambiguous: it carries its year.
    assert Translator.for_user("en", "UTC").datetime(now) == "Jan 4, 2027, 01:00"


async def test_visit_summary_and_follow_up_in_another_year(team: Team, clock: FakeClock) -> None:
    li = team.chats["Li Wei"]
    acme = await customers.create_customer(
        team.users["Li Wei"], customers.CustomerDraft(name="Acme Trading Co.")
    )
    local = clock.now.astimezone(Translator.for_user("en", "Asia/Shanghai").timezone)
    await li.say("/visit acme")
    await li.tap("Meeting")
    await li.tap("Now")
    await li.say("They want 200 units")
    reply = await li.say("tomorrow 3pm")
    stamp = f"{local:%b} {local.day}, {local:%H:%M}"
    assert stamp in reply and str(local.year) not in reply, reply
    await li.tap("Save")
    visit = await Visit.get(customer_id=acme.id)
    assert visit.at == clock.now
    assert visit.next_followup_at is not None and visit.next_followup_at > clock.now


async def test_task_due_date_and_chinese_card_in_another_year(team: Team, clock: FakeClock) -> None:
    mia = team.chats["Mia"]
    await mia.say("/task")
    await mia.tap("Li Wei")
    await mia.say("Send the price list")
    reply = await mia.say("tomorrow 3pm")
    assert "Assign this task?" in reply and "Due " in reply
    assert str(clock.now.year) not in reply, reply

    li = team.chats["Li Wei"]
    await li.say("/lang zh")
    await li.say("拜访了Acme")  # quick capture offers to create or pick; nothing is saved
    reply = await li.say("/tasks")
    assert str(clock.now.year) not in reply, reply


async def test_invites_expire_by_the_clock_not_by_the_machine(
    settings: Settings, clock: FakeClock
) -> None:
    engine = build_engine(settings, clock=clock)
    invite = await users.create_invite(None, Role.REP, name="Nina", now=clock.now, days=7)
    clock.advance(days=8)
    late = Chat(engine, external_id="nina")
    assert "not valid or has expired" in await late.say(f"/start {invite.code}")
