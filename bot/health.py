"""What /healthz and /readyz answer: whether this process works now, and whether to send it traffic.

Healthy means every part the process runs is doing its job right now: the database answers a
query, the outbox dispatcher has gone round its loop recently (a hung or crashed loop stops
ticking), and every configured channel serves. A load balancer or an orchestrator reads only the
status code; the JSON body names what is wrong for the person who gets paged. Ready means start-up
is over (migrations applied, channels started) and shutdown has not begun.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections

from bot.clock import Clock, system_clock
from bot.db import sqlite_path

TICK_WITHIN = timedelta(minutes=2)
DATABASE_TIMEOUT = 3.0

Ping = Callable[[], Awaitable[object]]


def database_ping(db_url: str) -> Ping:
    """One trivial query on the app's connection; raises when the database does not answer.

    A SQLite file that was deleted or whose volume went away still answers through the open
    handle (writes then go nowhere), so the file must also still be where the settings say.
    """
    path = sqlite_path(db_url)

    async def ping() -> None:
        if path is not None and not await asyncio.to_thread(os.path.exists, path):
            raise FileNotFoundError(f"the database file {path} is gone")
        await connections.get("default").execute_query("SELECT 1")

    return ping


@dataclass
class Health:
    """The checks of one process; parts register themselves as they are wired."""

    clock: Clock = system_clock
    tick_within: timedelta = TICK_WITHIN
    database_timeout: float = DATABASE_TIMEOUT
    channels: dict[str, Callable[[], bool]] = field(default_factory=dict)
    ping: Ping | None = None
    last_tick: Callable[[], datetime | None] | None = None
    ready: bool = False
    stopping: bool = False

    def watch_database(self, db_url: str) -> None:
        self.ping = database_ping(db_url)

    def watch_dispatcher(self, last_tick: Callable[[], datetime | None]) -> None:
        """`last_tick` is None until the dispatcher runs (unhealthy until then)."""
        self.last_tick = last_tick

    async def check(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, the JSON body): each part's state, and the problems in one list."""
        problems: list[str] = []
        states = {name: "ok" if serving() else "down" for name, serving in self.channels.items()}
        problems += [f"channel {name} is not serving" for name, s in states.items() if s != "ok"]
        body: dict[str, Any] = {"channels": states}
        if self.ping is not None:
            body["database"] = await self._database()
            if body["database"] != "ok":
                problems.append(f"database: {body['database']}")
        if self.last_tick is not None:
            body["dispatcher"] = self._dispatcher()
            if body["dispatcher"] != "ok":
                problems.append(f"outbox dispatcher: {body['dispatcher']}")
        healthy = not problems
        head: dict[str, Any] = {"status": "ok" if healthy else "down"}
        if problems:
            body["problems"] = problems
        return healthy, head | body

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        if self.stopping:
            return False, {"status": "stopping"}
        if not self.ready:
            return False, {"status": "starting"}
        return True, {"status": "ready"}

    async def _database(self) -> str:
        assert self.ping is not None
        try:
            async with asyncio.timeout(self.database_timeout):
                await self.ping()
        except TimeoutError:
            return f"no answer within {self.database_timeout:g} s"
        except Exception as failed:
            return f"{type(failed).__name__}: {failed}"[:200]
        return "ok"

    def _dispatcher(self) -> str:
        assert self.last_tick is not None
        tick = self.last_tick()
        if tick is None:
            return "not running"
        age = (self.clock() - tick).total_seconds()
        if age > self.tick_within.total_seconds():
            return f"last tick {age:.0f} s ago"
        return "ok"
