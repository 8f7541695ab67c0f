"""Two `crmbot scheduler` processes on one PostgreSQL database push each alert once, while the
fake Bot API is slow (a send outlives the claim) or answers 429 with a wait longer than the claim.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from bot.messages import Reply
from bot.models import ChannelIdentity, Notification, NotificationStatus, Role, User
from bot.services.notify import outbox
from tests.processes import CRMBOT, read_until, start
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.test_cli import env_for

CHAT = 930001


async def scheduler(tmp_path: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    proc = await start([*CRMBOT, "scheduler"], tmp_path, env, stdout=asyncio.subprocess.DEVNULL)
    await read_until(proc, [], "dispatcher", within=60)
    return proc


async def sent(texts: list[str], api: FakeBotApi, chat: int) -> None:
    """Until the row is recorded as sent, and a little longer: a second claim would have sent
    the message again by then (the lease is two seconds)."""
    for _ in range(300):
        if await Notification.filter(status=NotificationStatus.SENT).count() == len(texts):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.5)
    assert [m["text"] for m in api.bot_messages(chat)] == texts


async def test_two_processes_push_each_alert_once(
    db_url: str, tmp_path: Path, api: FakeBotApi
) -> None:
    if not db_url.startswith("postgres"):
        pytest.skip("several instances need PostgreSQL")
    boss = await User.create(name="Mia", role=Role.ADMIN)
    await ChannelIdentity.create(channel="telegram", external_id=str(CHAT), user_id=boss.id)
    env = env_for(
        tmp_path,
        CRM_DATABASE_URL=db_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        CRM_SEND_LEASE="2",
    )
    procs = await asyncio.gather(scheduler(tmp_path, env), scheduler(tmp_path, env))
    try:
        api.hold("sendMessage", seconds=4)  # slow, yet within the 5 s read timeout: two leases
        await outbox.notify(boss, Reply("Large deal: Acme"), "deal:1:large")
        await sent(["Large deal: Acme"], api, CHAT)
        assert len(api.calls_of("sendMessage")) == 1

        api.fail("sendMessage", status=429, retry_after=3)  # a wait of 1.5 leases
        await outbox.notify(boss, Reply("Large deal: Zeta"), "deal:2:large")
        await sent(["Large deal: Acme", "Large deal: Zeta"], api, CHAT)
        assert len(api.calls_of("sendMessage")) == 3  # the 429, then one delivery
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            assert await asyncio.wait_for(proc.wait(), 20) == 0
