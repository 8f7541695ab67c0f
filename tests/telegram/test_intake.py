"""Durable intake: every update acknowledged is in the database first; SIGTERM stops taking
updates and exits well within the unit's 30 s; what was stored and not handled is handled after
a restart, or by another instance, each exactly once and in order per chat."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import ClientSession
from pydantic import SecretStr

from bot.app import build_engine
from bot.config import Settings
from bot.db import close_db, open_db
from bot.models import ProcessedUpdate, Role
from bot.services.people import users
from tests.conftest import PG_URL
from tests.processes import CRMBOT, read_until, start, telegram_env
from tests.telegram.conftest import free_port, quick_channel
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, Person
from tests.telegram.test_instances import Instance, behind_the_webhook, message_update

TOM = Person(4242, "Tom")
BACKLOG = 60
ASKED = re.compile(r"“q(\d+)”")


def answered(api: FakeBotApi, person: Person) -> list[int]:
    """The numbers of the `/customer qN` questions the bot answered, in the order it did."""
    return [
        int(match.group(1))
        for message in api.bot_messages(person.id)
        if (match := ASKED.search(message.get("text", "")))
    ]


async def invite() -> str:
    """A rep's invite code, as `crmbot invite --role rep` makes it (the database is open)."""
    return (await users.create_invite(None, Role.REP, now=datetime.now(UTC))).code


async def stopped_within(proc: asyncio.subprocess.Process, seconds: float) -> tuple[int, str]:
    began = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.stderr is not None
    async with asyncio.timeout(seconds):
        rest = (await proc.stderr.read()).decode()
        code = await proc.wait()
    return code, f"{time.monotonic() - began:.1f} s\n{rest}"


async def test_sigterm_with_300_acknowledged_then_a_restart_answers_each_once_in_order(
    tmp_path: Path, api: FakeBotApi
) -> None:
    url = f"sqlite://{tmp_path / 'cli.db'}"
    await open_db(url)  # a fresh file, migrated as `crmbot invite` would
    try:
        code = await invite()
    finally:
        await close_db()
    env = telegram_env(tmp_path, api, free_port())
    proc = await start([*CRMBOT, "run"], tmp_path, env)
    log: list[str] = []
    await read_until(proc, log, "started Telegram @crm_test_bot: polling", 60)
    api.send(TOM, f"/start {code}")
    await api.wait_for(lambda: bool(api.bot_messages(TOM.id)), within=20)
    last = [api.send(TOM, f"/customer q{n}") for n in range(300)][-1]
    await api.wait_delivered(last, within=30)  # offset confirmed: Telegram counts all delivered
    await asyncio.sleep(1)
    exit_code, took = await stopped_within(proc, 30)
    assert exit_code == 0, took
    print(f"stopped after SIGTERM in {took.split(chr(10))[0]}")
    before = answered(api, TOM)
    assert before == list(range(len(before))) and len(before) < 300, before
    stored = await _count_stored(url)
    assert stored == 300 - len(before), "the rest waits in the database"

    # The restart (in this process, without the per-chat pace, so the test ends soon).
    settings = Settings(
        CRM_DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN=SecretStr(TOKEN),
        TELEGRAM_API_BASE_URL=api.base_url,
    )
    await open_db(settings.database_url)
    try:
        channel = quick_channel(settings, build_engine(settings), None, rate_limit=False)
        await channel.start()
        try:
            await channel.settled(within=120)
        finally:
            await channel.stop()
    finally:
        await close_db()
    assert answered(api, TOM) == list(range(300)), "each exactly once, in order"


async def _count_stored(url: str) -> int:
    await open_db(url, apply_migrations=False)
    try:
        return await ProcessedUpdate.filter(handled=False, payload__isnull=False).count()
    finally:
        await close_db()


@pytest.mark.skipif(not PG_URL, reason="several instances need PostgreSQL")
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_an_instance_stopped_in_a_backlog_leaves_it_to_the_other(
    tmp_path: Path, api: FakeBotApi, db_url: str
) -> None:
    people = [Person(5000 + n, f"P{n}") for n in range(3)]
    procs: list[asyncio.subprocess.Process] = []

    async def launch(name: str, http: ClientSession, **settings: str) -> Instance:
        instance, env = behind_the_webhook(tmp_path / name, api, db_url, http, **settings)
        proc = await start([*CRMBOT, "run"], tmp_path / name, env)
        procs.append(proc)
        await read_until(proc, [], "webhook at", 60)
        api.webhook = None  # updates reach the instances only as this test hands them out
        return instance

    try:
        async with ClientSession() as http:
            first = await launch("a", http)
            for person in people:
                await first.deliver(message_update(person, f"/start {await invite()}"))
            sent = []
            for n in range(BACKLOG):  # all to the first instance: two replies a second a chat
                for person in people:
                    sent.append(message_update(person, f"/customer q{n}"))
                    await first.deliver(sent[-1])
            # The second answers what is left at once: its pace is not what is tested here.
            second = await launch("b", http, TELEGRAM_CHAT_BURST=str(2 * 2 * BACKLOG))
            exit_code, took = await stopped_within(procs[0], 30)
            assert exit_code == 0, took
            left = [answered(api, person) for person in people]
            assert all(len(numbers) < BACKLOG for numbers in left), "stopped in the middle"
            # Telegram redelivering to the live instance what the first one stored: no effect.
            await second.deliver(sent[-1])
        try:
            await api.wait_for(
                lambda: all(len(answered(api, p)) >= BACKLOG for p in people), within=60
            )
        except TimeoutError:
            _, rest = await stopped_within(procs[1], 30)
            raise AssertionError([answered(api, p) for p in people], rest[-3000:]) from None
        await asyncio.sleep(1)  # anything answered twice would show by now
        for person in people:
            numbers = answered(api, person)
            assert numbers == list(range(BACKLOG)), (person.first_name, numbers)
    finally:
        for proc in procs:
            if proc.returncode is None:
                await stopped_within(proc, 30)
