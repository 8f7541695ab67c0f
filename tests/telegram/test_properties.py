"""Property tests at the Telegram webhook: arbitrary JSON, and real updates with any field
replaced by arbitrary JSON, never answer 5xx and never end in a traceback; what is answered 200
is handled (or ignored) quietly."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp import ClientSession
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.models import Role
from tests.conftest import Team
from tests.telegram.conftest import Telegram, join
from tests.telegram.fake_bot_api import FakeBotApi, Person

TOM = Person(701, "Tom")
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
PATHS = [
    ("update_id",),
    ("message",),
    ("message", "text"),
    ("message", "chat"),
    ("message", "chat", "id"),
    ("message", "chat", "type"),
    ("message", "from"),
    ("message", "from", "id"),
    ("message", "from", "language_code"),
    ("message", "message_id"),
    ("message", "date"),
    ("message", "entities"),
    ("message", "caption"),
    ("message", "voice"),
    ("message", "location"),
    ("message", "contact"),
    ("message", "document"),
    ("message", "photo"),
    ("message", "reply_to_message"),
    ("callback_query",),
    ("callback_query", "data"),
    ("callback_query", "from", "id"),
    ("callback_query", "message"),
    ("edited_message",),
    ("poll",),
    ("my_chat_member",),
]


def _real(update_id: int, tap: bool) -> dict[str, Any]:
    message = {
        "message_id": 1,
        "date": 0,
        "chat": TOM.private_chat(),
        "from": TOM.as_user(),
        "text": "/help",
    }
    if tap:
        return {
            "update_id": update_id,
            "callback_query": {
                "id": "7",
                "from": TOM.as_user(),
                "chat_instance": "1",
                "data": "1n:cancel",
                "message": message,
            },
        }
    return {"update_id": update_id, "message": message}


def _replace(update: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    node = update
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[path[-1]] = value
    return update


@pytest.fixture
async def hook(telegram: Telegram, team: Team) -> tuple[str, dict[str, str]]:
    await telegram.start(webhook=True, rate_limit=False)
    assert telegram.server is not None and telegram.channel is not None
    await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    return (
        f"{telegram.server.url}/telegram/hook",
        {"X-Telegram-Bot-Api-Secret-Token": telegram.channel.secret},
    )


_ids = iter(range(10_000, 10**9))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        JSON,
        st.tuples(st.booleans(), st.sampled_from(PATHS), JSON).map(
            lambda t: _replace(_real(next(_ids), t[0]), t[1], t[2])
        ),
    )
)
async def test_any_json_posted_to_the_webhook(
    telegram: Telegram,
    api: FakeBotApi,
    hook: tuple[str, dict[str, str]],
    caplog: pytest.LogCaptureFixture,
    body: Any,
) -> None:
    url, secret = hook
    caplog.clear()
    async with ClientSession() as http, http.post(url, json=body, headers=secret) as response:
        assert response.status in (200, 400), body
    assert telegram.channel is not None
    await telegram.channel.settled()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], body
    sent = [m.get("text", "") for m in api.bot_messages(TOM.id)]
    assert not any("went wrong" in text for text in sent)
