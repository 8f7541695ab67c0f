"""A stranger flooding the bot over Telegram: one line; a member writing meanwhile: every answer."""

from __future__ import annotations

import asyncio

from bot.models import Role
from bot.services.people import users
from tests.conftest import Team
from tests.telegram.conftest import Telegram
from tests.telegram.fake_bot_api import FakeBotApi, Person

HELLO = "Hello! This is a private sales bot. Please ask your admin for an invite."


async def test_members_keep_every_answer_while_a_stranger_floods_telegram(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start(webhook=True, rate_limit=False)
    stranger, member = Person(666, "Flood"), Person(701, "Tom")
    invite = await users.create_invite(None, Role.REP, name="Tom", now=telegram.clock())
    last = api.send(member, f"/start {invite.code}")
    for n in range(100):
        api.send(stranger, f"spam {n}")
        if n % 10 == 0:
            last = api.send(member, "/cancel")
    await telegram.settle(last)
    await asyncio.sleep(0)
    assert [m["text"] for m in api.bot_messages(stranger.id)] == [HELLO]
    mine = [m["text"] for m in api.bot_messages(member.id)]
    assert mine[0].startswith("Welcome, Tom!") and mine.count("Nothing to cancel.") == 10
