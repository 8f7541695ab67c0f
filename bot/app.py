"""Wiring, in one place: everything a process runs, built from the settings and a clock.

`running` opens the database and builds the engine; `serve` adds the channels (Telegram, WeChat,
WeCom), the HTTP server (webhooks, /healthz, /readyz, /metrics) and the scheduler pushing through
the channels' outbox senders, until a stop event; `run_scheduler` and `deliver_queued` push
through `pushing`'s senders without serving. Nothing is created at import time; `bot.cli` parses
the command line, calls these and prints.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from telegram.error import TelegramError

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.db import close_db, open_db
from bot.dialogs import FEATURES, Engine, build_registry
from bot.dialogs.feature import Feature
from bot.dialogs.storage import TortoiseStorage
from bot.handlers import wechat
from bot.handlers.telegram import TelegramChannel
from bot.handlers.telegram.channel import outbox_bot
from bot.handlers.telegram.request import AiohttpRequest
from bot.handlers.telegram.sender import TelegramSender
from bot.handlers.wechat import WeChatChannel, WeChatSender, configured
from bot.handlers.wechat.api import Api
from bot.health import Health
from bot.metrics import NO_METRICS, MeteredTranscriber, Metrics
from bot.scheduler import Dispatcher, Scheduler
from bot.sending import Sender
from bot.server import HttpServer
from bot.services.records.customers import DuplicateFinder
from bot.services.speech import BackendSpec, Speech

log = logging.getLogger("crmbot")  # the process's own lines: started, stopped


@dataclass(slots=True)
class App:
    """The running product: its settings, the one engine every channel talks to, its metrics."""

    settings: Settings
    engine: Engine
    metrics: Metrics = NO_METRICS


def build_speech(settings: Settings) -> Speech:
    """Whisper when CRM_STT_MODEL names a model directory, else pocketsphinx (ships its model)."""
    if settings.stt_model:
        spec = BackendSpec("whisper", settings.stt_model)
    else:
        spec = BackendSpec("pocketsphinx")
    return Speech(spec, workers=settings.stt_workers)


def build_engine(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    metrics: Metrics = NO_METRICS,
    features: Sequence[Feature] = FEATURES,
) -> Engine:
    """The engine with the database-backed state storage and the configured speech backend,
    serving these features (the product's, unless a test adds one of its own)."""
    speech = build_speech(settings)
    return Engine(
        settings,
        TortoiseStorage(),
        build_registry(features),
        finder=DuplicateFinder(),
        transcriber=MeteredTranscriber(speech, metrics) if metrics.enabled else speech,
        clock=clock,
    )


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    metrics: Metrics = NO_METRICS,
) -> AsyncIterator[App]:
    """Open the database (migrating it first), yield the app, close the database."""
    await open_db(settings.database_url)
    try:
        engine = build_engine(settings, clock=clock, metrics=metrics)
        await engine.finder.refresh()  # load the name indexes now, not on someone's first message
        speech = engine.transcriber
        try:
            yield App(settings, engine, metrics)
        finally:
            if isinstance(speech, Speech | MeteredTranscriber):
                await speech.close()
    finally:
        await close_db()


class CannotServe(Exception):
    """A start that cannot go on (the webhooks' port taken, a token Telegram refuses)."""


def has_telegram(settings: Settings) -> bool:
    token = settings.telegram_bot_token
    return token is not None and bool(token.get_secret_value())


def has_channels(settings: Settings) -> bool:
    """Whether any messenger is configured (else `serve` has nothing to serve)."""
    return has_telegram(settings) or bool(wechat.configured(settings))


