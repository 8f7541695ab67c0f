"""The outbox: written with the change, never twice, delivered in order, failures kept and shown."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from bot.messages import Button, ButtonKind, Later, Reply
from bot.models import ChannelIdentity, Notification, NotificationStatus, User
from bot.scheduler import Dispatcher
from bot.services.notify import outbox
from tests.scheduler.helpers import CHANNEL, RecordingSender, fast_limits, person
from tests.support import FakeClock


def dispatcher(sender: RecordingSender, clock: FakeClock, **kwargs: object) -> Dispatcher:
    return Dispatcher({CHANNEL: sender}, limits=fast_limits(), clock=clock, **kwargs)  # type: ignore[arg-type]


async def test_notify_is_part_of_the_callers_transaction_and_deduplicated(db_url: str) -> None:
    rep = await person("Li Wei")
    with pytest.raises(RuntimeError):
        async with in_transaction():
            assert await outbox.notify(rep, Reply("hello"), "k:1")
            raise RuntimeError("the business change failed")
    assert not await Notification.exists(dedupe_key="k:1")
    async with in_transaction():
        assert await outbox.notify(rep, Reply("hello"), "k:1")
        assert not await outbox.notify(rep.id, Reply("hello again"), "k:1")
        await User.filter(id=rep.id).update(name="Li Wei 2")  # the caller's transaction goes on
    assert await Notification.filter(dedupe_key="k:1").count() == 1
    assert await outbox.notify_many([(rep.id, Reply("x"), "k:1"), (rep.id, Reply("y"), "k:2")]) == 1


async def test_delivers_in_order_per_recipient_with_buttons(db_url: str, clock: FakeClock) -> None:
    a, b = await person("A"), await person("B")
    button = Button("Open", "a:cust:7", ButtonKind.ACTION)
    for n in range(5):
        await outbox.notify(a, Reply(f"a{n}", ((button,),)), f"a:{n}")
        await outbox.notify(b, Reply(f"b{n}"), f"b:{n}")
    sender = RecordingSender()
    assert await dispatcher(sender, clock).drain() == 10
    assert sender.texts(f"chat-{a.id}") == [f"a{n}" for n in range(5)]
    assert sender.texts(f"chat-{b.id}") == [f"b{n}" for n in range(5)]
    assert sender.sent[0][1].buttons == ((button,),)
    rows = await Notification.filter(status=NotificationStatus.SENT).count()
    assert rows == 10


async def test_network_errors_back_off_then_give_up_with_the_reason(
    db_url: str, clock: FakeClock
) -> None:
    rep = await person("Flaky")
    await outbox.notify(rep, Reply("first"), "f:1")
    await outbox.notify(rep, Reply("second"), "f:2")
    sender = RecordingSender(flaky={f"chat-{rep.id}": 2})
    d = dispatcher(sender, clock, max_attempts=5)
    await d.drain()
    row = await Notification.get(dedupe_key="f:1")
    assert row.status == NotificationStatus.PENDING and row.attempts == 1
    assert "Bad Gateway" in row.last_error
    assert not sender.sent  # "second" waits behind "first": order per recipient holds
    clock.advance(seconds=2)
    await d.drain()
    clock.advance(seconds=4)
    await d.drain()
    assert sender.texts(f"chat-{rep.id}") == ["first", "second"]
    # A chat that never recovers fails after max_attempts, with the last error kept.
    dead = await person("Dead")
    await outbox.notify(dead, Reply("x"), "d:1")
    sender.flaky[f"chat-{dead.id}"] = 100
    for _ in range(6):
        await d.drain()
        clock.advance(seconds=600)
    row = await Notification.get(dedupe_key="d:1")
    assert row.status == NotificationStatus.FAILED and row.attempts == 5
    assert "gave up after 5 attempts" in row.last_error


async def test_blocked_user_stops_retries_and_is_reported(
    db_url: str, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    rep = await person("Blocker")
    for n in range(3):
        await outbox.notify(rep, Reply(f"m{n}"), f"m:{n}")
    sender = RecordingSender(blocked={f"chat-{rep.id}"})
    await dispatcher(sender, clock).drain()
    rows = await Notification.filter(recipient_id=rep.id).order_by("id")
    assert [r.status for r in rows] == [NotificationStatus.FAILED] * 3
    assert rows[0].attempts == 1 and "blocked" in rows[0].last_error
    assert all(r.attempts == 0 for r in rows[1:])  # never tried: no reachable chat left
    assert "no reachable chat" in rows[1].last_error
    identity = await ChannelIdentity.get(user_id=rep.id)
    assert identity.unreachable_at is not None and "blocked" in identity.unreachable_reason
    state = await outbox.state()
    assert state.counts["failed"] == 3
    assert state.unreachable[0]["user_id"] == rep.id


async def test_a_crashed_dispatchers_claims_come_back_after_the_lease(
    db_url: str, clock: FakeClock
) -> None:
    rep = await person("Li")
    await outbox.notify(rep, Later("digest", {"user_id": rep.id, "local_date": "2026-11-18"}), "k")
    assert len(await outbox.claim("dead-worker", now=clock.now)) == 1
    sender = RecordingSender()
    d = dispatcher(sender, clock)
    assert await d.drain() == 0  # leased by the dead worker
    clock.advance(seconds=outbox.LEASE.total_seconds() + 1)
    assert await d.drain() == 1
    assert await d.drain() == 0
    assert sender.texts(f"chat-{rep.id}") == ["☀️ Good morning! Nothing is due today."]


async def test_two_dispatchers_deliver_500_once_each(db_url: str, clock: FakeClock) -> None:
    """Two dispatchers (on PostgreSQL: SKIP LOCKED claims on separate connections)."""
    people = [await person(f"P{n}") for n in range(50)]
    await outbox.notify_many(
        [(p.id, Reply(f"{p.id}:{n}"), f"t:{p.id}:{n}") for n in range(10) for p in people]
    )
    sender = RecordingSender(delay=0.001)
    first, second = (dispatcher(sender, clock, concurrency=10) for _ in range(2))
    stop = asyncio.Event()
    runs = [asyncio.create_task(d.run(stop)) for d in (first, second)]
    for _ in range(600):
        if len(sender.sent) >= 500:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*runs)
    texts = [reply.text for _, reply in sender.sent]
    assert len(texts) == 500 and len(set(texts)) == 500
    for p in people:
        assert sender.texts(f"chat-{p.id}") == [f"{p.id}:{n}" for n in range(10)]
    assert first.delivered > 0 and second.delivered > 0
    assert await Notification.filter(status=NotificationStatus.SENT).count() == 500


async def test_limits_pace_a_burst_to_the_configured_rate() -> None:
    from bot.scheduler import Limits

    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limits = Limits(rate=30, burst=30, chat_rate=1, chat_burst=5, clock=lambda: now[0], sleep=sleep)
    for n in range(90):
        await limits.acquire(f"chat-{n}")
    assert now[0] == pytest.approx(2.0, abs=0.01)  # 30 at once, then 60 at 30/s
    now[0] = 100.0
    for _ in range(7):
        await limits.acquire("same")
    assert now[0] == pytest.approx(102.0, abs=0.01)  # a burst of 5, then one a second
    limits.pause(3)
    await limits.acquire("other")
    assert now[0] == pytest.approx(105.0, abs=0.01)
    assert timedelta(seconds=sum(waits)) > timedelta(0)


async def test_a_claim_in_hand_is_renewed_a_third_of_the_way_into_its_lease(
    db_url: str, clock: FakeClock
) -> None:
    """Renewal is what keeps another instance from sending a slow push again, so it comes well
    before the claim runs out: by default every third of the lease (here 3 s, renewed at 1 s),
    not once a lease, when the claim would already be up for grabs."""
    rep = await person("Li")
    await outbox.notify(rep, Reply("Large deal: Acme"), "deal:1:large")
    lease = timedelta(seconds=3)
    first = dispatcher(RecordingSender(delay=1.8), clock, lease=lease)  # a slow network
    second = dispatcher(RecordingSender(), clock, lease=lease)
    loop = asyncio.get_running_loop()
    began = loop.time()
    sending = asyncio.create_task(first.drain())
    claimed = await Notification.get(dedupe_key="deal:1:large")
    while claimed.claimed_until is None:
        await asyncio.sleep(0.01)
        claimed = await Notification.get(dedupe_key="deal:1:large")
    assert claimed.claimed_until == clock.now + lease
    clock.advance(seconds=1)  # the time the renewal records, told apart from the claim's
    renewed_after: float | None = None
    while not sending.done():
        row = await Notification.get(dedupe_key="deal:1:large")
        if row.claimed_until == clock.now + lease:
            renewed_after = loop.time() - began
            break
        await asyncio.sleep(0.01)
    assert renewed_after is not None, "the claim was not renewed during a send of 0.6 leases"
    assert renewed_after < lease.total_seconds() / 2, renewed_after
    clock.advance(seconds=lease.total_seconds() - 0.5)  # past the first claim, not the renewed
    assert await second.drain() == 0
    assert await sending == 1
    assert await Notification.filter(status=NotificationStatus.SENT).count() == 1
