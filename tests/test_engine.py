"""The dialog engine's own contracts: storage, per-chat order, strangers and numbered input."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.app import build_engine
from bot.config import Settings
from bot.dialogs.storage import Conversation, MemoryStorage, StorageKey, TortoiseStorage
from bot.handlers.console import render
from bot.models import Customer, User
from tests.conftest import START, Team
from tests.support import FakeClock


@pytest.fixture(params=["memory", "tortoise"])
def storage(request: pytest.FixtureRequest, db_url: str) -> MemoryStorage | TortoiseStorage:
    return MemoryStorage() if request.param == "memory" else TortoiseStorage()


async def test_storage_contract(storage: MemoryStorage | TortoiseStorage) -> None:
    key = StorageKey("telegram", "42")
    assert await storage.load(key) == Conversation()
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    conv = Conversation(
        dialog="visit",
        step="visit:notes",
        token="abc123",
        data={"a": [1, "二"], "b": {"c": None}},
        buttons=[["Now", "c:abc123:now"]],
        expires_at=moment,
        user_id=7,
    )
    await storage.save(key, conv, now=moment)
    conv.data["a"].append("changed after save")
    loaded = await storage.load(key)
    assert loaded.data == {"a": [1, "二"], "b": {"c": None}}
    assert (loaded.dialog, loaded.step, loaded.token, loaded.user_id) == (
        "visit",
        "visit:notes",
        "abc123",
        7,
    )
    assert loaded.buttons == [["Now", "c:abc123:now"]]
    assert loaded.expires_at == moment
    assert await storage.load(StorageKey("wechat", "42")) == Conversation()
    loaded.end_dialog()
    await storage.save(key, loaded, now=moment)
    assert (await storage.load(key)).dialog is None


async def test_messages_of_one_chat_run_in_order(team: Team) -> None:
    """Four messages at once (a flaky network) are handled in order (cf. aiogram #1317)."""
    li = team.chats["Li Wei"]
    engine = team.engine
    from bot.messages import Incoming

    def msg(text: str) -> Incoming:
        return Incoming("console", li.external_id, text=text)

    results = await asyncio.gather(
        engine.handle(msg("/newcustomer")),
        engine.handle(msg("Parallel Trading")),
        engine.handle(msg("138 0000 1234")),
        engine.handle(msg("/cancel")),
    )
    texts = [render(r) for r in results]
    assert "What is the company called?" in texts[0]
    assert "Phone number?" in texts[1]
    assert "Address?" in texts[2]
    assert texts[3] == "Cancelled. Nothing was saved."
    assert await Customer.all().count() == 0


async def test_different_chats_do_not_share_state(team: Team) -> None:
    li, sam = team.chats["Li Wei"], team.chats["Sam"]
    await li.say("/newcustomer")
    assert "I did not get that" in await sam.say("Acme")
    assert "Phone number?" in await li.say("Acme")


async def test_unknown_command_and_help(team: Team) -> None:
    li = team.chats["Li Wei"]
    assert "Unknown command /frobnicate" in await li.say("/frobnicate")
    help_text = await li.say("/help")
    for command in (
        "/newcustomer",
        "/customer",
        "/contact",
        "/visit",
        "/followups",
        "/lang",
        "/tz",
        "/cancel",
    ):
        assert command in help_text


async def test_a_new_command_drops_the_open_dialog_with_a_note(team: Team) -> None:
    li = team.chats["Li Wei"]
    await li.say("/newcustomer Acme")
    reply = await li.say("/help")
    assert "unfinished “New customer” was dropped" in reply and "What I can do" in reply


async def test_voice_location_and_contact_cards_outside_and_inside_dialogs(team: Team) -> None:
    from bot.messages import Audio
    from bot.models import Contact

    li = team.chats["Li Wei"]
    no_bytes = "could not make out that voice note"
    assert no_bytes in await li.send(audio=Audio(ref="f1", duration=3.0))
    assert "while logging a /visit" in await li.share_location(31.2, 121.4)
    await li.say("/newcustomer")
    reply = await li.send(audio=Audio(ref="f2"))
    assert no_bytes in reply and "What is the company called?" in reply
    reply = await li.send(audio=Audio(ref="f3", recognition="Wechat Heard Ltd"))
    assert "Phone number?" in reply, "the platform's own recognition counts as typed text"
    await li.say("/cancel")

    reply = await li.share_contact("Zhang Min", "+86 139 1111 2222")
    assert "Zhang Min · +86 139 1111 2222: what should I make of this card?" in reply
    await li.tap("A new customer")
    await li.tap("Save now")
    assert (await Customer.get(name="Zhang Min")).phone == "+8613911112222"

    await li.share_contact("Wu Lei", "138 0000 9999")
    reply = await li.tap("A person at a customer")
    assert "Which customer?" in reply
    await li.say("Zhang")
    await li.tap("Skip")  # title
    reply = await li.tap("Skip")  # e-mail; name and phone came from the card
    assert "👤 Wu Lei" in reply and "Phone: +86 138 0000 9999" in reply
    await li.tap("Save")
    contact = await Contact.get(name="Wu Lei")
    assert contact.phone == "+8613800009999"


async def test_storage_opens_user_and_state_together(
    storage: MemoryStorage | TortoiseStorage, team: Team
) -> None:
    """One read per message: the active user behind the chat and its conversation."""
    li = team.chats["Li Wei"]
    key = StorageKey("console", li.external_id)
    await storage.save(
        key, Conversation(dialog="visit", step="notes", token="t1", user_id=3), now=START
    )
    user, conv = await storage.open(key)
    assert user is not None and user.name == "Li Wei"
    assert (conv.dialog, conv.step, conv.token) == ("visit", "notes", "t1")
    user, conv = await storage.open(StorageKey("console", team.chats["Sam"].external_id))
    assert user is not None and user.name == "Sam" and conv == Conversation()
    assert await storage.open(StorageKey("console", "nobody")) == (None, Conversation())
    await User.filter(name="Li Wei").update(active=False)
    assert (await storage.open(key))[0] is None


async def test_two_instances_take_one_chats_updates_in_update_order(
    team: Team, settings: Settings, clock: FakeClock
) -> None:
    """Update 11 reaches instance B before update 10 reaches instance A: 10 still goes first."""
    from bot.messages import Incoming
    from bot.services import updates

    a, b = build_engine(settings, clock=clock), build_engine(settings, clock=clock)
    chat = team.chats["Li Wei"].external_id
    assert await updates.claim("console", "u10", chat=chat, seq=10)
    assert await updates.claim("console", "u11", chat=chat, seq=11)
    later = asyncio.create_task(b.handle(Incoming("console", chat, text="Globex Ltd", seq=11)))
    await asyncio.sleep(0.3)
    assert not later.done(), "the later update waits while the earlier one is pending"
    first = await a.handle(Incoming("console", chat, text="/newcustomer", seq=10))
    assert "company called" in render(first)
    second = render(await later)
    assert second.startswith("Phone number?"), second


async def test_an_earlier_update_that_never_comes_delays_the_chat_once(team: Team) -> None:
    """Its instance died after the claim: the next update waits a bounded time, then goes on,
    and nobody waits for the lost one again."""
    from bot.dialogs import ordering
    from bot.messages import Incoming
    from bot.services import updates

    chat = team.chats["Li Wei"].external_id
    assert await updates.claim("console", "lost", chat=chat, seq=20)
    await updates.claim("console", "u21", chat=chat, seq=21)
    await ordering.after_earlier(Incoming("console", chat, text="/hel", seq=21), wait=0.2)
    assert not await updates.earlier_pending("console", chat, 21), "given up"
    replies = await team.engine.handle(Incoming("console", chat, text="/hel", seq=21))
    assert "/help" in render(replies)
    assert not await updates.earlier_pending("console", chat, 22), "21 handled in its turn"


async def test_a_double_tap_on_two_instances_saves_once(
    team: Team, settings: Settings, clock: FakeClock
) -> None:
    """Both instances get the same Save tap at once, with no update order to go by (the console,
    a WeChat menu event): the chat's lock lets one write, and the other finds the dialog over.
    On PostgreSQL that is the advisory lock `open` takes; on SQLite the one connection."""
    from bot.messages import Incoming
    from bot.models import Visit
    from bot.services.records import customers

    a, b = build_engine(settings, clock=clock), build_engine(settings, clock=clock)
    li = team.chats["Li Wei"]
    for n in range(3):
        name = f"Acme Trading {n}"
        await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft(name=name))
        await li.say(f"/visit {name}")
        await li.tap("Meeting")
        await li.say("yesterday 3pm")
        await li.say("They want 200 units")
        assert "Save this?" in await li.say("next friday 3pm")
        tap = Incoming(li.channel, li.external_id, button=li.button("Save"))
        replies = await asyncio.gather(a.handle(tap), b.handle(tap))
        texts = sorted(render(r) for r in replies)
        assert texts[0].startswith("Logged.") and "earlier question" in texts[1], texts
        assert await Visit.filter(customer__name=name).count() == 1