def until_signalled() -> asyncio.Event:
    """An event SIGINT or SIGTERM sets: how a serving process is told to stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


def build_server(settings: Settings, health: Health, metrics: Metrics) -> HttpServer:
    """The HTTP server: /healthz, /readyz, /metrics; channels add their webhook routes."""
    token = settings.metrics_token
    return HttpServer(
        settings.http_host,
        settings.http_port,
        health=health,
        metrics=metrics,
        metrics_token=token.get_secret_value() if token else None,
    )


def build_telegram(
    settings: Settings, engine: Engine, server: HttpServer, metrics: Metrics = NO_METRICS
) -> TelegramChannel | None:
    """The Telegram channel when its token is set (polling, or its webhook route on `server`)."""
    if not has_telegram(settings):
        return None
    return TelegramChannel(settings, engine, server=server, metrics=metrics)


def build_wechat(
    settings: Settings,
    engine: Engine,
    server: HttpServer,
    *,
    clock: Clock = system_clock,
    metrics: Metrics = NO_METRICS,
) -> list[WeChatChannel]:
    """A channel for every WeChat / WeCom platform whose settings are complete."""
    return [
        WeChatChannel(platform, settings, engine, server, clock=clock, metrics=metrics)
        for platform in configured(settings)
    ]


async def serve(settings: Settings, stop: asyncio.Event, *, clock: Clock = system_clock) -> None:
    """Every configured channel, the HTTP server and the scheduler in this process until `stop`;
    `CannotServe` when it cannot start."""
    metrics = Metrics()
    health = Health(clock=clock)
    async with running(settings, clock=clock, metrics=metrics) as app:
        log.info("database ready (migrations applied)")
        health.watch_database(settings.database_url)
        server = build_server(settings, health, metrics)
        telegram = build_telegram(settings, app.engine, server, metrics)
        others = build_wechat(settings, app.engine, server, clock=clock, metrics=metrics)
        try:
            await server.start()
            log.info(
                "HTTP server on %s:%s (GET /healthz, /readyz, /metrics)",
                settings.http_host,
                server.port,
            )
        except OSError as busy:
            if others or (telegram is not None and telegram.mode == "webhook"):
                raise CannotServe(
                    f"Cannot serve the webhooks on port {settings.http_port}: {busy}"
                ) from busy
            log.warning("HTTP server not started (%s); polling works without it", busy)
        for channel in others:
            log.info("started %s", await channel.start())
        try:
            await _until_stopped(settings, telegram, others, stop, health, metrics, clock)
        finally:
            for channel in others:
                await channel.stop()
            await server.stop()
            log.info("stopped")


async def _until_stopped(
    settings: Settings,
    telegram: TelegramChannel | None,
    others: list[WeChatChannel],
    stop: asyncio.Event,
    health: Health,
    metrics: Metrics,
    clock: Clock,
) -> None:
    """Start Telegram (it may wait out an unreachable Bot API), then the scheduler; until stop."""
    starting = asyncio.create_task(telegram.start() if telegram is not None else _nothing())
    stopping = asyncio.create_task(stop.wait())
    scheduler: Scheduler | None = None
    health.watch_dispatcher(lambda: scheduler.dispatcher.last_tick if scheduler else None)
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            try:
                described = starting.result()
            except TelegramError as refused:  # e.g. a wrong token: retrying will not help
                raise CannotServe(f"Telegram did not start: {refused}") from refused
            if described:
                log.info("started %s", described)
            senders: dict[str, Sender] = {channel.channel: channel.sender for channel in others}
            if telegram is not None:
                senders["telegram"] = telegram.sender  # no retrying limiter: see its module
            scheduler = Scheduler(settings, senders, clock=clock, metrics=metrics)
            await scheduler.start()
            for channel in others:
                channel.on_queued(scheduler.dispatcher.wake)
            health.ready = True
            await stopping
    finally:
        health.stopping = True
        log.info("stopping")
        starting.cancel()
        stopping.cancel()
        await asyncio.gather(starting, stopping, return_exceptions=True)
        if scheduler is not None:
            await scheduler.stop()
        if telegram is not None:
            await telegram.stop()


async def _nothing() -> str:
    return ""


@asynccontextmanager
async def pushing(
    settings: Settings, *, clock: Clock = system_clock
) -> AsyncIterator[dict[str, Sender]]:
    """The outbox senders of every configured channel for a process that pushes without serving
    (`crmbot scheduler`, `crmbot digest`): the same Bot and APIs as `serve`'s, closed after."""
    senders: dict[str, Sender] = {}
    closing: list[Any] = []
    request = None
    if has_telegram(settings):
        request = AiohttpRequest()
        senders["telegram"] = TelegramSender(outbox_bot(settings, request))
    for platform in configured(settings):
        api = Api(platform, clock=clock)
        closing.append(api)
        senders[platform.channel] = WeChatSender(api)
    try:
        if request is not None:  # the HTTP session only: Telegram may be unreachable now
            await request.initialize()
        yield senders
    finally:
        if request is not None:
            await request.shutdown()
        for api in closing:
            await api.close()


async def deliver_queued(
    settings: Settings, *, clock: Clock = system_clock, within: float = 30
) -> bool:
    """Send what the outbox holds now (the database is open); False when no channel is set."""
    async with pushing(settings, clock=clock) as senders:
        if not senders:
            return False
        await Dispatcher.from_settings(settings, senders, clock=clock).drain(within=within)
    return True


async def run_scheduler(
    settings: Settings, stop: asyncio.Event, *, clock: Clock = system_clock
) -> None:
    """The scheduled jobs and the dispatcher without serving chats (e.g. a second instance)."""
    await open_db(settings.database_url)
    try:
        async with pushing(settings, clock=clock) as senders:
            scheduler = Scheduler(settings, senders, clock=clock)
            try:
                await scheduler.start()
                await stop.wait()
            finally:
                await scheduler.stop()
    finally:
        await close_db()
