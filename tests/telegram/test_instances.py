"""Two `crmbot run` instances behind one webhook URL on one PostgreSQL database.

A load balancer hands each update to either instance: a double tap on Save whose two callback
queries reach both at the same moment must store one visit, and a dialog started on one instance
continues on the other. Each instance is its own process, as in production.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

from bot.models import Customer, Role, Visit
from bot.services.people import users
from bot.services.records import customers
from tests.conftest import PG_URL
from tests.telegram.conftest import free_port
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, Person
from tests.telegram.test_run import crmbot_running
from tests.test_cli import env_for

pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="several instances need PostgreSQL"),
    pytest.mark.parametrize("db_url", ["postgres"], indirect=True),
]
SECRET = "one-secret-for-every-instance"
REPS = 12
_update_ids = itertools.count(50_000)


@dataclass
class Instance:
    """One running process, reached directly as the load balancer would."""

    hook: str
    http: ClientSession

    async def deliver(self, update: dict[str, Any]) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with self.http.post(self.hook, json=update, headers=headers) as response:
            assert response.status == 200, await response.text()


def message_update(person: Person, text: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": 0,
        "chat": person.private_chat(),
        "from": person.as_user(),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": next(_update_ids), "message": message}


def tap_update(person: Person, message: dict[str, Any], label: str) -> dict[str, Any]:
    data = next(
        button["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for button in row
        if label.casefold() in button["text"].casefold()
    )
    query = {
        "id": str(next(_update_ids)),
        "from": person.as_user(),
        "message": dict(message),
        "chat_instance": f"ci{person.id}",
        "data": data,
    }
    return {"update_id": next(_update_ids), "callback_query": query}


@pytest.fixture
async def instances(
    tmp_path: Path, api: FakeBotApi, db_url: str
) -> AsyncIterator[tuple[Instance, Instance]]:
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(ClientSession())
        started: list[Instance] = []
        for name in ("a", "b"):
            instance, env = behind_the_webhook(tmp_path / name, api, db_url, http)
            await stack.enter_async_context(crmbot_running(tmp_path / name, env, "webhook at"))
            started.append(instance)
        api.webhook = None  # updates reach the instances only as this test hands them out
        yield started[0], started[1]


def behind_the_webhook(
    folder: Path, api: FakeBotApi, db_url: str, http: ClientSession, **extra: str
) -> tuple[Instance, dict[str, str]]:
    """One more instance behind the webhook URL (the secret they share, a port of its own) in
    the new `folder`: how the test reaches it, and the environment `crmbot run` gets (with
    the settings in `extra`)."""
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    folder.mkdir()
    env = env_for(
        folder,
        CRM_DATABASE_URL=db_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        TELEGRAM_WEBHOOK_URL=hook,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        CRM_HTTP_HOST="127.0.0.1",
        CRM_HTTP_PORT=str(port),
        **extra,
    )
    return Instance(hook, http), env


async def said(api: FakeBotApi, person: Person, count: int) -> list[dict[str, Any]]:
    """The bot's messages to `person` once there are at least `count`."""
    await api.wait_for(lambda: len(api.bot_messages(person.id)) >= count, within=20)
    return api.bot_messages(person.id)


async def test_a_double_tap_reaching_both_instances_stores_one_visit(
    instances: tuple[Instance, Instance], api: FakeBotApi
) -> None:
    a, b = instances
    people = [Person(8000 + n, f"Rep{n}") for n in range(REPS)]

    async def walk_to_save(n: int, person: Person) -> dict[str, Any]:
        """Join and start /visit on one instance, go on across both, stop at "Save this?"."""
        # The instances run on the machine's clock, as in production.
        invite = await users.create_invite(
            None, Role.REP, name=person.first_name, now=datetime.now(UTC)
        )
        first, second = (a, b) if n % 2 == 0 else (b, a)
        seen = 0

        async def step(instance: Instance, update: dict[str, Any]) -> dict[str, Any]:
            nonlocal seen
            await instance.deliver(update)
            messages = await said(api, person, seen + 1)
            seen = len(messages)
            return messages[-1]

        await step(first, message_update(person, f"/start {invite.code}"))
        await asyncio.sleep(0.2)  # the welcome comes in two messages
        seen = len(api.bot_messages(person.id))
        rep = await users.identify("telegram", str(person.id))
        assert rep is not None
        await customers.create_customer(rep, customers.CustomerDraft(f"Acme {person.first_name}"))
        kinds = await step(first, message_update(person, f"/visit Acme {person.first_name}"))
        when = await step(second, tap_update(person, kinds, "Meeting"))
        await step(first, tap_update(person, when, "Now"))
        followup = await step(second, message_update(person, "They want 200 units"))
        summary = await step(first, tap_update(person, followup, "Skip"))
        assert "Save this?" in summary["text"], summary["text"]
        return summary

    summaries = await asyncio.gather(*(walk_to_save(n, p) for n, p in enumerate(people)))
    before = {p.id: len(api.bot_messages(p.id)) for p in people}
    taps = [
        instance.deliver(tap_update(person, summary, "Save"))
        for person, summary in zip(people, summaries, strict=True)
        for instance in (a, b)
    ]
    await asyncio.gather(*taps)
    for person in people:
        answers = (await said(api, person, before[person.id] + 2))[before[person.id] :]
        texts = sorted(m["text"] for m in answers)
        assert len(texts) == 2 and texts[0].startswith("Logged."), texts
        assert "earlier question" in texts[1], texts

    assert await Visit.all().count() == REPS
    for person in people:
        customer = await Customer.get(name=f"Acme {person.first_name}")
        assert await Visit.filter(customer_id=customer.id).count() == 1
