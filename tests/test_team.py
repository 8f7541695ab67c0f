"""Running the team from the chat: /invite, /team, a person's card, and /help by role."""

from __future__ import annotations

import re

import pytest

from bot.buttons import Action, pack
from bot.models import AuditEvent, Customer, Invite, Role, User, Visit
from bot.services.errors import PermissionDenied
from bot.services.people import users
from bot.services.records import customers
from tests.conftest import START, Team
from tests.support import Chat


def _code(text: str) -> str:
    found = re.search(r"绑定 ([A-Z0-9]{8})", text)
    assert found, text
    return found.group(1)


async def test_an_invite_made_in_the_chat_is_redeemed_by_a_new_chat(team: Team) -> None:
    admin = team.chats["admin"]
    assert "As what?" in await admin.say("/invite")
    assert "Who is their manager?" in await admin.tap("sales rep")
    assert "Their name?" in await admin.tap("Mia")
    text = await admin.say("Nina")
    assert "Role: sales rep" in text and "Manager: Mia" in text and "Name: Nina" in text
    assert not await Invite.filter(name="Nina").exists()  # nothing before the confirmation
    text = await admin.tap("Create invite")
    assert "/start " in text and "WeChat / WeCom: send 绑定" in text
    code = _code(text)
    event = await AuditEvent.filter(action="invite.create").order_by("-id").first()
    assert event is not None
    assert event.actor_id == team.users["admin"].id and event.after["name"] == "Nina"

    nina = Chat(team.engine, external_id="nina-wechat", channel="wechat", name="nina")
    assert "Nina" in await nina.say(f"绑定 {code}")
    user = await User.get(name="Nina")
    assert (user.role, user.manager_id) == (Role.REP, team.users["Mia"].id)

    team_text = await team.chats["Mia"].say("/team")
    assert "Nina · sales rep · under Mia · wechat · 0 visits this week" in team_text


async def test_the_deep_link_is_offered_when_the_bot_username_is_known(team: Team) -> None:
    team.engine.settings = team.engine.settings.model_copy(
        update={"telegram_bot_username": "acme_crm_bot"}
    )
    admin = team.chats["admin"]
    await admin.say("/invite")
    await admin.tap("finance")
    await admin.say("skip")
    text = await admin.tap("Create invite")
    assert f"https://t.me/acme_crm_bot?start={_code(text)}" in text


async def test_a_manager_invites_reps_into_their_own_team_only(team: Team) -> None:
    mia = team.chats["Mia"]
    assert "Their name?" in await mia.say("/invite")  # no role to choose: reps only
    await mia.say("跳过")
    text = await mia.tap("Create invite")
    invite = await Invite.get(code=_code(text))
    assert (invite.role, invite.manager_id) == (Role.REP, team.users["Mia"].id)

    with pytest.raises(PermissionDenied):
        await users.create_invite(team.users["Mia"], Role.ADMIN, now=START)
    with pytest.raises(PermissionDenied):
        await users.create_invite(
            team.users["Mia"], Role.REP, manager_id=team.users["Otto"].id, now=START
        )
    with pytest.raises(PermissionDenied):
        await users.create_invite(team.users["Li Wei"], Role.REP, now=START)
    assert "Only admins and managers invite" in await team.chats["Li Wei"].say("/invite")


async def test_team_lists_whom_one_may_see_with_visits_this_week(team: Team) -> None:
    li = team.users["Li Wei"]
    acme = await customers.create_customer(li, customers.CustomerDraft("Acme"))
    now = team.engine.clock()
    await Visit.create(customer_id=acme.id, user_id=li.id, at=now, notes="hi")
    text = await team.chats["Mia"].say("/team")
    assert text.startswith("3 people")
    assert "Li Wei · sales rep · under Mia · console · 1 visit this week" in text
    assert "Olga" not in text
    admin_text = await team.chats["admin"].say("/team")
    assert "Olga" in admin_text and "6 people" in admin_text
    assert "Only managers and admins" in await team.chats["Sam"].say("/team")


