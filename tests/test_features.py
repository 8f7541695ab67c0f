"""Features declare themselves: the registry is built from declarations and refuses bad ones; a
one-question feature written on the widgets works on the console and the Telegram renderer."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.dialogs import FEATURES, build_registry
from bot.dialogs.base import Ctx, Done, Transition
from bot.dialogs.feature import EVERYONE, LEADS, Command, Feature
from bot.dialogs.registry import RUNNER_COMMANDS, RegistryError
from bot.dialogs.widgets import Option, Pick
from bot.handlers.telegram.render import plan
from bot.i18n import N_
from bot.messages import Reply
from bot.models import Role
from tests.conftest import Team, one_question
from tests.support import Chat, FakeClock

ROOT = Path(__file__).resolve().parent.parent


async def _noop(ctx: Ctx, args: str) -> list[Reply]:
    return [Reply("ok")]


def test_every_command_is_declared_with_help_and_roles() -> None:
    registry = build_registry()
    listed = {command.name for command in registry.listed}
    assert set(registry.commands) == listed - RUNNER_COMMANDS
    assert all(command.help.strip() and command.roles for command in registry.listed)


def test_a_command_without_help_fails_at_start() -> None:
    bad = Feature("bad", commands=(Command("nohelp", " ", EVERYONE, run=_noop),))
    with pytest.raises(RegistryError, match="no help"):
        build_registry((*FEATURES, bad))


def test_a_command_without_roles_fails_at_start() -> None:
    bad = Feature("bad", commands=(Command("noroles", N_("this list"), frozenset(), run=_noop),))
    with pytest.raises(RegistryError, match="no roles"):
        build_registry((*FEATURES, bad))


def test_a_name_registered_twice_fails_at_start() -> None:
    again = Feature("again", commands=(Command("visit", N_("this list"), EVERYONE, run=_noop),))
    with pytest.raises(RegistryError, match="twice"):
        build_registry((*FEATURES, again))
    action = Feature("again", actions={"cust": _noop})
    with pytest.raises(RegistryError, match="twice"):
        build_registry((*FEATURES, action))


def test_a_command_that_neither_runs_nor_opens_fails_at_start() -> None:
    bad = Feature("bad", commands=(Command("nothing", N_("this list"), EVERYONE),))
    with pytest.raises(RegistryError, match="exactly one"):
        build_registry((*FEATURES, bad))


def test_menus_follow_roles() -> None:
    registry = build_registry()
    rep = [name for name, _ in registry.menu(Role.REP)]
    admin = [name for name, _ in registry.menu(Role.ADMIN)]
    assert "visit" in rep and "team" not in rep and "payment" not in rep
    assert {"team", "invite", "payment", "import"} <= set(admin)


def test_no_feature_module_imports_another() -> None:
    modules = {feature.name for feature in FEATURES}
    for name in modules:
        tree = ast.parse((ROOT / "bot" / "dialogs" / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = node.module.removeprefix("bot.dialogs.")
                names = {imported} | {
                    alias.name for alias in node.names if node.module == "bot.dialogs"
                }
                assert not (names & (modules - {name})), f"{name} imports {node.module}"


# --- a one-question feature, declared here --------------------------------------------------

MOODS = (Option("good", N_("Good")), Option("bad", N_("Bad"), words=("meh",)))


async def _answered(ctx: Ctx, data: dict[str, Any]) -> Transition:
    return Done([Reply(f"mood={data['mood']}")])


MOOD = one_question(
    "mood",
    LEADS,
    N_("Language"),
    Pick(key="mood", prompt=N_("Which language?"), choices=MOODS, then=_answered),
)


@pytest.fixture
async def mood_team(settings: Settings, clock: FakeClock) -> Team:
    crew = Team.with_feature(settings, clock, MOOD)
    await crew.join("Mia", Role.MANAGER)
    await crew.join("Li Wei", Role.REP, manager="Mia")
    return crew


async def test_a_declared_feature_runs_on_the_console(mood_team: Team) -> None:
    mia = mood_team.chats["Mia"]
    assert "/mood" in await mia.say("/help")
    assert "/mood" not in await mood_team.chats["Li Wei"].say("/help")
    reply = await mia.say("/mood")
    assert "1) Good" in reply and "2) Bad" in reply
    assert "Please choose one of the options." in await mia.say("purple")
    assert await mia.say("meh") == "mood=bad"
    await mia.say("/mood")
    assert await mia.say("2") == "mood=bad"


async def test_a_declared_feature_runs_through_the_telegram_renderer(mood_team: Team) -> None:
    mia = mood_team.chats["Mia"]
    await mia.say("/mood")
    (outgoing,) = plan(mia.replies[-1])
    assert outgoing.markup is not None
    buttons = [b for row in outgoing.markup.inline_keyboard for b in row]
    assert [b.text for b in buttons][:2] == ["Good", "Bad"]
    good = next(b for b in buttons if b.text == "Good")
    chat = Chat(mood_team.engine, mia.external_id)
    assert await chat.send(button=good.callback_data) == "mood=good"
