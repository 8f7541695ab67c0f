"""The customer dialogs as a new user meets them: names refused when they arrive, one tap to
save, one phone form, searches that say what they searched and what the person can see, and
odd ids that never break a dialog."""

from __future__ import annotations

import pytest

from bot.buttons import Action, Choice, pack, unpack
from bot.dialogs.common import REFUSALS, refusal
from bot.models import Contact, Customer, Role
from bot.services.errors import InvalidInput
from bot.services.people import users
from bot.services.records import customers
from tests.conftest import Team
from tests.support import Chat

SORRY = "something went wrong"


@pytest.mark.parametrize("name", ["😀😀", "!!!", "A" * 300])
async def test_a_bad_name_with_the_command_is_refused_at_once(team: Team, name: str) -> None:
    li = team.chats["Li Wei"]
    reply = await li.say(f"/newcustomer {name}")
    assert "What is the company called?" in reply
    assert "not only punctuation" in reply or "at most 200" in reply
    assert "name_empty" not in reply and "name_too_long" not in reply
    assert "first question" in await li.say("/back")
    assert "Phone number?" in await li.say("Initech")
    reply = await li.tap("Back")  # the typed name can be fixed
    assert "What is the company called?" in reply and "✓ Initech" in reply
    assert "Phone number?" in await li.say("Initech Corp")
    await li.tap("Skip")
    assert "Saved: Initech Corp" in await li.tap("Save now")
    assert await Customer.all().count() == 1


async def test_a_bad_name_is_refused_in_chinese_too(team: Team) -> None:
    li = team.chats["Li Wei"]
    await li.say("/lang zh")
    reply = await li.say("/newcustomer ！！！")
    assert "name_empty" not in reply and "操作失败" not in reply
    assert "公司名称是什么？" in reply
    reply = await li.say("😀")
    assert "name_empty" not in reply and "操作失败" not in reply


async def test_save_now_saves_on_the_first_tap_with_one_phone_form(team: Team) -> None:
    li = team.chats["Li Wei"]
    await li.say("/newcustomer Globex")
    await li.say("13800138000")
    saved = await li.tap("Save now")
    assert "✅ Saved: Globex" in saved and "Phone: +86 138 0013 8000" in saved
    assert "✅ Save\n" not in saved and await Customer.filter(name="Globex").count() == 1
    card = await li.say("/customer globex")
    assert "Phone: +86 138 0013 8000" in card and "+8613800138000" not in card

    await li.say("/contact globex")
    await li.say("Wang Fang")
    await li.tap("Skip")
    await li.say("139 1111 2222")
    summary = await li.tap("Skip")
    assert "Phone: +86 139 1111 2222" in summary
    await li.tap("Save")
    card = await li.say("/customer globex")
    assert "👤 Wang Fang, +86 139 1111 2222" in card
    assert await Contact.filter(phone="+8613911112222").count() == 1


async def test_an_argument_that_finds_nothing_is_said_and_asked_again(team: Team) -> None:
    li = team.chats["Li Wei"]
    await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft("Acme Ltd"))
    reply = await li.say("/visit delta")
    assert "No customer of yours matches “delta”" in reply and "Which customer?" in reply
    assert "what kind of contact?" in await li.say("acme")

    for command in ("/contact delta", "/deal delta", "/customer delta"):
        reply = await li.say(command)
        assert "matches “delta”" in reply and "Which customer?" in reply, command

    await li.say("/lang zh")
    reply = await li.say("/visit delta")
    assert "「delta」" in reply and "哪个客户" in reply


async def test_a_search_says_what_the_searcher_can_see(team: Team) -> None:
    await customers.create_customer(team.users["Olga"], customers.CustomerDraft("Olga Ltd"))
    assert "No customer of yours matches “zzz”" in await team.chats["Li Wei"].say("/customer zzz")
    mia = await team.chats["Mia"].say("/customer zzz")
    assert "No customer of your team matches “zzz”" in mia
    admin = await team.chats["admin"].say("/customer zzz")
    assert "No customer matches “zzz”" in admin and "of your" not in admin
    finance = await team.join("Fay", Role.FINANCE)
    reply = await finance.say("/customer zzz")
    assert "No customer matches “zzz”" in reply and "of your" not in reply
    await team.chats["Mia"].say("/lang zh")
    assert "你团队的客户中没有匹配" in await team.chats["Mia"].say("/customer zzz")


