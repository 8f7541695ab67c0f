"""The daily report in English on Telegram, against the fake Bot API over HTTP: inline buttons
on the pushed draft and on the manager's copy, tapped as on a phone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from telegram import Bot

from bot.handlers.telegram.sender import TelegramSender
from bot.models import Role, User, Visit
from bot.scheduler import Dispatcher, Limits
from bot.scheduler.jobs import daily_report_tick
from bot.services.records import customers
from tests.support import FakeClock
from tests.telegram.conftest import Telegram, _ptb_timedelta, api, join, telegram, tg_settings
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, Person

__all__ = ["_ptb_timedelta", "api", "telegram", "tg_settings"]  # the Telegram fixtures, by name


def shanghai(hours: float) -> datetime:
    """Wednesday, Nov 18, 2026 at this hour in Shanghai (UTC+8)."""
    return datetime(2026, 11, 18, tzinfo=UTC) + timedelta(hours=hours - 8)


TOM = Person(601, "Tom", "Berg")
NORA = Person(602, "Nora", "Chen")


@pytest.fixture
async def sender(api: FakeBotApi) -> AsyncIterator[TelegramSender]:
    bot = Bot(TOKEN, base_url=api.base_url)
    await bot.initialize()
    try:
        yield TelegramSender(bot)
    finally:
        await bot.shutdown()


async def test_a_report_in_english_on_telegram(
    telegram: Telegram, api: FakeBotApi, sender: TelegramSender, clock: FakeClock
) -> None:
    await telegram.start(rate_limit=False)
    nora = await join(telegram, NORA, Role.MANAGER, None)
    boss = await User.get(name="Nora")
    tom = await join(telegram, TOM, Role.REP, boss.id)
    user = await User.get(name="Tom")
    acme = await customers.create_customer(user, customers.CustomerDraft("Acme Trading"))
    await Visit.create(
        customer_id=acme.id, user_id=user.id, at=shanghai(9.5), notes="demo went well"
    )
    outbox = Dispatcher(
        {"telegram": sender},
        limits=Limits(rate=1e6, burst=10_000, chat_rate=1e6, chat_burst=10_000),
    )

    clock.now = shanghai(18.01)
    await daily_report_tick(telegram.settings, now=clock.now)
    await outbox.drain()
    draft = tom.last
    assert draft["text"].startswith("📝 Your daily report for Wed, Nov 18 (draft):")
    assert "• 09:30 Acme Trading · Visit: demo went well" in draft["text"]
    labels = [b["text"] for row in draft["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["➕ Add a line", "✏️ Edit the draft", "📤 Send"]

    assert "What should the report add?" in await tom.tap("Add a line")
    assert "✍️ Two more demos booked." in await tom.say("Two more demos booked.")
    assert "Sent to Nora." in await tom.tap("Send")
    await outbox.drain()
    copy = nora.last
    assert copy["text"].startswith("📝 Daily report from Tom, Wed, Nov 18:")
    assert "✍️ Two more demos booked." in copy["text"]
    assert "Your comment for Tom?" in await nora.tap("Comment on it")
    assert "Sent to Tom." in await nora.say("Great, close them this week.")
    await outbox.drain()
    assert tom.last["text"] == (
        "💬 Nora commented on your daily report of Wed, Nov 18:\nGreat, close them this week."
    )
