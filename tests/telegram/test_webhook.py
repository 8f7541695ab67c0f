"""Production mode: Telegram pushes updates to our aiohttp server, with the secret header."""

from __future__ import annotations

from aiohttp import ClientSession

from bot.models import ProcessedUpdate, Role
from tests.conftest import Team
from tests.telegram.conftest import Telegram, join
from tests.telegram.fake_bot_api import FakeBotApi, Person

TOM = Person(701, "Tom")


async def test_the_webhook_refuses_a_wrong_or_missing_secret(
    telegram: Telegram, api: FakeBotApi
) -> None:
    await telegram.start(webhook=True, rate_limit=False)
    assert telegram.server is not None and telegram.channel is not None
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": TOM.private_chat(),
            "from": TOM.as_user(),
            "text": "/help",
        },
    }
    url = f"{telegram.server.url}/telegram/hook"
    async with ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 403
        secret = {"X-Telegram-Bot-Api-Secret-Token": telegram.channel.secret}
        for body in (
            b"{not json",
            b"[1, 2]",
            b'{"update_id": "x"}',
            b'{"update_id": 1, "message": 5}',
        ):
            async with http.post(url, data=body, headers=secret) as response:
                assert response.status == 400, body
        async with http.get(f"{telegram.server.url}/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"status": "ok", "channels": {"telegram": "ok"}}
    await telegram.channel.application.update_queue.join()
    assert await ProcessedUpdate.all().count() == 0
    assert not api.calls_of("sendMessage"), "nothing processed"


async def test_the_webhook_works_end_to_end(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    described = await telegram.start(webhook=True, rate_limit=False)
    assert described.startswith("Telegram @crm_test_bot: webhook at http://127.0.0.1:")
    assert telegram.channel is not None
    (call,) = api.calls_of("setWebhook")
    assert call.params["url"].endswith("/telegram/hook")
    assert call.params["secret_token"] == telegram.channel.secret
    assert len(telegram.channel.secret) >= 32, "generated when TELEGRAM_WEBHOOK_SECRET is unset"
    assert set(call.params["allowed_updates"]) == {"message", "callback_query"}
    assert not api.calls_of("getUpdates")

    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    await tom.say("/newcustomer Webhook Ltd")
    assert "Address?" in await tom.tap("Skip")
    await telegram.restart()
    assert len(api.calls_of("setWebhook")) == 2
    assert "Cancelled" in await tom.tap("Cancel")
