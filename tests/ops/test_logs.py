"""Logs as operators configure them: one JSON object a line with the update's ids, never what
people wrote, never a token; the level and format from CRM_LOG_LEVEL / CRM_LOG_FORMAT."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot import logs
from tests.processes import crmbot_running, telegram_env
from tests.telegram.conftest import free_port
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, Person
from tests.test_cli import crmbot, logging_restored

SAID = "Visited Zanzibar Pickles about 4711 crates"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    with logging_restored():
        yield


async def test_crmbot_run_logs_json_lines_with_ids_and_without_texts(
    tmp_path: Path, api: FakeBotApi
) -> None:
    port = free_port()
    env = telegram_env(tmp_path, api, port, CRM_LOG_FORMAT="json", CRM_LOG_LEVEL="INFO")
    base = f"http://127.0.0.1:{port}"
    async with crmbot_running(tmp_path, env, "scheduler started") as log:
        person = Person(777001, "Stranger")
        update_id = api.send(person, SAID)
        await api.wait_for(lambda: bool(api.bot_messages(person.id)), within=10)
        async with ClientSession() as http:
            async with http.get(f"{base}/healthz") as health:
                assert health.status == 200, await health.text()
                body = await health.json()
                assert (body["database"], body["dispatcher"]) == ("ok", "ok")
            async with http.get(f"{base}/readyz") as ready:
                assert ready.status == 200
            async with http.get(f"{base}/metrics") as metrics:
                assert 'crmbot_updates_total{channel="telegram",outcome="ok"} 1.0' in (
                    await metrics.text()
                )
    lines = [json.loads(line) for line in "".join(log).splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    handled = [line for line in lines if line.get("update_id") == str(update_id)]
    assert handled, lines
    assert handled[-1]["chat"] == handled[-1]["user"] == str(person.id)
    assert handled[-1]["message"].startswith("update ok in ")
    written = "".join(log)
    assert "Zanzibar" not in written and "4711" not in written
    assert TOKEN not in written and TOKEN.split(":")[1] not in written


def test_secrets_are_masked_and_texts_stay_out_at_every_level(restore_logging: None) -> None:
    stream = io.StringIO()
    logs.configure("DEBUG", "json", secrets=["123456:ABC-sekrit"], stream=stream)
    library = logging.getLogger("some.library")
    with logs.bind(update_id=5, chat=42, user=None):
        library.debug("GET https://api.telegram.org/bot123456:ABC-sekrit/getMe")
    line = json.loads(stream.getvalue())
    assert line["message"] == "GET https://api.telegram.org/bot***/getMe"
    assert (line["update_id"], line["chat"]) == ("5", "42")
    assert "user" not in line


def test_text_format_names_the_update_too(restore_logging: None) -> None:
    stream = io.StringIO()
    logs.configure("INFO", "text", stream=stream)
    with logs.bind(channel="wecom", update_id="m1"):
        logging.getLogger("bot.x").info("update ok in 3 ms")
    logging.getLogger("bot.x").debug("not at INFO")
    (line,) = stream.getvalue().splitlines()
    assert line.endswith("INFO bot.x: update ok in 3 ms channel=wecom update_id=m1")


def test_an_unknown_format_is_refused_before_anything_runs(tmp_path: Path) -> None:
    done = crmbot(tmp_path, "migrate", CRM_LOG_FORMAT="yaml")
    assert done.returncode != 0
    assert "CRM_LOG_FORMAT" in done.stderr
