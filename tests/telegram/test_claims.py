"""The processed-update claim the adapter relies on, and the HTTP transport's failure modes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from telegram.error import NetworkError, TimedOut

from bot.handlers.telegram.request import AiohttpRequest
from bot.models import ProcessedUpdate
from bot.services import updates
from tests.telegram.conftest import free_port


async def test_a_claim_is_taken_once_and_old_claims_are_pruned(db_url: str) -> None:
    assert await updates.claim("telegram", "123:1")
    assert not await updates.claim("telegram", "123:1")
    assert await updates.claim("wechat", "123:1"), "channels do not share keys"
    await ProcessedUpdate.filter(key="123:1", channel="telegram").update(
        created_at=datetime.now(UTC) - timedelta(days=4)
    )
    assert await updates.prune("telegram", datetime.now(UTC) - timedelta(days=3)) == 1
    assert await ProcessedUpdate.all().count() == 1


async def test_the_transport_reports_timeouts_and_unreachable_hosts_as_ptb_errors() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.Response(text="{}")

    app = web.Application()
    app.router.add_post("/slow", slow)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    request = AiohttpRequest(read_timeout=0.05)
    try:
        await request.initialize()
        with pytest.raises(TimedOut):
            await request.do_request(f"http://127.0.0.1:{port}/slow", "POST")
        await runner.cleanup()
        with pytest.raises(NetworkError):
            await request.do_request(f"http://127.0.0.1:{port}/slow", "POST")
    finally:
        await request.shutdown()
        await runner.cleanup()
    with pytest.raises(RuntimeError):
        await request.do_request(f"http://127.0.0.1:{port}/slow", "POST")
