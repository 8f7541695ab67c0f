"""Wiring: settings → database → engine, in one place; nothing is created at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Settings
from bot.db import close_db, open_db
from bot.dialogs import Engine, build_registry
from bot.dialogs.storage import TortoiseStorage
from bot.services.capture_names import mention_finder
from bot.services.customers import DuplicateFinder


@dataclass(slots=True)
class App:
    """The running product: its settings and the one engine every channel talks to."""

    settings: Settings
    engine: Engine


def build_engine(
    settings: Settings, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Engine:
    """The engine with the database-backed state storage."""
    return Engine(
        settings, TortoiseStorage(), build_registry(), finder=DuplicateFinder(), clock=clock
    )


@asynccontextmanager
async def running(
    settings: Settings, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> AsyncIterator[App]:
    """Open the database (migrating it first), yield the app, close the database."""
    await open_db(settings.database_url)
    try:
        engine = build_engine(settings, clock=clock)
        await engine.finder.refresh()  # load the name index now, not on someone's first message
        await mention_finder(engine.finder).refresh()  # and the one quick capture reads
        yield App(settings, engine)
    finally:
        await close_db()
