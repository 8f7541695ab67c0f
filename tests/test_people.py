"""Invites, strangers, permissions and handover: who may see what, and nothing lost on leaving."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.buttons import Action, pack
from bot.models import AuditEvent, ChannelIdentity, Customer, DialogState, Invite, Role, User, Visit
from bot.services.errors import NotFound, PermissionDenied
from bot.services.people import users
from bot.services.records import customers, visits
from tests.conftest import PG_URL, START, Team
from tests.support import Chat, FakeClock


async def test_a_stranger_learns_nothing_and_leaves_no_trace(team: Team) -> None:
    await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft("Acme Trading"))
    stranger = Chat(team.engine, external_id="who-knows", name="Eve")
    states_before = await DialogState.all().count()
    polite = "Hello! This is a private sales bot. Please ask your admin for an invite."
    assert await stranger.say("/customer acme") == polite
    for text in ("/visit", "hello", "/followups", "/start", "1"):  # once per ten minutes
        assert await stranger.say(text) == ""
    assert await stranger.send(button=pack(Action("cust", "1"))) == ""
    assert "not valid or has expired" in await stranger.say("/start NOPE1234")
    assert await DialogState.all().count() == states_before
    assert not await ChannelIdentity.filter(external_id="who-knows").exists()


async def test_the_same_account_id_on_another_channel_is_a_stranger(team: Team) -> None:
    """A chat is its channel and its id: a WeChat account whose id happens to be a Telegram
    user's id reads nothing of that user's, and leaves their dialog where it was."""
    invite = await users.create_invite(
        None, Role.REP, manager_id=team.users["Mia"].id, name="Tom", now=START
    )
    tom = Chat(team.engine, external_id="5551234", channel="telegram", name="Tom")
    assert "Welcome, Tom!" in await tom.say(f"/start {invite.code}")
    await customers.create_customer(await User.get(name="Tom"), customers.CustomerDraft("Acme"))
    assert "🏢 Acme" in await tom.say("/customer acme")
    assert "Meeting" in await tom.say("/visit acme")

    twin = Chat(team.engine, external_id="5551234", channel="wechat", name="Eve")
    polite = "你好！这是内部销售机器人，请向管理员索取邀请。"
    assert await twin.say("/customer acme") == polite
    for text in ("Acme", "/followups", "/help", "1"):  # once per ten minutes
        assert await twin.say(text) == "", text
    assert await twin.send(button=tom.button("Meeting")) == ""
    assert not await DialogState.filter(channel="wechat").exists()
    assert not await ChannelIdentity.filter(channel="wechat").exists()
    assert "When" in await tom.tap("Meeting"), "Tom's own dialog went on untouched"


async def test_invite_codes_work_once_and_expire(team: Team, clock: FakeClock) -> None:
    invite = await users.create_invite(
        None, Role.REP, manager_id=team.users["Mia"].id, name="Nina", now=clock.now
    )
    nina = Chat(team.engine, external_id="nina", name="nina_tg")
    assert "Welcome, Nina!" in await nina.say(f"/start {invite.code.lower()}")
    assert "/newcustomer" in nina.text
    user = await User.get(name="Nina")
    assert (user.role, user.manager_id) == (Role.REP, team.users["Mia"].id)
    again = Chat(team.engine, external_id="someone-else")
    assert "already used" in await again.say(f"/start {invite.code}")
    assert "already registered" in await nina.say(f"/start {invite.code}")

    old = await users.create_invite(None, Role.REP, now=clock.now - timedelta(days=8))
    assert await again.say(f"/start {old.code}") == "", "a wrong code is told once a while"
    clock.advance(minutes=10)
    assert "has expired" in await again.say(f"/start {old.code}")
    assert await Invite.filter(used_at__isnull=True).count() == 1


async def test_an_invite_is_refused_from_the_instant_it_expires(
    team: Team, clock: FakeClock
) -> None:
    invite = await users.create_invite(None, Role.REP, name="Nina", days=1, now=clock.now)
    late = await users.create_invite(None, Role.REP, name="Noah", days=1, now=clock.now)
    clock.advance(days=1)
    assert (await Invite.get(id=invite.id)).expires_at == clock.now
    nina = Chat(team.engine, external_id="nina", name="nina_tg")
    assert "has expired" in await nina.say(f"/start {invite.code}")
    assert not await User.filter(name="Nina").exists()
    assert await Invite.filter(id=invite.id, used_at__isnull=True).exists()

    clock.advance(seconds=-1)  # a second earlier the other code still works
    noah = Chat(team.engine, external_id="noah", name="noah_tg")
    assert "Welcome, Noah!" in await noah.say(f"/start {late.code}")


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
@pytest.mark.skipif(not PG_URL, reason="concurrent turns need PostgreSQL")
async def test_one_code_redeemed_by_four_at_once_on_postgres_makes_one_user(team: Team) -> None:
    """Four people tap the same invite link at the same moment (on PostgreSQL each turn is a
    transaction of its own): the code makes one user, the others are told it is used up."""
    for round_ in range(3):  # three codes: one lucky interleaving proves nothing
        name = f"Pat {round_}"
        invite = await users.create_invite(None, Role.REP, name=name, now=START)
        people = [
            Chat(team.engine, external_id=f"tg-{round_}-{n}", channel="telegram", name=f"p{n}")
            for n in range(4)
        ]
        answers = await asyncio.gather(*(p.say(f"/start {invite.code}") for p in people))
        welcomed = [a for a in answers if f"Welcome, {name}!" in a]
        refused = [a for a in answers if "already used" in a]
        assert (len(welcomed), len(refused)) == (1, 3), answers
        assert await User.filter(name=name).count() == 1
        user = await User.get(name=name)
        assert await ChannelIdentity.filter(user_id=user.id).count() == 1
        assert (await Invite.get(id=invite.id)).used_by_id == user.id
        assert await AuditEvent.filter(action="invite.redeem", entity_id=user.id).count() == 1


async def test_admins_invite_anyone_managers_reps_into_their_team(team: Team) -> None:
    with pytest.raises(PermissionDenied):
        await users.create_invite(team.users["Mia"], Role.MANAGER, now=START)
    with pytest.raises(PermissionDenied):
        await users.create_invite(team.users["Sam"], Role.REP, now=START)
    assert (
        await users.create_invite(team.users["Mia"], Role.REP, now=START)
    ).manager_id == team.users["Mia"].id
    assert await users.create_invite(team.users["admin"], Role.ADMIN, now=START)


async def test_a_rep_cannot_reach_another_reps_customer_through_any_command(team: Team) -> None:
    sams = await customers.create_customer(team.users["Sam"], customers.CustomerDraft("Sam Corp"))
    li = team.chats["Li Wei"]
    assert "No customer of yours matches" in await li.say("/customer sam corp")
    assert "Not found" in await li.send(button=pack(Action("cust", f"{sams.id}")))
    assert "Not found" in await li.send(button=pack(Action("visit", f"{sams.id}")))
    assert "Not found" in await li.send(button=pack(Action("contact", f"{sams.id}")))
    assert "Not found" in await li.say(f"/visit {sams.id}")
    await li.say("/visit")
    assert "No customer of yours matches" in await li.say("Sam Corp")
    await li.say("/contact")
    assert "No customer of yours matches" in await li.say("Sam")
    assert "Sam Corp" not in await li.say("/followups")

    rep = team.users["Li Wei"]
    with pytest.raises(NotFound):
        await customers.card(rep, sams.id, today=START.date())
    with pytest.raises(NotFound):
        await customers.add_contact(rep, sams.id, customers.ContactDraft("X"))
    with pytest.raises(NotFound):
        await visits.log_visit(
            rep, visits.VisitDraft(sams.id, "call", team.engine.clock()), now=START
        )
    with pytest.raises(PermissionDenied):
        await customers.reassign(rep, sams.id, rep.id)
    assert await Visit.all().count() == 0


async def test_managers_see_their_team_and_admins_everything(team: Team) -> None:
    await customers.create_customer(team.users["Sam"], customers.CustomerDraft("Sam Corp"))
    await customers.create_customer(team.users["Olga"], customers.CustomerDraft("Olga Ltd"))
    assert "🏢 Sam Corp" in await team.chats["Mia"].say("/customer sam")
    assert "No customer of your team matches “olga”" in await team.chats["Mia"].say(
        "/customer olga"
    )
    assert "🏢 Olga Ltd" in await team.chats["Otto"].say("/customer olga")
    assert "🏢 Olga Ltd" in await team.chats["admin"].say("/customer olga")


async def test_manager_reassigns_within_team_audited(team: Team) -> None:
    sams = await customers.create_customer(team.users["Sam"], customers.CustomerDraft("Sam Corp"))
    with pytest.raises(NotFound):
        await customers.reassign(team.users["Mia"], sams.id, team.users["Olga"].id)
    await customers.reassign(team.users["Mia"], sams.id, team.users["Li Wei"].id)
    assert (await Customer.get(id=sams.id)).owner_id == team.users["Li Wei"].id
    event = await AuditEvent.get(action="customer.reassign")
    assert event.before == {"owner_id": team.users["Sam"].id}
    assert event.actor_id == team.users["Mia"].id


async def test_handover_moves_everything_and_loses_nothing(team: Team, clock: FakeClock) -> None:
    sam, li = team.users["Sam"], team.users["Li Wei"]
    made = [
        await customers.create_customer(sam, customers.CustomerDraft(f"Client {n}"))
        for n in range(5)
    ]
    for customer in made[:3]:
        await visits.log_visit(
            sam,
            visits.VisitDraft(
                customer.id,
                "call",
                clock.now,
                notes="hi",
                next_followup_at=clock.now + timedelta(days=1),
            ),
            now=clock.now,
        )
    result = await users.deactivate(
        sam.id, handover_to=li.id, actor_id=team.users["admin"].id, now=START
    )
    assert (result.customers, result.followups) == (5, 3)
    assert await Customer.filter(owner_id=li.id).count() == 5
    assert await Customer.filter(owner_id=sam.id).count() == 0
    assert await Visit.filter(followup_owner_id=li.id, followup_done_at__isnull=True).count() == 3
    assert await Visit.filter(user_id=sam.id).count() == 3, "history keeps who logged it"
    assert not (await User.get(id=sam.id)).active
    event = await AuditEvent.get(action="user.handover")
    assert event.after and sorted(event.after["customer_ids"]) == sorted(c.id for c in made)
    polite = "Hello! This is a private sales bot. Please ask your admin for an invite."
    assert await team.chats["Sam"].say("/followups") == polite
    clock.advance(days=2)
    assert "3 follow-ups due" in await team.chats["Li Wei"].say("/followups")


async def test_handover_is_all_or_nothing(team: Team) -> None:
    sam = team.users["Sam"]
    await customers.create_customer(sam, customers.CustomerDraft("Client"))
    from bot.services.errors import InvalidInput

    with pytest.raises(InvalidInput):
        await users.deactivate(sam.id, handover_to=99999, now=START)
    with pytest.raises(InvalidInput):
        await users.deactivate(sam.id, handover_to=sam.id, now=START)
    assert (await User.get(id=sam.id)).active
    assert await Customer.filter(owner_id=sam.id).count() == 1


async def test_language_and_time_zone_per_user(team: Team) -> None:
    li = team.chats["Li Wei"]
    assert "中文" in await li.say("/lang")
    assert await li.tap("中文") == "语言已设置为中文。"
    assert "新客户" in await li.say("/newcustomer")
    await li.say("/cancel")
    assert await li.say("/lang en") == "Language set to English."
    assert "Europe/Berlin" in await li.say("/tz berlin")
    assert (await User.get(id=team.users["Li Wei"].id)).timezone == "Europe/Berlin"
    assert "I do not know the time zone" in await li.say("/tz Mars/Olympus")
    await li.say("/tz")
    assert "Time zone set to Asia/Singapore." in await li.tap("Asia/Singapore")
