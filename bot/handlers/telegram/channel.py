"""Telegram in the running process: build the PTB Application, start it polling or on a webhook.

`bot.app` builds a `TelegramChannel` when a token is set and hands its `sender` to the outbox.
Start-up waits out an unreachable Bot API (backoff, no crash); polling has PTB's own error backoff.
Answers to updates go through the Application's bot, whose rate limiter waits out a 429 and
retries; every push outside an update goes through the outbox's second Bot without it
(`sender`, built by `outbox_bot`), because the dispatcher handles a 429 itself (pause,
reschedule) and a send must never outlive its claim. Old update claims are pruned hourly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest

from bot.clock import system_clock
from bot.config import Settings
from bot.dialogs.engine import Engine
from bot.dialogs.registry import Registry
from bot.handlers.intake import Intake
from bot.handlers.telegram import shape
from bot.handlers.telegram.adapter import CHANNEL, TelegramAdapter, download
from bot.handlers.telegram.ratelimit import ChatRateLimiter
from bot.handlers.telegram.request import AiohttpRequest
from bot.handlers.telegram.sender import TelegramSender
from bot.handlers.telegram.updates import ChatOrderedProcessor
from bot.handlers.telegram.webhook import webhook_handler, webhook_path
from bot.i18n import Translator
from bot.metrics import DUPLICATE, NO_METRICS, Metrics
from bot.models import Role
from bot.services import intake, updates
from bot.services.intake import Stored
from bot.services.people import users

if TYPE_CHECKING:
    from bot.server import HttpServer

log = logging.getLogger(__name__)

T = TypeVar("T")
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
MENU_LANGUAGES = {"en": None, "zh": "zh"}  # English is the default menu for every other language
KEEP_CLAIMS = timedelta(days=3)  # Telegram keeps an undelivered update for 24 hours
PRUNE_EVERY = 3600.0
# On SIGTERM the turns in hand get this long to finish; the unit's TimeoutStopSec is 30 s.
FINISH_WITHIN = 15.0


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between attempts while the Bot API is unreachable: doubling, capped."""

    first: float = 1.0
    maximum: float = 60.0

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay
            delay = min(self.maximum, delay * 2)


def file_base_url(base_url: str) -> str:
    """Files come from the same host under /file/bot, as on api.telegram.org."""
    if base_url.endswith("/bot"):
        return base_url[: -len("bot")] + "file/bot"
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}/file/bot"


def build_application(
    settings: Settings,
    adapter: TelegramAdapter,
    *,
    rate_limit: bool = True,
    max_concurrent_chats: int = 256,
    requests: tuple[BaseRequest, BaseRequest] | None = None,
) -> Application:
    """The PTB Application for the settings' token and API server, wired to the adapter."""
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # Opt in to PTB's coming timedelta durations now (and avoid its deprecation warnings).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    calls, polls = requests or (AiohttpRequest(), AiohttpRequest(connection_pool_size=1))
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_base_url(settings.telegram_api_base_url))
        .request(calls)
        .get_updates_request(polls)
        .concurrent_updates(ChatOrderedProcessor(max_concurrent_chats))
        .job_queue(None)
    )
    if rate_limit:
        builder = builder.rate_limiter(ChatRateLimiter(chat_burst=settings.telegram_chat_burst))
    application = builder.build()
    application.add_error_handler(adapter.on_error)
    return application


def outbox_bot(settings: Settings, request: BaseRequest) -> Bot:
    """A Bot for the outbox's pushes: same token and API server, no retrying rate limiter (a
    429 reaches the dispatcher at once; its own limits keep the pace)."""
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # as for the Application
    return Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        base_file_url=file_base_url(settings.telegram_api_base_url),
        request=request,
        get_updates_request=request,
    )


async def set_commands(application: Application, registry: Registry) -> None:
    """The command menu of each role, in English (everyone) and Chinese (apps set to Chinese):
    reps' menu for every private chat, and a chat's own menu for each manager, finance person
    and admin, so nobody is offered a command that is not theirs."""
    chats = await private_menus()
    for language, code in MENU_LANGUAGES.items():
        t = Translator.for_user(language, None)

        def menu(role: Role, t: Translator = t) -> list[BotCommand]:
            return [BotCommand(name, t.gettext(text)) for name, text in registry.menu(role)]

        bot = application.bot
        await bot.set_my_commands(
            menu(Role.REP), scope=BotCommandScopeAllPrivateChats(), language_code=code
        )
        for chat_id, role in chats:
            await bot.set_my_commands(
                menu(role), scope=BotCommandScopeChat(int(chat_id)), language_code=code
            )