async def test_a_step_failing_after_its_write_keeps_neither_the_write_nor_the_new_state(
    team: Team,
) -> None:
    """The turn is one transaction: a step whose service call went through and which then
    breaks (a bug, a lost connection) leaves no customer behind and no dialog moved on; the
    person gets one apology and the chat stays at the question it was on."""
    from bot.dialogs.base import Answer, Ctx, Dialog, Question, Step
    from bot.dialogs.feature import EVERYONE, Command, Feature
    from bot.i18n import N_
    from bot.models import DialogState
    from bot.services.records import customers

    async def ask_name(ctx: Ctx, data: dict[str, object]) -> Question:
        return Question("Company name?")

    async def create(ctx: Ctx, data: dict[str, object], answer: Answer) -> None:
        await customers.create_customer(ctx.user, customers.CustomerDraft(answer.text or ""))
        data["created"] = answer.text

    async def ask_notes(ctx: Ctx, data: dict[str, object]) -> Question:
        raise RuntimeError("the next question could not be built")

    fragile = Dialog(
        name="fragile",
        title="Fragile",
        steps=(Step("name", ask_name, create), Step("notes", ask_notes, create)),
    )
    team.engine.registry.add(
        Feature(
            "fragile", commands=(Command("fragile", N_("this list"), EVERYONE, dialog=fragile),)
        )
    )
    li = team.chats["Li Wei"]
    assert await li.say("/fragile") == "Company name?\n(/cancel)"
    state = await DialogState.get(channel="console", external_id=li.external_id)
    assert (state.dialog, state.step) == ("fragile", "name")
    answer = await li.say("Half Written Ltd")
    assert answer == "Sorry, something went wrong on my side. Please try again."
    assert not await Customer.filter(name="Half Written Ltd").exists()
    after = await DialogState.get(channel="console", external_id=li.external_id)
    assert (after.dialog, after.step, after.data) == ("fragile", "name", state.data)
    assert "What I can do:" in await li.say("/help")


async def test_a_turn_keeps_its_writes_and_state_together_or_neither(team: Team) -> None:
    """A step that fails after writing leaves no trace; a turn that saves keeps both (on SQLite
    the BEGIN goes with the turn's first read and the COMMIT with its save)."""
    from bot.services.records import customers

    storage = TortoiseStorage()
    key = StorageKey("console", team.chats["Li Wei"].external_id)
    li = team.users["Li Wei"]
    with pytest.raises(RuntimeError):
        async with storage.turn(key):
            _, conv = await storage.open(key)
            await customers.create_customer(li, customers.CustomerDraft("Vanishing Pumps"))
            raise RuntimeError("the step failed after writing")
    assert not await Customer.filter(name="Vanishing Pumps").exists()
    async with storage.turn(key):
        _, conv = await storage.open(key)
        await customers.create_customer(li, customers.CustomerDraft("Lasting Pumps"))
        conv.dialog, conv.step, conv.token = "visit", "visit:kind", "t9"
        await storage.save(key, conv, now=START)
    assert await Customer.filter(name="Lasting Pumps").exists()
    assert (await storage.load(key)).token == "t9"
    # The connection is free again for everyone else, in and out of turns.
    assert await Customer.filter(name="Lasting Pumps").count() == 1
