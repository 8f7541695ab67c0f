"""Durable intake on WeChat and WeCom: a message is stored before the route answers, handled
from the database once and in order, by whichever instance is up, and not taken while stopping."""

from __future__ import annotations

from bot.config import Settings
from bot.models import ProcessedUpdate, Role
from bot.services import intake
from bot.services.people import users
from tests.conftest import START
from tests.support import FakeClock
from tests.wechat.conftest import Rig
from tests.wechat.fake_wechat_api import FakeWeChatApi


async def test_messages_stored_by_an_instance_that_died_are_answered_by_the_next_in_order(
    wx_settings: Settings, clock: FakeClock, api: FakeWeChatApi, db_url: str
) -> None:
    quick = wx_settings.model_copy(update={"wechat_reply_budget": 0.2})
    first = Rig(quick, clock, api)
    await first.start()
    invite = await users.create_invite(None, Role.REP, name="林涛", now=START)
    assert (await first.wecom.say("lintao", f"/start {invite.code}")).text is not None
    # The instance stops handling (it is dying) but its route still stores what arrives.
    await first.channels["wecom"].webhook.intake.stop()
    notes = [first.wecom.text("lintao", text) for text in ("/followups", "/help", "/followups")]
    for xml in notes:
        assert (await first.wecom.post(xml)).body == "success"
    assert await intake.pending("wecom") == 3
    await first.stop()

    second = Rig(quick, clock, api)
    await second.start()
    try:
        await second.channels["wecom"].webhook.drain()
        assert await intake.pending("wecom") == 0
        assert await second.deliver() == 3
        answers = api.texts_to("lintao")
        assert ["/deal" in answer for answer in answers] == [False, True, False]  # /help between
        # WeChat's retry of a message the dead instance stored changes nothing.
        assert (await second.wecom.post(notes[0])).body == "success"
        await second.channels["wecom"].webhook.drain()
        assert await second.deliver() == 0
        assert await ProcessedUpdate.filter(channel="wecom").count() == 4
    finally:
        await second.stop()


async def test_a_stopping_instance_refuses_messages_so_wechat_delivers_them_again(
    rig: Rig, db_url: str
) -> None:
    invite = await users.create_invite(None, Role.REP, name="陈静", now=START)
    await rig.channels["wecom"].stop()
    refused = await rig.wecom.say("chenjing", f"/start {invite.code}")
    assert refused.status == 503
    assert await ProcessedUpdate.filter(channel="wecom").count() == 0
    welcome = await rig.oa.say("o-chenjing", f"/start {invite.code}")  # the other app still runs
    assert welcome.text is not None and welcome.text.startswith("欢迎，陈静")
