"""Telegram fixtures: the fake Bot API, the real channel against it, people with phones."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import build_engine
from bot.config import Settings
from bot.dialogs.engine import Engine
from bot.handlers.telegram import Backoff, TelegramChannel
from bot.metrics import NO_METRICS, Metrics
from bot.models import Role
from bot.server import HttpServer
from bot.services.people import users
from tests.support import FakeClock
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, Person


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB's opt-in to timedelta durations, as the channel sets it (no deprecation warnings)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
def tg_settings(settings: Settings, api: FakeBotApi) -> Settings:
    return settings.model_copy(
        update={"telegram_bot_token": SecretStr(TOKEN), "telegram_api_base_url": api.base_url}
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def quick_channel(
    settings: Settings,
    engine: Engine,
    server: HttpServer | None,
    *,
    rate_limit: bool,
    metrics: Metrics = NO_METRICS,
) -> TelegramChannel:
    """The real channel with a one-second long poll and quick retries, so that tests stop soon."""
    return TelegramChannel(
        settings,
        engine,
        server=server,
        rate_limit=rate_limit,
        poll_timeout=1,
        backoff=Backoff(first=0.05, maximum=0.2),
        metrics=metrics,
    )


class Telegram:
    """The whole Telegram side of the product as `crmbot run` starts it, restartable."""

    def __init__(self, api: FakeBotApi, settings: Settings, clock: FakeClock) -> None:
        self.api = api
        self.settings = settings
        self.clock = clock
        self.channel: TelegramChannel | None = None
        self.server: HttpServer | None = None

    async def start(self, *, webhook: bool = False, rate_limit: bool = True) -> str:
        settings = self.settings
        self.server = None
        if webhook:
            port = free_port()
            settings = settings.model_copy(
                update={"telegram_webhook_url": f"http://127.0.0.1:{port}/telegram/hook"}
            )
            self.server = HttpServer("127.0.0.1", port)
        engine = build_engine(settings, clock=self.clock)  # a new process: nothing in memory
        self.channel = quick_channel(settings, engine, self.server, rate_limit=rate_limit)
        if self.server is not None:
            await self.server.start()
        return await self.channel.start()

    async def stop(self) -> None:
        if self.channel is not None:
            await self.channel.stop()
            self.channel = None
        if self.server is not None:
            await self.server.stop()
            self.server = None

    async def restart(self) -> None:
        webhook = self.server is not None
        await self.stop()
        await self.start(webhook=webhook)

    async def settle(self, update_id: int, within: float = 60.0) -> None:
        """Until the update is taken from the fake and every queued update is processed."""
        await self.api.wait_delivered(update_id, within)
        assert self.channel is not None
        await self.channel.settled(within)


class Phone:
    """One person's Telegram app: type, tap, share; returns what the bot newly sent."""

    def __init__(self, telegram: Telegram, person: Person) -> None:
        self.telegram = telegram
        self.api = telegram.api
        self.person = person

    @property
    def chat(self) -> list[dict[str, Any]]:
        return self.api.bot_messages(self.person.id)

    @property
    def last(self) -> dict[str, Any]:
        return self.chat[-1]

    async def _after(self, push: Any) -> list[dict[str, Any]]:
        before = len(self.chat)
        update_id = push()
        await self.telegram.settle(update_id)
        return self.chat[before:]

    async def say(self, text: str) -> str:
        return texts(await self._after(lambda: self.api.send(self.person, text)))

    async def share(self, **content: Any) -> str:
        return texts(await self._after(lambda: self.api.share(self.person, **content)))

    def find(self, label: str) -> tuple[dict[str, Any], str]:
        """The newest message with a button whose label contains `label`, and its data."""
        for message in reversed(self.chat):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if label.casefold() in button["text"].casefold():
                        return message, button["callback_data"]
        raise AssertionError(f"no button {label!r} in the chat")

    async def tap(self, label: str) -> str:
        message, data = self.find(label)
        return await self.tap_data(message, data)

    async def tap_data(self, message: dict[str, Any], data: str) -> str:
        return texts(await self._after(lambda: self.api.tap(self.person, dict(message), data)))


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n\n".join(m.get("text") or m.get("caption") or "" for m in messages)


@pytest.fixture
async def telegram(
    api: FakeBotApi, tg_settings: Settings, clock: FakeClock, db_url: str
) -> AsyncIterator[Telegram]:
    tg = Telegram(api, tg_settings, clock)
    try:
        yield tg
    finally:
        await tg.stop()


async def join(telegram: Telegram, person: Person, role: Role, manager_id: int | None) -> Phone:
    """Invite someone the way an admin does, and redeem it over Telegram with /start CODE."""
    invite = await users.create_invite(
        None, role, manager_id=manager_id, name=person.first_name, now=telegram.clock.now
    )
    phone = Phone(telegram, person)
    reply = await phone.say(f"/start {invite.code}")
    assert f"Welcome, {person.first_name}!" in reply, reply
    return phone
