"""APScheduler wiring: two instances on one database tick and dispatch; each digest goes once."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.scheduler import Scheduler
from tests.scheduler.helpers import CHANNEL, RecordingSender, person
from tests.scheduler.test_jobs import rep_with_work
from tests.test_cli import crmbot

MORNING = datetime(2026, 11, 18, 0, 31, tzinfo=UTC)  # 08:31 in Shanghai


async def test_two_instances_send_each_digest_once(db_url: str, settings: Settings) -> None:
    reps = [await rep_with_work(f"R{n}", "Asia/Shanghai", "en", 8) for n in range(3)]
    await person("Berlin", tz="Europe/Berlin")  # not yet 08:30 there
    sender = RecordingSender()
    instances = [
        Scheduler(settings, {CHANNEL: sender}, clock=lambda: MORNING, tick_seconds=0.1)
        for _ in range(2)
    ]
    for instance in instances:
        await instance.start()
    try:
        for _ in range(100):
            if len(sender.sent) >= 3:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.4)  # a few more ticks on both: nothing new may go out
    finally:
        for instance in instances:
            await instance.stop()
    assert sorted(chat for chat, _ in sender.sent) == sorted(f"chat-{r.id}" for r in reps)


def test_command_line_outbox_and_dry_run(tmp_path: Path) -> None:
    assert crmbot(tmp_path, "chat", stdin="/help\n").returncode == 0  # makes the local admin
    dry = crmbot(tmp_path, "digest", "--user", "1", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Nothing to send" in dry.stdout
    missing = crmbot(tmp_path, "summary", "--user", "99", "--dry-run")
    assert missing.returncode == 2
    with sqlite3.connect(tmp_path / "cli.db") as conn:  # as the dispatcher marks a blocked chat
        conn.execute(
            "UPDATE channel_identities SET unreachable_at = '2026-11-18 00:00:00+00:00', "
            "unreachable_reason = 'blocked: Forbidden'"
        )
    conn.close()
    box = crmbot(tmp_path, "outbox")
    assert box.returncode == 0, box.stderr
    assert "Notifications: pending 0, sent 0, failed 0" in box.stdout
    assert "blocked: Forbidden" in box.stdout
    people = crmbot(tmp_path, "users")
    assert "Unreachable" in people.stdout and "blocked: Forbidden" in people.stdout
