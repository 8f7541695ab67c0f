"""One push per event on Telegram, whatever it answers: a 429 longer than the claim, a send
slower than the claim, a 429 in the middle of a long message.

The sender is the one `crmbot run` builds (`TelegramChannel.sender`, next to the Application
whose rate limiter waits out 429s for replies), against the fake Bot API over HTTP; two
dispatchers stand for two instances (on PostgreSQL their claims use separate connections).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.messages import Reply
from bot.models import ChannelIdentity, Notification, NotificationStatus, User
from bot.scheduler import Dispatcher, Limits
from bot.services.notify import outbox
from tests.outbox.helpers import outlasted
from tests.support import FakeClock
from tests.telegram.conftest import Telegram
from tests.telegram.fake_bot_api import FakeBotApi

CHAT = 920001
LEASE = outbox.LEASE
ALERT = "🔔 Large deal: Acme Trading — 1,200,000 CNY (negotiation)"


async def manager() -> User:
    boss = await User.create(name="Mia")
    await ChannelIdentity.create(channel="telegram", external_id=str(CHAT), user_id=boss.id)
    return boss


def dispatcher(telegram: Telegram, clock: FakeClock) -> Dispatcher:
    """One instance's dispatcher with the production sender; its limits run on the fake clock."""
    assert telegram.channel is not None
    limits = Limits(clock=lambda: clock.now.timestamp())
    return Dispatcher(
        {"telegram": telegram.channel.sender}, limits=limits, clock=clock, renew_every=0.02
    )


async def row() -> Notification:
    return await Notification.get(dedupe_key="deal:7:large")


async def test_a_429_longer_than_the_claim_delivers_the_alert_once(
    telegram: Telegram, api: FakeBotApi, clock: FakeClock
) -> None:
    await telegram.start()  # the Application with its retrying rate limiter, as in production
    await outbox.notify(await manager(), Reply(ALERT), "deal:7:large")
    first, second = dispatcher(telegram, clock), dispatcher(telegram, clock)
    api.fail("sendMessage", count=1, status=429, retry_after=75)
    async with asyncio.timeout(10):  # a send that waited out the 429 itself would take 75 s
        assert await first.drain() == 0
    assert len(api.calls_of("sendMessage")) == 1
    waiting = await row()
    assert waiting.status == NotificationStatus.PENDING and waiting.attempts == 0
    assert waiting.last_error.startswith("429")
    assert waiting.next_attempt_at == clock.now + timedelta(seconds=75)
    assert first.limits.paused_until == clock.now.timestamp() + 75  # all of its sending waits

    clock.advance(seconds=LEASE.total_seconds() + 1)  # the claim is long over, the wait is not
    assert await second.drain() == 0 and await first.drain() == 0
    clock.advance(seconds=15)
    assert await second.drain() == 1
    assert await first.drain() == 0 and await second.drain() == 0
    assert [m["text"] for m in api.bot_messages(CHAT)] == [ALERT]
    assert len(api.calls_of("sendMessage")) == 2  # the 429, then the one delivery
    sent = await row()
    assert sent.status == NotificationStatus.SENT and sent.attempts == 1


async def test_a_send_slower_than_the_claim_is_not_taken_by_another_instance(
    telegram: Telegram, api: FakeBotApi, clock: FakeClock
) -> None:
    await telegram.start(rate_limit=False)
    await outbox.notify(await manager(), Reply(ALERT), "deal:7:large")
    first, second = dispatcher(telegram, clock), dispatcher(telegram, clock)
    slow = api.hold("sendMessage")  # the Bot API takes its time with the first push
    sending = asyncio.create_task(first.drain())
    await api.wait_for(lambda: slow.waiting == 1)
    await outlasted(second, "deal:7:large", clock, LEASE)
    slow.release()
    assert await sending == 1
    assert await second.drain() == 0
    assert [m["text"] for m in api.bot_messages(CHAT)] == [ALERT]
    assert len(api.calls_of("sendMessage")) == 1


async def test_a_429_in_the_middle_of_a_long_message_resends_only_the_rest(
    telegram: Telegram, api: FakeBotApi, clock: FakeClock
) -> None:
    await telegram.start(rate_limit=False)
    lines = [f"{n:04} Acme Trading owes 12,000 CNY, 45 days overdue" for n in range(150)]
    await outbox.notify(await manager(), Reply("\n".join(lines)), "deal:7:large")
    d = dispatcher(telegram, clock)
    api.fail("sendMessage", count=1, status=429, retry_after=2, after=1)  # the second part
    assert await d.drain() == 0
    waiting = await row()
    assert waiting.payload["sent_parts"] == 1 and waiting.attempts == 0
    clock.advance(seconds=3)
    assert await d.drain() == 1
    parts = [m["text"] for m in api.bot_messages(CHAT)]
    assert len(parts) == 2 and "\n".join(parts) == "\n".join(lines)  # every line once, in order
    assert len(api.calls_of("sendMessage")) == 3
