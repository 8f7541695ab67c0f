"""Property tests: whatever anyone types or taps at any question of any dialog, no exception
escapes the turn, the chat stays at a question, and nothing is written until a dialog's end.

Every question is reached the way people reach it (commands, then ordinary answers and the
first offered button), its saved state kept; each example puts the chat back at one of them and
sends arbitrary text (NUL, bidi marks, emoji, 10,000 characters, digits of every script) or
arbitrary button data. The `ci` profile (tests/conftest.py) keeps the run under a minute.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.messages import ButtonKind
from bot.models import (
    ApprovalRequest,
    Contact,
    Customer,
    Deal,
    DialogState,
    Invite,
    Payment,
    Task,
    Visit,
)
from bot.services.records import customers
from tests.conftest import Team
from tests.support import Chat

APOLOGY = "Sorry, something went wrong"
WRITTEN = (Customer, Contact, Visit, Deal, Payment, ApprovalRequest, Task, Invite)
ANSWERS = ("Acme Trading", "13800138000", "100", "tomorrow", "Mia", "a@b.cn", "ok")
STATE = ("dialog", "step", "token", "data", "buttons")

# Text a careless thumb or a hostile client sends: any code point (NUL and bidi marks
# included), digits of every script, emoji, long runs, and the words the dialogs listen for.
DIGITS = st.characters(categories=["Nd", "No", "Nl"])
TEXTS = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=DIGITS, min_size=1, max_size=25),
    st.text(alphabet=st.sampled_from("0123456789.,-+ 亿万元¥$%²³\u200f\u202e\x00"), max_size=30),
    st.sampled_from(["/back", "/skip", "/cancel", "1", "0", "-1", "99999999999999999999", "²"]),
    st.builds(lambda c, n: c * n, st.characters(), st.integers(1000, 10_000)),
    st.text(alphabet=st.characters(categories=["So", "Cf", "Zs", "Cc"]), max_size=30),
)
BUTTON_PREFIXES = ("", "1a:", "1a:cust:", "1c:", "1n:", "1x:")
BUTTONS = st.one_of(
    st.binary(max_size=64).map(lambda raw: raw.decode("utf-8", "replace")),
    st.tuples(st.sampled_from(BUTTON_PREFIXES), st.text(max_size=40)).map("".join),
    st.tuples(st.sampled_from(BUTTON_PREFIXES), st.text(alphabet=DIGITS, max_size=22)).map("".join),
)


async def _state(chat: Chat) -> dict[str, Any] | None:
    row = await DialogState.get_or_none(channel=chat.channel, external_id=chat.external_id)
    if row is None or row.dialog is None:
        return None
    return {name: getattr(row, name) for name in STATE}


def _next_button(chat: Chat) -> str | None:
    for reply in reversed(chat.replies):
        for button in reply.all_buttons():
            if button.kind != ButtonKind.NAV:
                return button.data
    return None


async def questions(team: Team) -> list[dict[str, Any]]:
    """Every question reachable from the commands in a few ordinary answers, as saved."""
    admin = team.chats["admin"]
    mia = team.users["Mia"]
    await customers.create_customer(mia, customers.CustomerDraft(name="Acme Trading"))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for command in sorted(team.engine.registry.commands):
        for chat in (admin, team.chats["Mia"]):
            await chat.say("/cancel")
            await chat.say(f"/{command}")
            for turn in range(12):
                state = await _state(chat)
                if state is None:
                    break
                found.setdefault((state["dialog"], state["step"]), state)
                data = _next_button(chat) if turn % 3 != 2 else None
                if data is not None:
                    await chat.send(button=data)
                else:
                    await chat.say(ANSWERS[turn % len(ANSWERS)])
            await chat.say("/cancel")
    return list(found.values())


async def _put(chat: Chat, state: dict[str, Any]) -> None:
    """The chat back at a question, as its turn saved it."""
    await DialogState.filter(channel=chat.channel, external_id=chat.external_id).update(
        **state, expires_at=None
    )


async def _counts() -> list[int]:
    return [await model.all().count() for model in WRITTEN]


@pytest.fixture
async def reached(team: Team) -> list[dict[str, Any]]:
    found = await questions(team)
    dialogs = {state["dialog"] for state in found}
    assert len(found) >= 30 and len(dialogs) >= 11, sorted(dialogs)
    return found


async def _check(
    team: Team, chat: Chat, state: dict[str, Any], caplog: pytest.LogCaptureFixture, **sent: Any
) -> None:
    await _put(chat, state)
    before = await _counts()
    caplog.clear()
    answer = await chat.send(**sent)
    assert APOLOGY not in answer, (state["dialog"], state["step"], sent)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    after = await _state(chat)
    if after is not None and after["dialog"] == state["dialog"]:
        assert await _counts() == before, "written while the dialog is still open"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), text=TEXTS)
async def test_any_text_at_any_question(
    team: Team,
    reached: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    data: Any,
    text: str,
) -> None:
    state = data.draw(st.sampled_from(reached), label="question")
    chat = team.chats["admin"] if data.draw(st.booleans()) else team.chats["Mia"]
    await _check(team, chat, state, caplog, text=text)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), button=BUTTONS)
async def test_any_button_data_at_any_question_or_none(
    team: Team,
    reached: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    data: Any,
    button: str,
) -> None:
    state = data.draw(st.sampled_from(reached), label="question")
    chat = team.chats["Mia"]
    if data.draw(st.booleans(), label="outside a dialog"):
        await chat.say("/cancel")
        caplog.clear()
        assert APOLOGY not in await chat.send(button=button)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        return
    await _check(team, chat, state, caplog, button=button)
