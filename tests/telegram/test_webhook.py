"""Production mode: Telegram pushes updates to our aiohttp server, with the secret header."""

from __future__ import annotations

import logging

import pytest
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
    await telegram.channel.settled()
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


def _message(**fields: object) -> dict[str, object]:
    return {"message_id": 1, "date": 0, "chat": TOM.private_chat(), "from": TOM.as_user(), **fields}


async def test_a_body_that_is_not_an_update_is_refused_without_a_traceback(
    telegram: Telegram, api: FakeBotApi, team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    """Wrong types, numbers past 64 bits and deep nesting answer 400 and are never handled;
    odd but valid updates answer 200 and the bot stays quiet about them."""
    await telegram.start(webhook=True, rate_limit=False)
    assert telegram.server is not None and telegram.channel is not None
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    url = f"{telegram.server.url}/telegram/hook"
    secret = {"X-Telegram-Bot-Api-Secret-Token": telegram.channel.secret}
    claims = await ProcessedUpdate.all().count()
    sent = len(api.calls_of("sendMessage"))
    deep = b"[" * 50_000 + b"]" * 50_000
    refused: list[bytes | dict[str, object]] = [
        {"update_id": 900, "message": _message(text=5)},
        {
            "update_id": 901,
            "message": {**_message(text="hi"), "chat": {"id": "abc", "type": "private"}},
        },
        {"update_id": 902, "message": {**_message(text="hi"), "from": {"id": {"x": 1}}}},
        {"update_id": 2**70, "message": _message(text="hi")},
        {
            "update_id": 903,
            "message": {**_message(text="hi"), "chat": {"id": 2**64, "type": "private"}},
        },
        {"update_id": 904, "callback_query": {"id": "1", "from": TOM.as_user(), "data": 7}},
        {"update_id": 905, "poll_answer": {"poll_id": "1", "user": {"id": "me"}}},
        {"update_id": 906, "message": _message(text="hi", entities=[{"type": "bold"}])},
        b'{"update_id": 907, "message": ' + deep + b"}",
        deep,
        b"\xff\xfe",
    ]
    caplog.clear()
    async with ClientSession() as http:
        for body in refused:
            kwargs = {"json": body} if isinstance(body, dict) else {"data": body}
            async with http.post(url, headers=secret, **kwargs) as response:
                assert response.status == 400, str(body)[:80]
        odd = [
            {"update_id": 910, "edited_message": _message(text="edited")},
            {
                "update_id": 911,
                "poll": {
                    "id": "p",
                    "question": "Lunch?",
                    "options": [{"persistent_id": "o1", "text": "yes", "voter_count": 1}],
                    "total_voter_count": 1,
                    "is_closed": False,
                    "is_anonymous": True,
                    "type": "regular",
                    "allows_multiple_answers": False,
                    "allows_revoting": False,
                    "members_only": False,
                },
            },
            {
                "update_id": 912,
                "channel_post": {**_message(text="news"), "chat": {"id": -100, "type": "channel"}},
            },
            {
                "update_id": 913,
                "my_chat_member": {"chat": TOM.private_chat(), "from": TOM.as_user(), "date": 0},
            },
        ]
        for body in odd:
            async with http.post(url, headers=secret, json=body) as response:
                assert response.status == 200, body
    await telegram.channel.settled()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert len(api.calls_of("sendMessage")) == sent, "nothing answered"
    assert await ProcessedUpdate.all().count() == claims + len(odd), "only the valid ones claimed"
    assert "Nothing to cancel" in await tom.say("/cancel"), "the chat still answers"
