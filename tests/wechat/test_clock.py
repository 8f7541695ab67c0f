"""WeChat's 5-second clock: passive replies in time, pushes when late, retries taken once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.models import ChannelIdentity, Notification, ProcessedUpdate, Role, User
from bot.services.people import users
from tests.conftest import START
from tests.support import FakeClock
from tests.wechat.conftest import Rig
from tests.wechat.fake_wechat_api import FakeWeChatApi


async def test_a_retried_message_is_processed_once(rig: Rig, db_url: str) -> None:
    invite = await users.create_invite(None, Role.REP, name="陈静", now=START)
    xml = rig.wecom.text("chenjing", f"/start {invite.code}")
    first = await rig.wecom.post(xml)
    assert first.text is not None and first.text.startswith("欢迎，陈静")
    retry = await rig.wecom.post(xml)  # WeChat did not get our answer in time and asks again
    assert retry.status == 200 and retry.body == "success"
    assert await User.filter(name="陈静").count() == 1
    assert await ProcessedUpdate.filter(channel="wecom").count() == 1

    follow = rig.oa.event("o-chenjing", "subscribe")  # events: sender + CreateTime is the key
    assert (await rig.oa.post(follow)).text is not None
    assert (await rig.oa.post(follow)).body == "success"
    assert await ProcessedUpdate.filter(channel="wechat").count() == 1


@pytest.fixture
async def slow(wx_settings: Settings, clock: FakeClock, api: FakeWeChatApi) -> AsyncIterator[Rig]:
    """A server without a reply budget: every answer goes by push."""
    rig = Rig(wx_settings.model_copy(update={"wechat_reply_budget": 0}), clock, api)
    await rig.start()
    try:
        yield rig
    finally:
        await rig.stop()


async def test_a_slow_answer_arrives_by_push_and_a_retry_meanwhile_gets_success(
    slow: Rig, db_url: str
) -> None:
    invite = await users.create_invite(None, Role.MANAGER, name="周强", now=START)
    await slow.oa.post(slow.oa.text("o-zhou", f"绑定 {invite.code}"))
    await slow.channels["wechat"].webhook.drain()
    await slow.deliver()
    [welcome] = slow.api.texts_to("o-zhou")
    assert welcome.startswith("欢迎，周强")

    xml = slow.oa.text("o-zhou", "/followups")
    answer = await slow.oa.post(xml)
    retry = await slow.oa.post(xml)  # arrives while the first is still being answered
    assert answer.body == "success" and retry.body == "success"
    await slow.channels["wechat"].webhook.drain()
    assert await slow.deliver() == 1
    late = slow.api.texts_to("o-zhou")[1:]
    assert len(late) == 1 and "跟进" in late[0]
    keys = await Notification.filter(channel="wechat").values_list("dedupe_key", flat=True)
    assert len(keys) == 2 and all(key.startswith("wechat:") for key in keys)


async def test_a_stranger_answered_late_gets_nothing_twice(slow: Rig, db_url: str) -> None:
    answer = await slow.wecom.say("nobody", "你好")
    assert answer.body == "success"
    await slow.channels["wecom"].webhook.drain()
    assert await slow.deliver() == 0
    assert await Notification.all().count() == 0


async def test_an_answer_that_misses_the_budget_is_pushed_once_it_is_ready(
    wx_settings: Settings, clock: FakeClock, api: FakeWeChatApi, db_url: str
) -> None:
    rig = Rig(wx_settings.model_copy(update={"wechat_reply_budget": 0.2}), clock, api)
    await rig.start()
    try:
        invite = await users.create_invite(None, Role.REP, name="林涛", now=START)
        await rig.wecom.say("lintao", f"/start {invite.code}")
        api.media["slow-1"] = (b"#!AMR\n" + bytes(100), "audio/amr")
        api.media_delay = 0.6  # the voice note downloads slowly: the core answers after 0.6 s
        voice = rig.wecom.message("lintao", "voice", {"MediaId": "slow-1", "Format": "amr"})
        answer = await rig.wecom.post(voice)
        assert answer.body == "success"
        assert await rig.deliver() == 0  # not ready yet
        await rig.channels["wecom"].webhook.drain()
        assert await rig.deliver() == 1
        assert api.media_calls == ["slow-1"] and len(api.texts_to("lintao")) == 1
    finally:
        await rig.stop()


async def test_events_follow_unfollow_and_opening_the_app(rig: Rig, db_url: str) -> None:
    follow = await rig.oa.post(rig.oa.event("o-new", "subscribe"))
    assert follow.text is not None and "邀请" in follow.text  # a stranger: the polite line
    assert (await rig.wecom.post(rig.wecom.event("u-new", "enter_agent"))).text is not None

    invite = await users.create_invite(None, Role.REP, name="孙悦", now=START)
    await rig.wecom.say("sunyue", f"/start {invite.code}")
    opened = await rig.wecom.post(rig.wecom.event("sunyue", "enter_agent"))
    assert opened.body == "success"  # a known person opening the app is not spoken to

    await rig.oa.say("o-sunyue", "/link")  # a stranger on the account: no code for them
    sun = await User.get(name="孙悦")
    link = await users.create_link_code(sun, now=START)
    await rig.oa.say("o-sunyue", f"绑定 {link.code}")
    assert (await rig.oa.post(rig.oa.event("o-sunyue", "unsubscribe"))).body == "success"
    identity = await ChannelIdentity.get(channel="wechat", external_id="o-sunyue")
    assert identity.unreachable_reason == "unfollowed"
    welcome_back = await rig.oa.post(rig.oa.event("o-sunyue", "subscribe"))
    assert welcome_back.text is not None and "孙悦" in welcome_back.text
    identity = await ChannelIdentity.get(channel="wechat", external_id="o-sunyue")
    assert identity.unreachable_at is None


async def test_an_answer_longer_than_one_message_is_pushed_whole_in_order(
    rig: Rig, db_url: str
) -> None:
    from bot.services.records import customers

    invite = await users.create_invite(None, Role.REP, name="高峰", now=START)
    await rig.wecom.say("gaofeng", f"/start {invite.code}")
    gao = await User.get(name="高峰")
    await customers.create_customer(gao, customers.CustomerDraft(name="无锡长河机械"))
    for text in ("/visit 长河", "1", "现在"):
        assert (await rig.wecom.say("gaofeng", text)).text is not None
    notes = "\n".join(f"第{n}点：客户对交期和售后服务提出了详细的要求。" for n in range(60))
    await rig.wecom.say("gaofeng", notes)
    answer = await rig.wecom.say("gaofeng", "/skip")  # the summary repeats the notes
    assert answer.body == "success"
    assert await rig.deliver() >= 2
    parts = rig.api.texts_to("gaofeng")
    assert len(parts) >= 2 and all(len(p.encode()) <= 2048 for p in parts)
    whole = "\n".join(parts)
    assert whole.index("第0点") < whole.index("第59点") < whole.index("回复 1")
    saved = await rig.wecom.say("gaofeng", "1")  # the pushed question's number still works
    assert saved.text is not None and saved.text.startswith("已记录")
