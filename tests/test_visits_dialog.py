"""/visit and /followups: log right after the visit, see what is due, survive restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_engine
from bot.config import Settings
from bot.models import Customer, DialogState, User, Visit, VisitKind
from bot.services.errors import NotFound
from bot.services.records import customers, visits
from tests.conftest import Team
from tests.support import Chat, FakeClock


async def own_customer(team: Team, who: str, name: str) -> Customer:
    return await customers.create_customer(team.users[who], customers.CustomerDraft(name=name))


async def test_visit_with_buttons_and_chinese_follow_up(team: Team, clock: FakeClock) -> None:
    li = team.chats["Li Wei"]
    acme = await own_customer(team, "Li Wei", "Acme Trading Co.")
    reply = await li.say("/visit acme")
    assert "Acme Trading Co.: what kind of contact?" in reply
    await li.tap("Meeting")
    assert "When was it?" in li.text
    await li.say("yesterday 3pm")
    await li.say("They want 200 units, price too high")
    reply = await li.say("下周五下午3点")
    assert "Save this?" in reply and "Meeting" in reply
    assert "Nov 17, 15:00" in reply and "Next follow-up: Nov 27, 15:00" in reply
    assert await Visit.all().count() == 0
    reply = await li.tap("Save")
    assert reply.startswith("Logged.")
    visit = await Visit.get(customer_id=acme.id)
    assert visit.kind == "meeting"
    assert visit.at == datetime(2026, 11, 17, 7, 0, tzinfo=UTC)
    assert visit.next_followup_at == datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    assert visit.followup_owner_id == team.users["Li Wei"].id
    assert (await Customer.get(id=acme.id)).last_contact_at == visit.at


async def test_visit_picks_among_several_and_attaches_location(team: Team) -> None:
    li = team.chats["Li Wei"]
    await own_customer(team, "Li Wei", "Acme Trading Co.")
    robotics = await own_customer(team, "Li Wei", "Acme Robotics")
    reply = await li.say("/visit")
    assert "Which customer?" in reply
    reply = await li.say("acme")
    assert "2 customers match “acme”" in reply
    await li.tap("Acme Robotics")
    await li.say("1")  # Visit
    reply = await li.share_location(31.23, 121.47)
    assert "Location attached" in reply and "When was it?" in reply
    await li.tap("Now")
    await li.say("Demo of the new line")
    await li.tap("Skip")
    assert "📍 Location attached" in li.text
    await li.tap("Save")
    visit = await Visit.get(customer_id=robotics.id)
    assert (visit.latitude, visit.longitude) == (31.23, 121.47)
    assert visit.next_followup_at is None


async def test_bad_dates_are_explained_and_asked_again(team: Team) -> None:
    li = team.chats["Li Wei"]
    await own_customer(team, "Li Wei", "Initech")
    await li.say("/visit initech")
    await li.tap("Call")
    reply = await li.say("whenever")
    assert "I could not read that date" in reply and "When was it?" in reply
    reply = await li.say("tomorrow 10am")
    assert "That is in the future" in reply
    await li.say("今天上午9点")
    await li.say("Quick call")
    reply = await li.say("yesterday")
    assert "must be in the future" in reply
    await li.say("明天下午三点")
    assert "Next follow-up: Nov 19, 15:00" in li.text


async def test_restart_in_the_middle_of_a_visit_continues(
    team: Team, settings: Settings, clock: FakeClock
) -> None:
    await own_customer(team, "Li Wei", "Acme Trading Co.")
    li = team.chats["Li Wei"]
    await li.say("/visit acme")
    await li.tap("Call")
    kept_button = li.button("Now")
    assert await DialogState.filter(dialog="visit", step="at").count() == 1

    restarted = build_engine(settings, clock=clock)  # a new process: nothing in memory
    li2 = Chat(restarted, li.external_id)
    li2.replies = li.replies
    reply = await li2.send(button=kept_button)
    assert "What happened?" in reply
    await li2.say("Talked about the renewal")
    await li2.tap("Skip")
    await li2.tap("Save")
    assert await Visit.filter(kind="call", notes="Talked about the renewal").count() == 1


async def test_idle_dialog_expires_with_a_notice(team: Team, clock: FakeClock) -> None:
    await own_customer(team, "Li Wei", "Acme Trading Co.")
    li = team.chats["Li Wei"]
    await li.say("/visit acme")
    stale = li.button("Call")
    clock.advance(minutes=31)
    reply = await li.say("Call")
    assert "expired after 30 minutes" in reply and "nothing was saved" in reply
    assert "I did not get that" in reply
    assert "earlier question" in await li.send(button=stale)
    assert await Visit.all().count() == 0


async def test_stale_and_forged_buttons_change_nothing(team: Team) -> None:
    await own_customer(team, "Li Wei", "Acme Trading Co.")
    li = team.chats["Li Wei"]
    await li.say("/visit acme")
    old = li.button("Call")
    await li.tap("Call")
    assert "earlier question" in await li.send(button=old)
    assert "what kind of contact?" in await li.say("/back")
    for forged in ("c:zzz:save", "x:1", "a:nope:1", "", "a:cust:abc", "c::"):
        reply = await li.send(button=forged)
        assert "button" in reply.lower(), (forged, reply)
    assert await Visit.all().count() == 0


async def test_followups_today_and_overdue_for_rep_and_manager(
    team: Team, clock: FakeClock
) -> None:
    li, sam, mia = team.chats["Li Wei"], team.chats["Sam"], team.chats["Mia"]
    for chat, who, name, when in (
        (li, "Li Wei", "Acme Trading Co.", "today 6pm"),
        (li, "Li Wei", "Globex", "tomorrow 10am"),
        (sam, "Sam", "Initech", "today 5pm"),
    ):
        await own_customer(team, who, name)
        await chat.say(f"/visit {name}")
        await chat.tap("Call")
        await chat.tap("Now")
        await chat.say("Called")
        await chat.say(when)
        await chat.tap("Save")
    await own_customer(team, "Olga", "Hooli")
    clock.advance(days=1)  # Acme and Initech are now overdue, Globex due today

    reply = await li.say("/followups")
    assert "2 follow-ups due · 1 overdue" in reply
    assert "⚠️ Acme Trading Co." in reply and "• Globex" in reply and "Initech" not in reply
    reply = await mia.say("/followups")
    assert "3 follow-ups due · 2 overdue" in reply and "(Sam)" in reply and "(Li Wei)" in reply
    assert "No follow-ups due today" in await team.chats["Olga"].say("/followups")

    reply = await li.tap("Globex")
    assert "🏢 Globex" in reply and "Next follow-up" in reply
    await li.tap("Log a visit")
    await li.tap("Visit")
    await li.tap("Now")
    await li.say("Done")
    await li.tap("Skip")
    await li.tap("Save")
    assert "1 follow-up due · 1 overdue" in await li.say("/followups")


async def test_followups_are_paged(team: Team, clock: FakeClock) -> None:
    rep: User = team.users["Li Wei"]
    for n in range(11):
        customer = await own_customer(team, "Li Wei", f"Customer {n:02d}")
        await Visit.create(
            customer=customer,
            user=rep,
            at=clock.now,
            notes="x",
            next_followup_at=clock.now,
            followup_owner=rep,
        )
    clock.advance(hours=1)
    li = team.chats["Li Wei"]
    reply = await li.say("/followups")
    assert "11 follow-ups due" in reply and "Customer 07" in reply and "Customer 08" not in reply
    reply = await li.tap("More")
    assert "Customer 08" in reply and "Customer 10" in reply and "Customer 00" not in reply


async def test_a_new_contact_closes_open_follow_ups_and_last_contact_never_goes_back(
    team: Team, clock: FakeClock
) -> None:
    li = team.users["Li Wei"]
    acme = await customers.create_customer(li, customers.CustomerDraft("Acme Trading"))
    local = clock.now.astimezone(ZoneInfo("Asia/Shanghai"))  # the zone dialogs hand over
    first = await visits.log_visit(
        li,
        visits.VisitDraft(
            acme.id, VisitKind.CALL, local, next_followup_at=local + timedelta(days=2)
        ),
        now=clock.now,
    )
    assert (await Customer.get(id=acme.id)).last_contact_at == clock.now
    earlier = visits.VisitDraft(acme.id, VisitKind.VISIT, local - timedelta(days=1))
    await visits.log_visit(li, earlier, now=clock.now)
    assert (await Customer.get(id=acme.id)).last_contact_at == clock.now, "not moved back"
    assert (await Visit.get(id=first.id)).followup_done_at == clock.now
    assert (await Visit.get(id=first.id)).followup_owner_id == li.id
    with pytest.raises(NotFound):
        await visits.log_visit(team.users["Sam"], earlier, now=clock.now)
