"""`crmbot run` as an operator starts it: nothing configured, then a token against the fake."""

from __future__ import annotations

from pathlib import Path

from aiohttp import ClientSession

from tests.processes import crmbot_running, telegram_env
from tests.telegram.conftest import free_port
from tests.telegram.fake_bot_api import FakeBotApi, Person
from tests.test_cli import crmbot


def test_run_without_a_channel_says_what_is_missing(tmp_path: Path) -> None:
    done = crmbot(tmp_path, "run")
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in done.stderr and "TELEGRAM_WEBHOOK_URL" in done.stderr
    assert "crmbot chat" in done.stderr


def test_invite_prints_the_deep_link_when_the_bot_is_known(tmp_path: Path) -> None:
    done = crmbot(tmp_path, "invite", "--role", "rep", TELEGRAM_BOT_USERNAME="crm_test_bot")
    assert done.returncode == 0, done.stderr
    assert "https://t.me/crm_test_bot?start=" in done.stdout


async def test_run_serves_telegram_and_healthz_until_sigterm(
    tmp_path: Path, api: FakeBotApi
) -> None:
    port = free_port()
    env = telegram_env(tmp_path, api, port)
    async with crmbot_running(tmp_path, env, "started Telegram @crm_test_bot: polling") as log:
        assert any(f"HTTP server on 127.0.0.1:{port}" in line for line in log)
        async with ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as health:
            assert health.status == 200

        stranger = Person(901, "Stranger")
        api.send(stranger, "/start")
        await api.wait_for(lambda: bool(api.bot_messages(stranger.id)), within=10)
        assert "private sales bot" in api.bot_messages(stranger.id)[0]["text"]
