"""The outbox through the Telegram sender against the fake Bot API: 429s, 5xx, a blocked user."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.buttons import Action, pack
from bot.handlers.telegram.sender import TelegramSender
from bot.messages import Button, ButtonKind, Reply
from bot.models import ChannelIdentity, Notification, NotificationStatus, User
from bot.scheduler import Dispatcher, Limits
from bot.services.notify import outbox
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi

CHATS = [910001, 910002, 910003]


@pytest.fixture
async def sender(api: FakeBotApi) -> AsyncIterator[TelegramSender]:
    bot = Bot(TOKEN, base_url=api.base_url)
    await bot.initialize()
    try:
        yield TelegramSender(bot)
    finally:
        await bot.shutdown()


async def people() -> list[User]:
    users = []
    for chat in CHATS:
        user = await User.create(name=f"U{chat}")
        await ChannelIdentity.create(channel="telegram", external_id=str(chat), user_id=user.id)
        users.append(user)
    return users


async def deliver(sender: TelegramSender, until: int, within: float = 20.0) -> Dispatcher:
    d = Dispatcher(
        {"telegram": sender}, limits=Limits(rate=30, burst=30, chat_rate=10, chat_burst=10)
    )
    stop = asyncio.Event()
    run = asyncio.create_task(d.run(stop))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        done = await Notification.exclude(status=NotificationStatus.PENDING).count()
        if done >= until:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await run
    return d


async def test_a_429_storm_delays_but_loses_nothing(
    db_url: str, api: FakeBotApi, sender: TelegramSender
) -> None:
    users = await people()
    button = Button("Log a visit", pack(Action("visit", "5")), ButtonKind.ACTION)
    for n in range(8):
        for user in users:
            await outbox.notify(user, Reply(f"{user.id}-{n}", ((button,),)), f"s:{user.id}:{n}")
    api.fail("sendMessage", count=6, status=429, retry_after=1)
    api.fail("sendMessage", count=2, status=502)
    await deliver(sender, until=24)
    for user, chat in zip(users, CHATS, strict=True):
        texts = [m["text"] for m in api.bot_messages(chat)]
        assert texts == [f"{user.id}-{n}" for n in range(8)]  # all, once, in order
    keyboard = api.bot_messages(CHATS[0])[0]["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": "Log a visit", "callback_data": pack(Action("visit", "5"))}]]
    assert await Notification.filter(status=NotificationStatus.SENT).count() == 24
    answered_429 = len(api.calls_of("sendMessage")) - 24 - 2
    assert answered_429 == 6


async def test_blocked_on_telegram_marks_the_identity_and_stops(
    db_url: str, api: FakeBotApi, sender: TelegramSender
) -> None:
    user = (await people())[0]
    for n in range(3):
        await outbox.notify(user, Reply(f"m{n}"), f"b:{n}")
    api.fail("sendMessage", count=1, status=403)
    await deliver(sender, until=3)
    assert len(api.calls_of("sendMessage")) == 1  # no retries after "blocked"
    identity = await ChannelIdentity.get(external_id=str(CHATS[0]))
    assert identity.unreachable_at is not None
    rows = await Notification.filter(recipient_id=user.id).order_by("id")
    assert [r.status for r in rows] == [NotificationStatus.FAILED] * 3


async def test_a_digest_arrives_on_telegram_with_its_buttons(
    db_url: str, api: FakeBotApi, sender: TelegramSender
) -> None:
    from bot.messages import Later
    from bot.services.notify.digests import Digest, Item

    user = (await people())[0]
    await User.filter(id=user.id).update(locale="zh", timezone="Asia/Shanghai")
    digest = Digest(user.id, "2026-11-18", due_today=1)
    digest.followups = [Item(42, "Acme", "2026-11-18T06:00:00+00:00")]
    await outbox.notify(user, Later("digest", digest.params()), f"digest:{user.id}:2026-11-18")
    await deliver(sender, until=1)
    [message] = api.bot_messages(CHATS[0])
    assert "11月18日" in message["text"] and "Acme" in message["text"]
    keyboard = message["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for b in keyboard[0]] == [
        pack(Action("cust", "42")),
        pack(Action("visit", "42")),
    ]
