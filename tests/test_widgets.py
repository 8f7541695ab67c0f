"""Every widget on its own: bad answers get one clear line (in both languages) and the same
question; typed navigation works at every widget; a state saved by an earlier release resumes or
ends politely. Driven through the console with a probe dialog declared here."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.app import build_engine
from bot.config import Settings
from bot.dialogs import FEATURES
from bot.dialogs.base import Ctx, Dialog, Done, Transition
from bot.dialogs.feature import EVERYONE, Command, Feature
from bot.dialogs.labels import VISIT_KINDS
from bot.dialogs.widgets import Confirm, Count, Money, Option, Pick, Text, When
from bot.i18n import N_
from bot.messages import Reply
from bot.models import DialogState, Role, User, Visit
from bot.services.people import users
from bot.services.records import customers
from tests.conftest import Team
from tests.support import Chat, FakeClock

KINDS = tuple(Option(kind.value, label) for kind, label in VISIT_KINDS.items())


def summary(ctx: Ctx, data: dict[str, Any]) -> str:
    return "probe: " + json.dumps(
        {k: v for k, v in data.items() if not k.startswith("_")},
        ensure_ascii=False,
        sort_keys=True,
    )


async def saved(ctx: Ctx, data: dict[str, Any]) -> Transition:
    return Done([Reply("saved " + summary(ctx, data))])


PROBE = Dialog(
    name="probe",
    title=N_("Language"),
    steps=(
        Text(key="name", prompt=N_("New customer. What is the company called?"), max_len=20),
        Pick(key="kind", prompt=N_("Which language?"), choices=KINDS),
        Money(key="amount"),
        When(
            key="due",
            prompt=N_("Expected close date? Type a date (“next friday”, “12月31日”), or skip."),
            optional=True,
            rule="future",
        ),
        Count(key="share", prompt=N_("Which language?"), low=0, high=100, suffix="%"),
        Confirm(prompt=summary, save=saved),
    ),
)
PROBE_FEATURE = Feature(
    "probe", commands=(Command("probe", N_("this list"), EVERYONE, dialog=PROBE),)
)


@pytest.fixture
async def crew(settings: Settings, clock: FakeClock) -> Team:
    team = Team(build_engine(settings, clock=clock, features=(*FEATURES, PROBE_FEATURE)))
    await team.join("Mia", Role.MANAGER)
    await team.join("Li Wei", Role.REP, manager="Mia")
    return team


async def zh(team: Team, name: str) -> Chat:
    chat = team.chats[name]
    await users.set_locale(await User.get(name=name), "zh")
    return chat


async def test_text_refuses_symbols_and_overlong_answers_in_both_languages(crew: Team) -> None:
    li = crew.chats["Li Wei"]
    await li.say("/probe")
    assert (await li.say("😀😀")).startswith("Please type a few words.")
    assert "What is the company called?" in li.text
    assert (await li.say("!!!")).startswith("Please type a few words.")
    assert (await li.say("x" * 30)).startswith("That is too long: 30 characters, at most 20.")
    mia = await zh(crew, "Mia")
    await mia.say("/probe")
    assert (await mia.say("😀")).startswith("请写几个字。")
    assert "公司" in mia.text


async def test_pick_takes_a_label_in_either_language_a_number_or_refuses(crew: Team) -> None:
    li = crew.chats["Li Wei"]
    await li.say("/probe")
    await li.say("Acme")
    assert (await li.say("purple")).startswith("Please choose one of the options.")
    assert "Amount?" in await li.say("电话"), "a Chinese label typed by an English reader"
    await li.say("/probe")
    await li.say("Acme")
    assert "Amount?" in await li.say("2"), "the number shown beside the option"
    mia = await zh(crew, "Mia")
    await mia.say("/probe")
    await mia.say("宏达")
    assert (await mia.say("紫色")).startswith("请选择其中一项。")


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        ("-5000", "The amount must be above zero."),
        ("0", "The amount must be above zero."),
        ("99999999999999999999亿", "That amount is too large to be right."),
        ("lots", "I could not read that amount."),
    ],
)
async def test_money_says_what_is_wrong(crew: Team, typed: str, line: str) -> None:
    li = crew.chats["Li Wei"]
    await li.say("/probe")
    await li.say("Acme")
    await li.say("Call")
    assert (await li.say(typed)).startswith(line)
    assert "Amount?" in li.text, "the same question again"
    assert "Expected close date?" in await li.say("2万")


async def test_when_reads_free_forms_and_checks_the_rule(crew: Team) -> None:
    li = crew.chats["Li Wei"]
    for answer in ("/probe", "Acme", "Call", "1.2m"):
        await li.say(answer)
    assert (await li.say("banana")).startswith("I could not read that date.")
    assert (await li.say("昨天")).startswith("That date must be in the future.")
    assert "Which language?" in await li.say("next friday")


async def test_count_takes_full_width_digits_and_refuses_superscripts(crew: Team) -> None:
    li = crew.chats["Li Wei"]
    for answer in ("/probe", "Acme", "Call", "1.2m", "skip"):
        await li.say(answer)
    for bad in ("²", "101", "99999999999999999999", "-1"):
        assert (await li.say(bad)).startswith("Please type a whole number from 0 to 100."), bad
    assert '"share": 15' in await li.say("１５%")


async def test_confirm_takes_yes_in_either_language_and_nothing_else(crew: Team) -> None:
    li = crew.chats["Li Wei"]
    for answer in ("/probe", "Acme", "Call", "1.2m", "skip", "15"):
        await li.say(answer)
    assert (await li.say("maybe")).startswith("Tap Save to keep it, or Cancel to drop it.")
    assert (await li.say("好")).startswith("saved probe:")


@pytest.mark.parametrize("steps", [0, 1, 2, 3, 4, 5])
async def test_typed_navigation_works_at_every_widget(crew: Team, steps: int) -> None:
    mia = await zh(crew, "Mia")
    await mia.say("/probe")
    for answer in ("宏达", "电话", "2万", "跳过", "15")[:steps]:
        await mia.say(answer)
    asked = mia.text
    skipped = await mia.say("跳过")
    if steps == 3:
        assert "请输入0到100之间的整数" in skipped or "语言" in skipped, "the optional date"
    else:
        assert skipped.startswith("这一项不能跳过。") and asked.split("\n")[0] in skipped
    if steps:
        back = await mia.say("返回")
        assert not back.startswith("这已经是第一个问题"), back
    else:
        assert (await mia.say("返回")).startswith("这已经是第一个问题")
    assert "取消" in await mia.say("取消")
    assert await DialogState.filter(dialog="probe").count() == 0


# --- a state saved by an earlier release ------------------------------------------------------


async def _stored(li: Chat, dialog: str, step: str, data: dict[str, Any]) -> None:
    await DialogState.filter(external_id=li.external_id).update(
        dialog=dialog, step=step, token="abc123", data=data
    )


async def test_a_visit_saved_before_the_widgets_resumes(crew: Team, clock: FakeClock) -> None:
    li = crew.chats["Li Wei"]
    acme = await customers.create_customer(
        crew.users["Li Wei"], customers.CustomerDraft(name="Acme Trading Co.")
    )
    await li.say("/help")
    # Exactly what the release before the widgets stored at the notes question.
    old = {
        "customer_id": acme.id,
        "customer_name": acme.name,
        "kind": "call",
        "at": clock.now.isoformat(),
        "_trail": ["customer", "kind", "when"],
        "_title": "Log a visit",
    }
    await _stored(li, "visit", "notes", old)
    assert "Next follow-up?" in await li.say("talked about the price")
    await li.say("skip")
    await li.say("Save")
    assert (await Visit.get(customer_id=acme.id)).notes == "talked about the price"


async def test_a_state_the_release_cannot_read_ends_politely(crew: Team) -> None:
    li = crew.chats["Li Wei"]
    await li.say("/help")
    await _stored(li, "visit", "when", {"_title": "Log a visit", "kind": "call"})
    reply = await li.say("yesterday 3pm")
    assert "“Log a visit” was started before an update of the bot" in reply
    assert await DialogState.filter(external_id=li.external_id, dialog="visit").count() == 0
    await _stored(li, "probe", "name", {"_title": "Language", "_v": 2})
    assert "before an update of the bot" in await li.say("Acme")


async def test_stored_data_of_another_shape_ends_politely(crew: Team, clock: FakeClock) -> None:
    """Each dialog's typed state comes from its widgets: a customer id stored as text, or a
    follow-up stored as a number, was not saved by this release's /visit."""
    li = crew.chats["Li Wei"]
    await li.say("/help")
    await _stored(
        li,
        "visit",
        "notes",
        {"customer_id": "Acme", "customer_name": "Acme", "kind": "call", "_title": "Log a visit"},
    )
    assert "before an update of the bot" in await li.say("talked about the price")


def test_every_dialog_has_a_typed_state_from_its_widgets() -> None:
    from bot.dialogs import build_registry
    from bot.dialogs.registry import state_type

    registry = build_registry()
    visit = state_type(registry.dialogs["visit"]).__annotations__
    assert visit == {
        "customer_id": int,
        "customer_name": str,
        "kind": str,
        "at": str,
        "notes": str,
        "followup": str,
    }
    deal = state_type(registry.dialogs["deal"]).__annotations__
    assert deal["amount"] is str and deal["currency"] is str and deal["customer_id"] is int
