"""/healthz answers 503 naming the broken part when the database or the dispatcher stops, and
200 again once it is back; /readyz follows start-up and shutdown."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

from bot.db import close_db, open_db, sqlite_path
from bot.health import Health
from bot.scheduler import Dispatcher
from bot.server import HttpServer
from tests.conftest import PG_URL
from tests.ops.conftest import RecordingSender
from tests.support import FakeClock


class Probe:
    """What a load balancer sees: the status code and the body of one GET."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server

    async def get(self, path: str) -> tuple[int, dict[str, Any]]:
        async with ClientSession() as http, http.get(f"{self.server.url}{path}") as response:
            return response.status, await response.json()


class Running:
    """A server with the health checks `crmbot run` registers, and a dispatcher to stop."""

    def __init__(self, db_url: str, clock: FakeClock) -> None:
        self.health = Health(clock=clock)
        self.health.watch_database(db_url)
        self.server = HttpServer("127.0.0.1", 0, health=self.health)
        self.health.channels["console"] = lambda: True
        self.dispatcher = Dispatcher({"console": RecordingSender()}, clock=clock, idle=0.05)
        self.health.watch_dispatcher(lambda: self.dispatcher.last_tick)
        self.probe = Probe(self.server)
        self._stop = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None

    def start_dispatcher(self) -> None:
        self._stop = asyncio.Event()
        self._loop = asyncio.create_task(self.dispatcher.run(self._stop))

    async def stop_dispatcher(self) -> None:
        self._stop.set()
        if self._loop is not None:
            await self._loop
            self._loop = None


@pytest.fixture
async def running(db_url: str, clock: FakeClock) -> AsyncIterator[Running]:
    run = Running(db_url, clock)
    await run.server.start()
    try:
        yield run
    finally:
        await run.stop_dispatcher()
        await run.server.stop()


async def until_ticked(run: Running) -> None:
    for _ in range(100):
        if run.dispatcher.last_tick is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the dispatcher never ticked")


async def test_healthy_only_while_the_dispatcher_ticks(running: Running, clock: FakeClock) -> None:
    status, body = await running.probe.get("/healthz")
    assert status == 503
    assert body["dispatcher"] == "not running"
    assert body["problems"] == ["outbox dispatcher: not running"]

    running.start_dispatcher()
    await until_ticked(running)
    status, body = await running.probe.get("/healthz")
    assert (status, body) == (
        200,
        {"status": "ok", "channels": {"console": "ok"}, "database": "ok", "dispatcher": "ok"},
    )

    await running.stop_dispatcher()
    clock.advance(seconds=119)
    assert (await running.probe.get("/healthz"))[0] == 200  # within the 2 minutes
    clock.advance(seconds=61)
    status, body = await running.probe.get("/healthz")
    assert status == 503
    assert body["status"] == "down"
    assert body["problems"] == ["outbox dispatcher: last tick 180 s ago"]

    running.start_dispatcher()
    for _ in range(100):
        if (await running.probe.get("/healthz"))[0] == 200:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("still unhealthy after the dispatcher came back")


async def test_a_channel_that_stops_serving_is_named(running: Running) -> None:
    running.start_dispatcher()
    await until_ticked(running)
    serving = {"telegram": True}
    running.health.channels["telegram"] = lambda: serving["telegram"]
    assert (await running.probe.get("/healthz"))[0] == 200
    serving["telegram"] = False
    status, body = await running.probe.get("/healthz")
    assert status == 503
    assert body["channels"] == {"console": "ok", "telegram": "down"}
    assert body["problems"] == ["channel telegram is not serving"]


async def test_a_sqlite_file_that_goes_away_is_unhealthy_until_back(
    running: Running, db_url: str
) -> None:
    path = sqlite_path(db_url)
    if path is None:
        pytest.skip("a PostgreSQL outage is the next test")
    running.start_dispatcher()
    await until_ticked(running)
    assert (await running.probe.get("/healthz"))[0] == 200
    moved = Path(path).with_suffix(".away")
    os.rename(path, moved)  # the volume is unmounted, or someone deleted the file
    try:
        status, body = await running.probe.get("/healthz")
        assert status == 503
        assert body["database"].startswith("FileNotFoundError: the database file")
        assert body["problems"][0].startswith("database: ")
    finally:
        os.rename(moved, path)
    assert (await running.probe.get("/healthz"))[0] == 200


@pytest.mark.skipif(not PG_URL, reason="CRM_TEST_DATABASE_URL not set")
async def test_a_postgres_that_refuses_connections_is_unhealthy_until_back(
    clock: FakeClock, postgres_template: str
) -> None:
    """A real outage: every connection of the app is cut and new ones are refused for a while."""
    import asyncpg

    assert PG_URL is not None
    admin_dsn = PG_URL.replace("postgres://", "postgresql://", 1)
    name = f"{PG_URL.rsplit('/', 1)[1]}_health_{os.getpid()}"  # this run's alone
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
        url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
        await open_db(url)
        run = Running(url, clock)
        await run.server.start()
        run.start_dispatcher()
        try:
            await until_ticked(run)
            assert (await run.probe.get("/healthz"))[0] == 200
            await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
            status, body = await run.probe.get("/healthz")
            assert status == 503
            assert body["database"] != "ok"
            await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
            for _ in range(50):
                status, body = await run.probe.get("/healthz")
                if status == 200:
                    break
                await asyncio.sleep(0.1)
            assert (status, body["database"]) == (200, "ok")
        finally:
            await run.stop_dispatcher()
            await run.server.stop()
            await close_db()
    finally:
        await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def test_ready_between_start_up_and_shutdown(clock: FakeClock) -> None:
    health = Health(clock=clock)
    server = HttpServer("127.0.0.1", 0, health=health)
    await server.start()
    probe = Probe(server)
    try:
        assert await probe.get("/readyz") == (503, {"status": "starting"})
        health.ready = True
        assert await probe.get("/readyz") == (200, {"status": "ready"})
        health.stopping = True
        assert await probe.get("/readyz") == (503, {"status": "stopping"})
    finally:
        await server.stop()


def test_the_tick_window_is_two_minutes() -> None:
    assert Health().tick_within == timedelta(minutes=2)
