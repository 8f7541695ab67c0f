"""A rep's day in Chinese over WeCom and the Official Account, through the real server."""

from __future__ import annotations

import re

from pydantic import SecretStr

from bot.config import Settings
from bot.models import ChannelIdentity, Customer, Role, User, Visit
from bot.scheduler.jobs import for_user
from bot.services.people import users
from bot.services.records import customers
from tests.conftest import START
from tests.support import Chat, FakeClock
from tests.wechat.conftest import Rig
from tests.wechat.fake_wechat_api import AGENT_ID, FakeWeChatApi


async def colleague_with_customer(name: str) -> User:
    wang = await User.create(name="王芳", role=Role.REP, locale="zh")
    await customers.create_customer(wang, customers.CustomerDraft(name=name))
    return wang


async def test_bind_newcustomer_visit_and_digest_on_wecom(rig: Rig, db_url: str) -> None:
    await colleague_with_customer("上海星辰贸易")
    invite = await users.create_invite(None, Role.REP, name="李伟", now=START)
    wecom = rig.wecom

    stranger = await wecom.say("liwei", "你好")
    assert stranger.text is not None and "邀请" in stranger.text
    welcome = await wecom.say("liwei", f"绑定 {invite.code}")
    assert welcome.text is not None and welcome.text.startswith("欢迎，李伟")
    li = await User.get(name="李伟")
    assert li.locale == "zh"
    assert await ChannelIdentity.filter(user=li, channel="wecom", external_id="liwei").exists()

    assert (await wecom.say("liwei", "/newcustomer 上海星辰贸易有限公司")).text == (
        "电话号码？（选填）\n（跳过 · 取消）"
    )
    warned = (await wecom.say("liwei", "/skip")).text or ""
    assert "可能已经存在" in warned and "上海星辰贸易（负责人：王芳）" in warned
    assert "回复 1 打开 上海星辰贸易 · 2 不是，这是新客户" in warned
    assert "回复 1 直接保存 ✓" in ((await wecom.say("liwei", "不是，这是新客户")).text or "")
    saved = (await wecom.say("liwei", "1")).text or ""  # "Save now" saves on the first reply
    assert "已保存：上海星辰贸易有限公司" in saved
    assert await Customer.filter(name="上海星辰贸易有限公司", owner=li).exists()

    kinds = (await wecom.say("liwei", "/visit 星辰")).text or ""
    assert "回复 1 拜访 · 2 电话 · 3 消息 · 4 会议" in kinds
    assert "什么时候" in ((await wecom.say("liwei", "4")).text or "")
    assert "情况如何" in ((await wecom.say("liwei", "现在")).text or "")
    await wecom.say("liwei", "客户想要两百台，觉得价格偏高")
    confirm = (await wecom.say("liwei", "今天下午5点")).text or ""
    assert "会议" in confirm and "下次跟进：11月18日 17:00" in confirm
    assert "已记录" in ((await wecom.say("liwei", "1")).text or "")
    visit = await Visit.get(customer__name="上海星辰贸易有限公司")
    assert visit.kind == "meeting" and visit.user_id == li.id

    result = await for_user("digest", li.id, rig.settings, now=rig.clock(), dry_run=False)
    assert result.queued
    assert await rig.deliver() == 1
    [pushed] = [p for p in rig.api.pushed if p.to == "liwei"]
    assert pushed.path == "message/send" and str(pushed.agent_id) == AGENT_ID
    assert "早上好" in pushed.text and "上海星辰贸易有限公司" in pushed.text
    assert "回复" not in pushed.text  # a push's buttons cannot be picked by number


async def test_same_person_on_telegram_and_wechat_sees_the_same_data(rig: Rig, db_url: str) -> None:
    invite = await users.create_invite(None, Role.REP, name="Zhang Min", now=START)
    telegram = Chat(rig.engine, external_id="5550001", channel="telegram", name="Zhang Min")
    assert "Welcome" in await telegram.say(f"/start {invite.code}")
    zhang = await User.get(name="Zhang Min")
    await customers.create_customer(zhang, customers.CustomerDraft(name="北京云帆科技"))

    linking = await telegram.say("/link")
    code = re.search(r"/start ([A-Z0-9]{8})", linking)
    assert code is not None, linking
    welcome = await rig.oa.say("o-zhangmin", f"绑定 {code.group(1)}")
    assert welcome.text is not None and "Zhang Min" in welcome.text
    assert await User.all().count() == 1
    assert {i.channel for i in await ChannelIdentity.filter(user=zhang)} == {"telegram", "wechat"}
    card = await rig.oa.say("o-zhangmin", "/customer 云帆")
    assert card.text is not None and "北京云帆科技" in card.text

    # The code worked once; a stranger cannot reuse it, and a bound account is not rebound.
    assert "邀请" in ((await rig.wecom.say("intruder", f"绑定 {code.group(1)}")).text or "")
    assert not await ChannelIdentity.filter(external_id="intruder").exists()
    again = await rig.oa.say("o-zhangmin", f"/start {invite.code}")
    assert again.text is not None and "Zhang Min" in again.text
    assert await ChannelIdentity.filter(user=zhang).count() == 2


async def test_official_account_in_plain_mode(
    settings: Settings, clock: FakeClock, api: FakeWeChatApi, wx_settings: Settings
) -> None:
    plain = wx_settings.model_copy(update={"wechat_aes_key": None})
    rig = Rig(plain, clock, api)
    await rig.start()
    try:
        answer = await rig.oa.say("o-plain", "/help")
        assert answer.status == 200 and "<Encrypt>" not in answer.body
        assert answer.text is not None and "邀请" in answer.text
        encrypted_wecom = await rig.wecom.say("u-plain", "/help")
        assert "<Encrypt>" in encrypted_wecom.body
    finally:
        await rig.stop()


def test_platforms_need_all_their_settings(wx_settings: Settings) -> None:
    from bot.handlers.wechat import configured

    assert [p.channel for p in configured(wx_settings)] == ["wechat", "wecom"]
    partial = wx_settings.model_copy(update={"wecom_secret": None, "wechat_app_id": None})
    assert configured(partial) == []
    secretless = wx_settings.model_copy(update={"wecom_aes_key": SecretStr("")})
    assert [p.channel for p in configured(secretless)] == ["wechat"]
