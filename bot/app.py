"""Wiring: settings → database → engine, in one place; nothing is created at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.db import close_db, open_db
from bot.dialogs import Engine, build_registry
from bot.dialogs.storage import TortoiseStorage
from bot.metrics import NO_METRICS, MeteredTranscriber, Metrics
from bot.services.customers import DuplicateFinder
from bot.services.speech import BackendSpec, Speech


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
) -> Engine:
    """The engine with the database-backed state storage and the configured speech backend."""
    speech = build_speech(settings)
    return Engine(
        settings,
        TortoiseStorage(),
        build_registry(),
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
