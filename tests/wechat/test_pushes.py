"""One push per event on WeChat and WeCom: a frequency limit (45009) whose wait is longer than
the claim, a push slower than the claim with two instances, a limit in the middle of a long one.

The senders are the channels' own (as `crmbot run` builds them) against the fake API over HTTP;
two dispatchers stand for two instances, their limits on the fake clock.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.handlers.wechat.sender import BUSY_WAIT
from bot.messages import Reply
from bot.models import ChannelIdentity, Notification, NotificationStatus, User
from bot.scheduler import Dispatcher, Limits
from bot.scheduler.limits import PLATFORM_RATES
from bot.services.notify import outbox
from tests.outbox.helpers import outlasted
from tests.support import FakeClock
from tests.wechat.conftest import Rig

LEASE = timedelta(seconds=30)  # shorter than the platform's busy wait
KEY = "deal:7:large"
ALERT = "🔔 大单提醒：星辰贸易 — 1,200,000 元（谈判中）"


@pytest.fixture(params=["wechat", "wecom"])
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def someone(channel: str) -> tuple[User, str]:
    external_id = f"{channel}-mia"
    boss = await User.create(name="Mia", locale="zh")
    await ChannelIdentity.create(channel=channel, external_id=external_id, user_id=boss.id)
    return boss, external_id


def instances(rig: Rig, clock: FakeClock) -> tuple[Dispatcher, Dispatcher]:
    senders = {name: channel.sender for name, channel in rig.channels.items()}

    def one() -> Dispatcher:
        limits = Limits(clock=lambda: clock.now.timestamp(), channels=PLATFORM_RATES)
        return Dispatcher(senders, limits=limits, clock=clock, lease=LEASE, renew_every=0.02)

    return one(), one()


async def alerted(rig: Rig, clock: FakeClock, channel: str) -> tuple[str, Dispatcher, Dispatcher]:
    """The alert queued for someone on `channel` (their id there), and two instances to push it."""
    boss, external_id = await someone(channel)
    await outbox.notify(boss, Reply(ALERT), KEY)
    return (external_id, *instances(rig, clock))


async def row() -> Notification:
    return await Notification.get(dedupe_key=KEY)


async def test_a_frequency_limit_longer_than_the_claim_delivers_once(
    rig: Rig, clock: FakeClock, channel: str
) -> None:
    external_id, first, second = await alerted(rig, clock, channel)
    rig.api.busy.append((45009, "reach max api daily quota limit"))
    async with asyncio.timeout(10):
        assert await first.drain() == 0
    waiting = await row()
    assert waiting.status == NotificationStatus.PENDING and waiting.attempts == 0
    assert waiting.last_error.startswith("45009")
    assert waiting.next_attempt_at == clock.now + timedelta(seconds=BUSY_WAIT)
    paused = first.limits.channels[channel].paused_until
    assert paused == clock.now.timestamp() + BUSY_WAIT  # the platform waits, not only this row

    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await second.drain() == 0 and await first.drain() == 0
    clock.advance(seconds=BUSY_WAIT - LEASE.total_seconds())
    assert await second.drain() == 1
    assert await first.drain() == 0 and await second.drain() == 0
    assert rig.api.texts_to(external_id) == [ALERT]
    assert rig.api.push_calls == 2
    assert (await row()).status == NotificationStatus.SENT


async def test_a_push_slower_than_the_claim_is_sent_by_one_instance(
    rig: Rig, clock: FakeClock, channel: str
) -> None:
    external_id, first, second = await alerted(rig, clock, channel)
    rig.api.hold_next = 1
    sending = asyncio.create_task(first.drain())
    await rig.api.wait_for(lambda: rig.api.held == 1)
    await outlasted(second, KEY, clock, LEASE)
    rig.api.release.set()
    assert await sending == 1
    assert await second.drain() == 0
    assert rig.api.texts_to(external_id) == [ALERT]
    assert rig.api.push_calls == 1


async def test_a_limit_in_the_middle_of_a_long_push_resends_only_the_rest(
    rig: Rig, clock: FakeClock, channel: str
) -> None:
    boss, external_id = await someone(channel)
    lines = [f"第{n}行：" + "客户跟进记录" * 12 for n in range(30)]
    await outbox.notify(boss, Reply("\n".join(lines)), KEY)
    first, _ = instances(rig, clock)
    rig.api.busy.append((45009, "api freq out of limit"))
    rig.api.busy_after = 1
    assert await first.drain() == 0
    assert (await row()).payload["sent_parts"] == 1
    clock.advance(seconds=BUSY_WAIT + 1)
    assert await first.drain() == 1
    parts = rig.api.texts_to(external_id)
    assert len(parts) > 2 and "\n".join(parts) == "\n".join(lines)  # each part once, in order
