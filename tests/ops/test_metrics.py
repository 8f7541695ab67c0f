"""/metrics in the Prometheus text format: counters move when a message is handled and a
notification is sent; the outbox figures are read at scrape time; a token guards it if set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_engine
from bot.config import Settings
from bot.handlers.telegram.sender import TelegramSender
from bot.messages import Audio, Reply
from bot.metrics import MeteredTranscriber, Metrics, metered
from bot.models import Role, User
from bot.scheduler import Dispatcher, Limits, Scheduler
from bot.server import HttpServer
from bot.services.notify import outbox
from bot.services.people import users
from tests.conftest import Team
from tests.ops.conftest import RecordingSender
from tests.support import FakeClock
from tests.telegram.conftest import quick_channel
from tests.telegram.fake_bot_api import FakeBotApi, Person

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(server: HttpServer, token: str | None = None) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        ClientSession() as http,
        http.get(f"{server.url}/metrics", headers=headers) as response,
    ):
        assert response.status == 200, await response.text()
        assert response.content_type == "text/plain"
        text = await response.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


class Served:
    """Telegram as `crmbot run` wires it, with metrics, on a server of its own."""

    def __init__(self, settings: Settings, clock: FakeClock) -> None:
        self.metrics = Metrics(clock=clock)
        self.server = HttpServer("127.0.0.1", 0, metrics=self.metrics, metrics_token="s3cret-xyz")
        engine = build_engine(settings, clock=clock, metrics=self.metrics)
        self.channel = quick_channel(
            settings, engine, self.server, rate_limit=False, metrics=self.metrics
        )


@pytest.fixture
async def served(tg_settings: Settings, clock: FakeClock) -> AsyncIterator[Served]:
    run = Served(tg_settings, clock)
    await run.server.start()
    await run.channel.start()
    try:
        yield run
    finally:
        await run.channel.stop()
        await run.server.stop()


async def test_counters_move_when_a_message_is_handled_and_a_notification_sent(
    served: Served, api: FakeBotApi, clock: FakeClock
) -> None:
    before = await scrape(served.server, "s3cret-xyz")
    assert value(before, "crmbot_updates_total", channel="telegram", outcome="ok") == 0
    assert value(before, "crmbot_outbox_pending") == 0

    invite = await users.create_invite(None, Role.REP, name="Li", now=clock.now)
    li = Person(4242, "Li")
    update_id = api.send(li, f"/start {invite.code}")
    await api.wait_delivered(update_id)
    await served.channel.settled()
    assert "Welcome, Li!" in api.bot_messages(li.id)[0]["text"]

    user = await User.get(name="Li")
    clock.now = datetime.now(UTC)  # rows are stamped by the database's clock: align with it
    await outbox.notify(user, Reply("First"), "ops:1")
    await outbox.notify(user, Reply("Second"), "ops:2")
    clock.advance(minutes=5)
    pending = await scrape(served.server, "s3cret-xyz")
    assert value(pending, "crmbot_outbox_pending") == 2
    assert 299 <= value(pending, "crmbot_outbox_oldest_pending_seconds") <= 301
    assert value(pending, "crmbot_outbox_query_up") == 1

    sender = TelegramSender(served.channel.application.bot)
    dispatcher = Dispatcher(
        metered({"telegram": sender}, served.metrics),
        clock=clock,
        limits=Limits(rate=100, burst=100, chat_rate=100, chat_burst=100),
    )
    api.fail("sendMessage", count=1, status=429, retry_after=1)
    await dispatcher.drain(within=10)  # the 429: retried after its wait, not counted an attempt
    clock.advance(seconds=2)
    await dispatcher.drain(within=10)
    assert [m["text"] for m in api.bot_messages(li.id)[-2:]] == ["First", "Second"]

    after = await scrape(served.server, "s3cret-xyz")
    assert value(after, "crmbot_updates_total", channel="telegram", outcome="ok") == 1
    assert value(after, "crmbot_reply_seconds_count", channel="telegram") == 1
    assert value(after, "crmbot_sends_total", channel="telegram", result="ok") == 2
    assert value(after, "crmbot_sends_total", channel="telegram", result="429") == 1
    assert value(after, "crmbot_send_pauses_total", channel="telegram") == 1
    assert value(after, "crmbot_outbox_pending") == 0
    assert value(after, "crmbot_outbox_oldest_pending_seconds") == 0
    assert value(after, "crmbot_dialog_errors_total", channel="telegram") == 0


async def test_a_redelivered_update_counts_as_a_duplicate(served: Served, api: FakeBotApi) -> None:
    stranger = Person(5151, "Stranger")
    update_id = api.send(stranger, "/start")
    await api.wait_delivered(update_id)
    await served.channel.settled()
    api.push(api._incoming_message(stranger, None) | {"text": "/start"}, update_id=update_id)
    await api.wait_delivered(update_id)
    await served.channel.settled()
    samples = await scrape(served.server, "s3cret-xyz")
    assert value(samples, "crmbot_updates_total", channel="telegram", outcome="ok") == 1
    assert value(samples, "crmbot_updates_total", channel="telegram", outcome="duplicate") == 1


async def test_the_token_guards_the_metrics(served: Served) -> None:
    async with ClientSession() as http:
        for headers in ({}, {"Authorization": "Bearer guess"}, {"Authorization": "s3cret-xyz"}):
            async with http.get(f"{served.server.url}/metrics", headers=headers) as response:
                assert response.status == 401


async def test_two_apps_count_apart_and_jobs_are_counted(
    settings: Settings, clock: FakeClock
) -> None:
    """Registries belong to the app: a second one starts from zero (tests stay isolated)."""
    first, second = Metrics(clock=clock), Metrics(clock=clock)
    scheduler = Scheduler(settings, {"console": RecordingSender()}, clock=clock, metrics=first)
    await scheduler.fire("digest")
    server = HttpServer("127.0.0.1", 0, metrics=first)
    other = HttpServer("127.0.0.1", 0, metrics=second)
    await server.start()
    await other.start()
    try:
        mine = await scrape(server)
        theirs = await scrape(other)
    finally:
        await server.stop()
        await other.stop()
    assert value(mine, "crmbot_scheduler_job_runs_total", job="digest", result="ok") == 1
    assert value(theirs, "crmbot_scheduler_job_runs_total", job="digest", result="ok") == 0


async def test_without_metrics_there_is_no_route(db_url: str) -> None:
    server = HttpServer("127.0.0.1", 0)
    await server.start()
    try:
        async with ClientSession() as http, http.get(f"{server.url}/metrics") as response:
            assert response.status == 404
    finally:
        await server.stop()


class BrokenBackend:
    """A speech backend whose worker breaks in a way nobody planned for."""

    async def transcribe(self, data: bytes, mime: str, hints: object) -> str:
        raise RuntimeError("the model file is corrupt")


class HearingBackend:
    """A speech backend that hears the same words every time."""

    async def transcribe(self, data: bytes, mime: str, hints: object) -> str:
        return "call Acme tomorrow"


async def test_a_failed_dialog_and_voice_notes_are_counted(team: Team) -> None:
    metrics = Metrics()
    li = team.chats["Li Wei"]
    note = Audio(ref="v1", duration=3.0, mime="audio/ogg", data=b"OggS...")
    team.engine.transcriber = MeteredTranscriber(BrokenBackend(), metrics)
    with metrics.handling("console", chat=li.external_id):
        answer = await li.send(audio=note)
    assert "Sorry, something went wrong" in answer
    team.engine.transcriber = MeteredTranscriber(HearingBackend(), metrics)
    with metrics.handling("console", chat=li.external_id):
        answer = await li.send(audio=note)
    assert "call Acme tomorrow" in answer

    server = HttpServer("127.0.0.1", 0, metrics=metrics)
    await server.start()
    try:
        samples = await scrape(server)
    finally:
        await server.stop()
    assert value(samples, "crmbot_dialog_errors_total", channel="console") == 1
    assert value(samples, "crmbot_updates_total", channel="console", outcome="ok") == 2
    assert value(samples, "crmbot_speech_notes_total", result="error") == 1
    assert value(samples, "crmbot_speech_notes_total", result="heard") == 1
    assert value(samples, "crmbot_speech_seconds_count") == 2
