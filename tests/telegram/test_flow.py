"""A team on Telegram, as people use it on their phones, against the fake Bot API over HTTP."""

from __future__ import annotations

from bot.buttons import Action, Choice, Move, Nav, pack, unpack
from bot.models import ChannelIdentity, Customer, Role, Visit
from bot.services.records import customers
from tests.conftest import Team
from tests.telegram.conftest import Phone, Telegram, join
from tests.telegram.fake_bot_api import FakeBotApi, Person

TOM = Person(501, "Tom", "Berg", username="tomb")
EVE = Person(502, "Eve", language_code="zh-hans")


async def test_invite_newcustomer_visit_followups(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await customers.create_customer(
        team.users["Li Wei"], customers.CustomerDraft(name="Acme Trading Co.")
    )
    described = await telegram.start(rate_limit=False)
    assert described == "Telegram @crm_test_bot: polling"
    menu = {code: [c["command"] for c in cmds] for code, cmds in api.commands.items()}
    assert set(menu) == {None, "zh"} and "visit" in menu[None] and menu[None] == menu["zh"]
    assert api.commands["zh"][0]["description"] != api.commands[None][0]["description"]

    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    assert "What I can do:" in tom.chat[-1]["text"]
    assert await ChannelIdentity.filter(channel="telegram", external_id="501").count() == 1

    # /newcustomer: the likely duplicate is shown before anything is saved
    assert "What is the company called?" in await tom.say("/newcustomer")
    assert "Phone number?" in await tom.say("ACME Trading Company Ltd.")
    question, _ = tom.find("Skip")
    reply = await tom.tap("Skip")
    assert "This may already exist" in reply and "Acme Trading Co. (owned by Li Wei)" in reply
    edited = next(m for m in tom.chat if m["message_id"] == question["message_id"])
    assert edited["text"].endswith("→ Skip") and "reply_markup" not in edited
    assert api.calls_of("answerCallbackQuery")[-1].params["callback_query_id"] in api.answered
    await tom.tap("No, it is a new customer")
    reply = await tom.tap("Save now")
    assert "Saved: ACME Trading Company Ltd." in reply
    assert await Customer.filter(name="ACME Trading Company Ltd.").count() == 1

    # /visit with buttons; every tapped question keeps its text plus the choice, no buttons
    reply = await tom.say("/visit acme trading company")
    assert "what kind of contact?" in reply
    kinds = tom.last
    assert [b["text"] for b in kinds["reply_markup"]["inline_keyboard"][0]] == ["Visit", "Call"]
    assert "When was it?" in await tom.tap("Meeting")
    assert kinds["text"].endswith("→ Meeting") and "reply_markup" not in kinds
    await tom.tap("Now")
    assert "Next follow-up?" in await tom.say("Showed the new catalogue")
    reply = await tom.say("today 6pm")
    assert "Save this?" in reply and "Meeting" in reply
    assert await Visit.all().count() == 0
    assert (await tom.tap("Save")).startswith("Logged.")
    assert await Visit.filter(kind="meeting", notes="Showed the new catalogue").count() == 1
    assert all("reply_markup" not in m for m in tom.chat[:-1] if "→" in m["text"])

    reply = await tom.say("/followups")
    assert "1 follow-up due" in reply and "ACME Trading Company Ltd." in reply
    card = await tom.tap("ACME Trading Company Ltd.")
    assert "Owner: Tom" in card
    assert len(api.answered) == len(api.calls_of("answerCallbackQuery"))


async def test_a_stranger_is_refused(telegram: Telegram, api: FakeBotApi) -> None:
    await telegram.start()
    eve = Phone(telegram, EVE)
    reply = await eve.say("/visit")
    assert "private sales bot" in reply or "私" in reply
    assert "有效" in await eve.say("/start NOTACODE") or "not valid" in eve.last["text"]
    assert await ChannelIdentity.filter(channel="telegram").count() == 0


async def test_a_restart_in_the_middle_of_a_dialog_continues(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start(rate_limit=False)
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft(name="Initech"))
    await tom.say("/newcustomer Globex")
    await tom.tap("Skip")  # phone
    await telegram.restart()  # the whole application: new engine, new PTB Application
    reply = await tom.tap("Save now")
    assert "Saved: Globex" in reply
    assert await Customer.filter(name="Globex").count() == 1


async def test_a_redelivered_update_changes_nothing_twice(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start(rate_limit=False)
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    await tom.say("/newcustomer Umbrella")
    await tom.tap("Skip")
    confirm, save = tom.find("Save now")  # the first tap saves
    before = len(tom.chat)
    tap = {
        "callback_query": {
            "id": "q-save",
            "from": TOM.as_user(),
            "message": confirm,
            "chat_instance": "c",
            "data": save,
        }
    }
    first = api.push(tap)
    api.push(tap, update_id=first)  # the same update again, in the same batch
    await telegram.settle(first)
    assert await Customer.filter(name="Umbrella").count() == 1
    assert [m["text"][:8] for m in tom.chat[before:]] == ["✅ Saved:"]
    assert len(api.calls_of("answerCallbackQuery")) == len(api.answered)

    await telegram.restart()
    api.push(tap, update_id=first)  # and once more after a restart (the claim is in the DB)
    await telegram.settle(first)
    assert len(tom.chat) == before + 1
    assert await Customer.filter(name="Umbrella").count() == 1


async def test_forged_and_stale_callbacks_are_answered_and_change_nothing(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start(rate_limit=False)
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    await tom.say("/newcustomer Hooli")
    question = tom.last
    forged = await tom.tap_data(question, pack(Choice("ffffff", "new")))
    assert "earlier question" in forged
    assert "reply_markup" in question and "→" not in question["text"], "message left alone"
    assert "not valid any more" in await tom.tap_data(question, "x:" + "9" * 60)
    assert "not valid any more" in await tom.tap_data(question, pack(Action("nosuch", "1")))
    every = [b["callback_data"] for r in question["reply_markup"]["inline_keyboard"] for b in r]
    real = unpack(every[-1])
    assert isinstance(real, Nav) and real.move is Move.CANCEL
    old = f"n:{real.token}:cancel"  # the real Cancel, as written before versioned data
    assert "not valid any more" in await tom.tap_data(question, old)
    assert "reply_markup" in question and "→" not in question["text"], "message left alone"
    assert len(api.answered) == 4
    assert "earlier question" not in await tom.tap("Skip"), "the real buttons still work"
    assert await Customer.filter(name="Hooli").count() == 0


async def test_each_role_gets_its_own_command_menu(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    """Reps' menu for every private chat; a manager's chat its own menu, with what only
    managers may do, in both languages."""
    mia = team.users["Mia"]
    await ChannelIdentity.create(channel="telegram", external_id="777", user=mia)
    await telegram.start(rate_limit=False)
    every = [c["command"] for c in api.commands[None]]
    assert "visit" in every and "team" not in every and "invite" not in every
    manager = [c["command"] for c in api.chat_commands[(777, None)]]
    assert {"visit", "team", "invite", "approvals"} <= set(manager)
    assert "payment" not in manager, "finance and admins only"
    zh = {c["command"]: c["description"] for c in api.chat_commands[(777, "zh")]}
    assert (
        zh["team"]
        != dict((c["command"], c["description"]) for c in api.chat_commands[(777, None)])["team"]
    )