async def test_an_admin_changes_a_role_and_deactivates_with_a_handover(team: Team) -> None:
    admin = team.chats["admin"]
    sam, li = team.users["Sam"], team.users["Li Wei"]
    await customers.create_customer(sam, customers.CustomerDraft("Sam Corp"))
    await admin.say("/team")
    text = await admin.tap("Sam")
    assert "Sam · sales rep" in text and "1 customer" in text
    assert "Sam is sales rep now" in await admin.tap("Change role")
    assert "sales rep → manager" in await admin.tap("manager")
    assert (await User.get(id=sam.id)).role == Role.REP
    await admin.tap("Save")
    assert (await User.get(id=sam.id)).role == Role.MANAGER
    event = await AuditEvent.get(action="user.role")
    assert (event.before, event.after) == ({"role": "rep"}, {"role": "manager"})

    await admin.send(button=pack(Action("person", f"{sam.id}")))
    assert "public pool?" in await admin.tap("Deactivate")
    assert "Who takes over" in await admin.tap("Hand them to someone")
    text = await admin.tap("Li Wei")
    assert "Deactivate Sam?" in text
    text = await admin.tap("Deactivate Sam")
    assert "Sam is deactivated" in text and "1 customers" in text
    assert not (await User.get(id=sam.id)).active
    assert await Customer.filter(owner_id=li.id, name="Sam Corp").exists()
    assert await AuditEvent.filter(action="user.handover", actor_id=team.users["admin"].id).exists()


async def test_a_manager_sees_a_card_but_cannot_change_people(team: Team) -> None:
    mia = team.chats["Mia"]
    text = await mia.send(button=pack(Action("person", f"{team.users['Sam'].id}")))
    assert "Sam · sales rep" in text and "Change role" not in text
    assert "Only admins" in await mia.send(button=pack(Action("prole", f"{team.users['Sam'].id}")))
    assert "Not found" in await mia.send(button=pack(Action("person", f"{team.users['Olga'].id}")))


async def test_help_shows_each_role_what_it_has(team: Team) -> None:
    rep = await team.chats["Li Wei"].say("/help")
    for hidden in ("/invite", "/team", "/payment", "/approvals", "/task "):
        assert hidden not in rep
    assert "/visit" in rep and "/tasks" in rep
    manager = await team.chats["Mia"].say("/help")
    assert "/invite" in manager and "/team" in manager and "/payment" not in manager
    admin = await team.chats["admin"].say("/help")
    assert all(c in admin for c in ("/invite", "/team", "/payment", "/approvals"))


async def test_a_rep_invited_without_a_manager_is_warned_of_in_both_languages(team: Team) -> None:
    admin = team.chats["admin"]
    await admin.say("/invite")
    await admin.tap("sales rep")
    assert "Who is their manager?" in admin.text
    await admin.tap("No manager")
    text = await admin.say("Nora")
    assert "No manager: requests by Nora" in text and "nobody to approve" in text
    text = await admin.tap("Create invite")
    assert "No manager: requests by Nora" in text
    assert (await Invite.get(code=_code(text))).manager_id is None

    await admin.say("/lang zh")
    await admin.say("/invite")
    await admin.tap("销售代表")
    await admin.tap("没有经理")
    text = await admin.say("跳过")
    assert "没有经理：" in text and "没有人可以审批" in text
    assert "没有经理：" in await admin.tap("创建邀请")


async def test_forged_or_oversized_ids_in_team_buttons_answer_one_line(team: Team) -> None:
    admin = team.chats["admin"]
    for forged in ("²", "¹²", "9" * 20, "-3", "", "1e3"):
        for name in ("person", "prole", "pmgr", "pdeact"):
            text = await admin.send(button=pack(Action(name, forged)))
            assert text == "That button is not valid any more.", (name, forged, text)
    assert "people" in await admin.send(button=pack(Action("team", "²")))

    await admin.send(button=pack(Action("pmgr", str(team.users["Sam"].id))))
    real = admin.button("Otto")
    token = real.split(":")[1]
    for forged in ("²", "9" * 20, f"page:{'9' * 20}", "page:³"):
        text = await admin.send(button=f"1c:{token}:{forged}")
        assert "Please tap one of the names listed." in text and "Who should manage Sam" in text
    assert "Mia → Otto" in await admin.tap("Otto")


async def test_a_manager_from_the_persons_own_team_is_refused_when_picked(team: Team) -> None:
    admin = team.chats["admin"]
    mia = team.users["Mia"]
    await User.filter(id=team.users["Sam"].id).update(role=Role.MANAGER)  # Sam is under Mia
    await admin.send(button=pack(Action("pmgr", str(mia.id))))
    text = await admin.tap("Sam")
    assert "Mia cannot manage their own manager. Pick someone else." in text
    assert "Who should manage Mia?" in text
    assert "→ Otto" in await admin.tap("Otto")
    await admin.tap("Save")
    assert (await User.get(id=mia.id)).manager_id == team.users["Otto"].id


async def test_typed_superscripts_and_huge_numbers_keep_the_question(team: Team) -> None:
    admin = team.chats["admin"]
    await admin.say("/invite")
    await admin.tap("sales rep")
    for typed in ("²", "99999999999999999999", "0", "-1"):
        text = await admin.say(typed)
        assert "Please tap one of the names listed." in text, (typed, text)
        assert "Who is their manager?" in text
    assert "Their name?" in await admin.say("1")  # the first button's number still works