async def test_an_unknown_language_says_which_exist(team: Team) -> None:
    li = team.chats["Li Wei"]
    reply = await li.say("/lang fr")
    assert "I do not speak “fr”" in reply and "/lang en" in reply and "/lang zh" in reply
    assert "Language set" not in reply and "Which language?" in reply
    assert await li.say("中文") == "语言已设置为中文。"
    reply = await li.say("/lang klingon")
    assert "我不会说“klingon”" in reply and "英文（/lang en）" in reply
    assert "Language set to English." in await li.say("/lang en")


async def test_an_invite_used_twice_says_so(team: Team) -> None:
    invite = await users.create_invite(
        None, Role.REP, manager_id=team.users["Mia"].id, name="Nina", now=team.engine.clock()
    )
    assert "Welcome" in await Chat(team.engine, external_id="nina").say(f"/start {invite.code}")
    reply = await Chat(team.engine, external_id="eve").say(f"/start {invite.code}")
    assert "already used" in reply and "not valid" not in reply
    reply = await Chat(team.engine, external_id="wx-eve", channel="wechat").say(
        f"绑定 {invite.code}"
    )
    assert "已经用过" in reply


@pytest.mark.parametrize("odd", ["²", "²³", "99999999999999999999", "０", "-1", "1e3"])
async def test_odd_ids_typed_or_in_buttons_never_break_a_dialog(team: Team, odd: str) -> None:
    li = team.chats["Li Wei"]
    acme = await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft("Acme"))
    for command in ("visit", "contact", "deal", "customer"):
        reply = await li.say(f"/{command} {odd}")
        assert SORRY not in reply and "Which customer?" in reply, (command, reply)
        assert "what kind of contact?" in await li.say("acme") or command != "visit"
    await li.say("/cancel")
    for name in ("cust", "visit", "contact", "hist", "cedit", "cmerge"):
        reply = await li.send(button=pack(Action(name, odd)))
        assert SORRY not in reply and "Traceback" not in reply, (name, reply)
    page = await li.send(button=pack(Action("hist", f"{acme.id}:{odd}")))
    assert "not valid any more" in page or (odd == "０" and "nothing recorded yet" in page)

    await li.say("/newcustomer ACME")
    await li.tap("Skip")  # phone; "Acme" may already exist
    token = unpack(li.button("No, it is a new customer"))
    assert isinstance(token, Choice)
    reply = await li.send(button=pack(Choice(token.token, f"open:{odd}")))
    assert SORRY not in reply and "Please pick one of the options." in reply
    assert "Address?" in await li.tap("No, it is a new customer")


def test_every_refusal_of_the_customer_services_is_a_sentence() -> None:
    class Reader:
        def _(self, text: str) -> str:
            return text

    for code in REFUSALS:
        text = refusal(Reader(), InvalidInput(code))  # type: ignore[arg-type]
        assert code not in text and text.endswith(".")
    unknown = refusal(Reader(), InvalidInput("some_new_code"))  # type: ignore[arg-type]
    assert "some_new_code" not in unknown


async def test_an_edit_refuses_bad_values_in_sentences_in_both_languages(team: Team) -> None:
    acme = await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft("Acme"))
    li = team.chats["Li Wei"]
    await li.send(button=pack(Action("cedit", str(acme.id))))
    assert "Name now: Acme" in await li.tap("Name")
    assert "Please type the new value." in await li.say("!!!")
    assert "not only punctuation" in await li.say("“…”?")
    reply = await li.say("B" * 250)
    assert "at most 200" in reply and "name_too_long" not in reply
    assert "Acme → Acme Holdings" in await li.say("Acme Holdings")
    assert "✅ Saved." in await li.tap("Save")

    await li.say("/lang zh")
    await li.send(button=pack(Action("cedit", str(acme.id))))
    await li.say("1")  # the first field: the name
    for bad in ("！！！", "😀", "B" * 250):
        reply = await li.say(bad)
        assert "_" not in reply.split("\n")[0] and "操作失败" not in reply, reply
    assert (await Customer.get(id=acme.id)).name == "Acme Holdings"