async def private_menus() -> list[tuple[str, Role]]:
    """The Telegram chats whose menu differs from a rep's (numeric ids only)."""
    return [
        (chat, role)
        for chat, role in await users.chats_by_role(CHANNEL, besides=Role.REP)
        if chat.lstrip("-").isdigit()
    ]


class TelegramChannel:
    """One bot token served in this process: polling by default, a webhook when a URL is set."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        server: HttpServer | None = None,
        rate_limit: bool = True,
        poll_timeout: float = 30.0,
        backoff: Backoff | None = None,
        metrics: Metrics = NO_METRICS,
        finish_within: float = FINISH_WITHIN,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.adapter = TelegramAdapter(engine, metrics)
        self.intake = Intake(CHANNEL, self._handle_stored, clock=engine.clock)
        self.finish_within = finish_within
        self._accepting = False
        self._poller: asyncio.Task[None] | None = None
        self.registry = engine.registry
        # Held here so `stop` closes their sessions even when the Bot API never answered.
        self._requests = (AiohttpRequest(), AiohttpRequest(connection_pool_size=1))
        self.application = build_application(
            settings, self.adapter, rate_limit=rate_limit, requests=self._requests
        )
        self._pushes = AiohttpRequest(connection_pool_size=64)
        self.sender = TelegramSender(outbox_bot(settings, self._pushes))
        self.webhook_url = settings.telegram_webhook_url or None
        secret = settings.telegram_webhook_secret
        self.secret = (secret.get_secret_value() if secret else "") or secrets.token_urlsafe(32)
        self.poll_timeout = poll_timeout
        self.backoff = backoff or Backoff()
        self._pruner: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._connected = False
        if self.webhook_url:
            if server is None:
                raise ValueError("a webhook needs the HTTP server")
            path = webhook_path(self.webhook_url)
            handler = webhook_handler(
                lambda: self.application.bot, self.secret, self.store, lambda: self._accepting
            )
            server.add_post(path, handler)
        if server is not None:
            server.add_check(CHANNEL, lambda: self.application.running)

    @property
    def mode(self) -> str:
        return "webhook" if self.webhook_url else "polling"

    async def start(self) -> str:
        """Connect (waiting out outages), set the menu, start processing, then receive updates."""
        try:
            await self._retry("connect", self.application.initialize)
            self._connected = True
            await self._retry("connect the outbox", self.sender.bot.initialize)
            bot = self.application.bot
            await self._menu()
            await self.application.start()
            self.intake.start()
            self._accepting = True
            if self.webhook_url:
                url = self.webhook_url
                await self._retry(
                    "set the webhook",
                    lambda: bot.set_webhook(
                        url, allowed_updates=ALLOWED_UPDATES, secret_token=self.secret
                    ),
                )
            else:
                await self._retry("stop the webhook", bot.delete_webhook)
                self._poller = asyncio.create_task(self._poll_forever(), name="telegram-poll")
        except BaseException:
            await self.stop()
            raise
        self._stopping.clear()
        self._pruner = asyncio.create_task(self._prune_forever(), name="telegram-prune")
        described = f"Telegram @{bot.username}: {self.mode}"
        if self.webhook_url:
            described += f" at {self.webhook_url} (route {webhook_path(self.webhook_url)})"
        configured = self.settings.telegram_bot_username
        if configured and configured.lstrip("@").casefold() != bot.username.casefold():
            log.warning(
                "TELEGRAM_BOT_USERNAME is %s but the token belongs to @%s; invite links will "
                "point to the wrong bot",
                configured,
                bot.username,
            )
        return described

    async def stop(self) -> None:
        """Stop receiving (the webhook answers 503, polling stops fetching), let the updates in
        hand finish (within `finish_within`; the rest wait in the database), close connections
        (the webhook stays set)."""
        self._accepting = False
        if self._poller is not None:
            self._poller.cancel()  # nothing fetched is lost: the offset confirms stored ones only
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        await self.intake.stop(self.finish_within)
        if self._pruner is not None:
            self._stopping.set()  # a prune under way finishes its query first
            await self._pruner
            self._pruner = None
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if self._connected:
            await app.shutdown()
            self._connected = False
        for request in (*self._requests, self._pushes):  # also after a start that never got through
            await request.shutdown()

    async def store(self, data: dict[str, Any], update: Update) -> None:
        """Keep an update in the database before it is acknowledged, then have it handled."""
        chat = update.effective_chat
        stored = await intake.store(
            CHANNEL,
            f"{self.application.bot.id}:{update.update_id}",
            json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            chat=str(chat.id) if chat is not None else None,
            seq=update.update_id,
        )
        if stored:
            self.intake.wake()
        else:
            log.info("update %s was already received; skipped", update.update_id)
            self.metrics.handled(CHANNEL, DUPLICATE, 0.0)

    async def settled(self, within: float = 60.0) -> None:
        """Until every stored update is handled (tests and benchmarks wait on this)."""
        await self.intake.settled(within)

    async def _handle_stored(self, stored: Stored) -> None:
        """A stored update, taken once from the database, through the adapter."""
        bot = self.application.bot
        try:
            update = shape.checked(shape.loads(stored.payload), bot)
        except shape.NotAnUpdate as bad:  # stored by a release that checked less
            log.warning("stored update %s is unreadable and skipped: %s", stored.seq, bad)
            return
        await self.adapter.handle(update, bot)

    async def _poll_forever(self) -> None:
        """Long polling: each batch is stored before the next call confirms its offset, so an
        update Telegram counts as delivered is always in the database."""
        bot = self.application.bot
        offset: int | None = None
        delays = self.backoff.delays()
        while True:
            try:
                batch = await bot.get_updates(
                    offset=offset,
                    timeout=int(self.poll_timeout),
                    read_timeout=self.poll_timeout + 10,
                    allowed_updates=ALLOWED_UPDATES,
                )
                for update in batch:
                    data = update.to_dict()
                    try:
                        update = shape.checked(data, bot)
                    except shape.NotAnUpdate as bad:
                        log.warning("update %s is not readable: %s", update.update_id, bad)
                    else:
                        await self.store(data, update)
                    offset = update.update_id + 1
                delays = self.backoff.delays()
            except RetryAfter as flood:
                await asyncio.sleep(_seconds(flood.retry_after))
            except TelegramError as failed:
                _polling_error(failed)
                await asyncio.sleep(next(delays))
            except Exception:
                log.exception("storing polled updates failed; they will be fetched again")
                await asyncio.sleep(next(delays))

    async def download(self, ref: str) -> bytes:
        """The bytes behind a file reference such as `Audio.ref`."""
        return await download(self.application.bot, ref)

    async def _menu(self) -> None:
        try:
            await self._retry(
                "set the commands menu", lambda: set_commands(self.application, self.registry)
            )
        except TelegramError as refused:
            log.warning("commands menu not set: %s", refused)

    async def _retry(self, what: str, action: Callable[[], Awaitable[T]]) -> T:
        """Run `action` until the Bot API answers; network trouble waits, refusals raise."""
        delays = self.backoff.delays()
        while True:
            try:
                return await action()
            except BadRequest:
                raise
            except RetryAfter as flood:
                delay = _seconds(flood.retry_after) + 0.1
            except NetworkError as down:  # includes TimedOut and 5xx answers
                delay = next(delays)
                log.warning(
                    "Telegram Bot API unreachable (%s) while trying to %s; retrying in %.1f s",
                    down,
                    what,
                    delay,
                )
            await asyncio.sleep(delay)

    async def _prune_forever(self) -> None:
        """Forget old update claims now and then, until the channel stops; a failure only
        postpones it."""
        while not self._stopping.is_set():
            try:
                removed = await updates.prune(CHANNEL, system_clock() - KEEP_CLAIMS)
                if removed:
                    log.info("forgot %d old Telegram update claims", removed)
            except Exception:
                log.exception("pruning Telegram update claims failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), PRUNE_EVERY)


def _polling_error(error: TelegramError) -> None:
    """One line per failed poll; PTB backs off by itself and keeps polling."""
    log.warning("polling Telegram failed: %s", error)


def _seconds(value: object) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(str(value))
