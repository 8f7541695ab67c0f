"""An unexpected error in a step: the apology, one log record, nothing half-written, and the
dialog still at the question it was on, so the next message continues it."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.config import Settings
from bot.dialogs.base import Ctx, Done, Transition
from bot.dialogs.feature import EVERYONE
from bot.dialogs.widgets import Text
from bot.i18n import N_
from bot.messages import Reply
from bot.models import Customer, DialogState, Role, User
from bot.services.records import customers
from tests.conftest import Team, one_question
from tests.support import FakeClock


async def _create_then_maybe_fail(ctx: Ctx, data: dict[str, Any]) -> Transition:
    customer = await customers.create_customer(ctx.user, customers.CustomerDraft(data["name"]))
    if customer.name.startswith("Boom"):
        raise RuntimeError("a bug after the write")
    return Done([Reply(f"created {customer.name}")])


FRAGILE = one_question(
    "fragile",
    EVERYONE,
    N_("New customer"),
    Text(
        key="name",
        prompt=N_("New customer. What is the company called?"),
        then=_create_then_maybe_fail,
    ),
)


@pytest.fixture
async def crew(settings: Settings, clock: FakeClock) -> Team:
    team = Team.with_feature(settings, clock, FRAGILE)
    await team.join("Mia", Role.MANAGER)
    return team


async def test_a_failing_step_keeps_nothing_and_the_dialog_goes_on(
    crew: Team, caplog: pytest.LogCaptureFixture
) -> None:
    mia = crew.chats["Mia"]
    await mia.say("/fragile")
    with caplog.at_level(logging.ERROR):
        reply = await mia.say("Boom Trading")
    assert reply == "Sorry, something went wrong on my side. Please try again."
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
    assert not await Customer.filter(name="Boom Trading").exists(), "the write was rolled back"
    mia_id = (await User.get(name="Mia")).id
    state = await DialogState.get(user_id=mia_id)
    assert (state.dialog, state.step) == ("fragile", "name"), "still at the same question"
    assert "name" not in state.data, "the value of the failed answer was not kept"
    assert await mia.say("Acme Trading") == "created Acme Trading"
    assert await Customer.filter(name="Acme Trading").exists()
