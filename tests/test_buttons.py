"""Button data: typed values packed with a version, within Telegram's 64 bytes; anything the
codec did not write (forged, malformed, an earlier version) is not valid and acts on nothing."""

from __future__ import annotations

import pytest

from bot.buttons import (
    MAX_BYTES,
    Action,
    ButtonData,
    Choice,
    DataTooLong,
    Move,
    Nav,
    answers_question,
    pack,
    unpack,
)
from bot.dialogs.common import nav_word
from bot.dialogs.storage import StorageKey
from bot.models import Visit
from bot.services.records import customers
from tests.conftest import Team


@pytest.mark.parametrize(
    "value",
    [
        Choice("a1b2c3", "call"),
        Choice("a1b2c3", "42"),
        Choice("a1b2c3", "客户:上海 ☕"),
        Choice("a1b2c3", "with:colons:inside"),
        Nav("a1b2c3", Move.BACK),
        Nav("a1b2c3", Move.SKIP),
        Nav("a1b2c3", Move.CANCEL),
        Action("cust", "17"),
        Action("apr", "17:y"),
        Action("team", ""),
        Action("fu", "拜访 😀"),
    ],
)
def test_every_kind_round_trips(value: ButtonData) -> None:
    data = pack(value)
    assert data.startswith("1") and len(data.encode()) <= MAX_BYTES
    assert unpack(data) == value
    assert answers_question(data) == (not isinstance(value, Action))


def test_navigation_is_a_typed_value_typed_words_included() -> None:
    tapped = unpack(pack(Nav("ab12", Move.SKIP)))
    assert isinstance(tapped, Nav) and tapped.move is Move.SKIP
    assert nav_word(" 跳过 ") is Move.SKIP and nav_word("cancel.") is Move.CANCEL
    assert nav_word("返回") is Move.BACK and nav_word("skip the demo") is None


def test_packing_refuses_more_than_telegrams_64_bytes() -> None:
    room = MAX_BYTES - len(pack(Action("cust", "")))
    assert len(pack(Action("cust", "x" * room)).encode()) == MAX_BYTES
    with pytest.raises(DataTooLong):
        pack(Action("cust", "x" * (room + 1)))
    with pytest.raises(DataTooLong):
        pack(Choice("a1b2c3", "汉" * 20))  # 60 bytes of value: counted in UTF-8, not characters
    assert unpack(pack(Action("cust", "x" * room)) + "x") is None


@pytest.mark.parametrize(
    "value", [Choice("", "x"), Choice("a:b", "x"), Choice("ab12", ""), Action("", "1")]
)
def test_packing_refuses_what_could_not_be_read_back(value: ButtonData) -> None:
    with pytest.raises(ValueError):
        pack(value)


@pytest.mark.parametrize(
    "data",
    [
        "c:a1b2c3:call",  # before the version prefix: stored state, old outbox rows
        "n:a1b2c3:back",
        "a:cust:17",
        "0c:a1b2c3:call",  # another version
        "2a:cust:17",
        "11a:cust:17",
        "1x:cust:17",  # unknown kind
        "1n:a1b2c3:sideways",  # unknown move
        "1c:a1b2c3:",  # a choice without value
        "1c::call",
        "1a:cust",
        "1a",
        "",
        "\x00back",
        "1a:cust:" + "9" * 60,
        None,
        42,
    ],
)
def test_forged_old_or_malformed_data_unpacks_to_none(data: object) -> None:
    assert unpack(data) is None
    assert not answers_question(data)


async def test_old_forged_and_foreign_buttons_get_one_line_and_change_nothing(
    team: Team,
) -> None:
    li = team.chats["Li Wei"]
    await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft(name="Acme"))
    await li.say("/visit acme")
    tap = li.button("Meeting")
    meeting = unpack(tap)
    assert isinstance(meeting, Choice)
    old = f"c:{meeting.token}:{meeting.value}"  # the same tap, as written before versions
    for data in (old, f"n:{meeting.token}:cancel", "1c:zzzzzz:meeting", "1a:nosuch:1", "~"):
        reply = await li.send(button=data)
        assert reply.count("\n") == 0 and "button" in reply, (data, reply)
    assert "earlier question" in await li.send(button=pack(Choice("zzzzzz", "meeting")))
    assert "When was it?" in await li.send(button=tap), "the question is still open"
    assert await Visit.all().count() == 0


async def test_old_data_in_stored_state_is_answered_not_crashed_on(team: Team) -> None:
    li = team.chats["Li Wei"]
    await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft(name="Acme"))
    await li.say("/visit acme")
    tap = li.button("Meeting")
    storage, key = team.engine.storage, StorageKey(li.channel, li.external_id)
    conv = await storage.load(key)
    assert conv.buttons and all(unpack(data) for _, data in conv.buttons)
    conv.buttons = [[label, f"c:{conv.token}:x"] for label, _ in conv.buttons]
    await storage.save(key, conv, now=team.engine.clock())
    assert "not valid any more" in await li.say("1")
    assert (await storage.load(key)).step == conv.step, "the dialog did not move"
    assert "When was it?" in await li.send(button=tap)
