"""Pushes and downloads through the API: shared tokens, expiry, the 48-hour window, voice."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.handlers.wechat.api import Api
from bot.handlers.wechat.sender import WeChatSender
from bot.messages import Reply
from bot.models import ApiToken, ChannelIdentity, Notification, Role, User
from bot.sending import Retryable
from bot.services.notify import outbox
from bot.services.people import users
from tests.conftest import START
from tests.wechat.conftest import Rig


async def join(rig: Rig, side: str, external_id: str, name: str) -> User:
    invite = await users.create_invite(None, Role.REP, name=name, now=START)
    callbacks = rig.oa if side == "wechat" else rig.wecom
    answer = await callbacks.say(external_id, f"/start {invite.code}")
    assert answer.text is not None and name in answer.text
    return await User.get(name=name)


async def test_an_expired_token_is_refreshed_once_and_the_message_still_goes_out(
    rig: Rig, db_url: str
) -> None:
    wu = await join(rig, "wecom", "wuhao", "吴昊")
    await outbox.notify(wu, Reply("第一条"), "t:1")
    assert await rig.deliver() == 1
    assert len(rig.api.token_calls) == 1
    assert await ApiToken.filter(name__startswith="wecom:").count() == 1

    rig.api.expire_tokens(42001)
    await outbox.notify(wu, Reply("第二条"), "t:2")
    assert await rig.deliver() == 1
    assert rig.api.texts_to("wuhao") == ["第一条", "第二条"]
    assert len(rig.api.token_calls) == 2  # refreshed once, not once per attempt

    # Another instance reads the shared token from the database instead of fetching one
    # (a fetch would invalidate the token the first instance holds).
    other = Api(rig.channels["wecom"].platform)
    try:
        await WeChatSender(other).send("wuhao", Reply("第三条"))
    finally:
        await other.close()
    assert len(rig.api.token_calls) == 2
    assert rig.api.texts_to("wuhao")[-1] == "第三条"


async def test_outside_the_48_hour_window_is_marked_not_retried(rig: Rig, db_url: str) -> None:
    he = await join(rig, "wechat", "o-hejun", "何军")
    rig.api.refuse("o-hejun", 45015, "response out of time limit or subscription is canceled")
    await outbox.notify(he, Reply("提醒"), "w:1")
    assert await rig.deliver() == 0
    row = await Notification.get(dedupe_key="w:1")
    assert row.status == "failed" and "45015" in row.last_error and "48-hour" in row.last_error
    identity = await ChannelIdentity.get(channel="wechat", external_id="o-hejun")
    assert identity.unreachable_at is not None and "45015" in identity.unreachable_reason
    assert await rig.deliver() == 0  # not retried

    # Writing again opens the window: the chat is reachable again.
    del rig.api.refusals["o-hejun"]
    assert (await rig.oa.say("o-hejun", "/help")).text is not None
    identity = await ChannelIdentity.get(channel="wechat", external_id="o-hejun")
    assert identity.unreachable_at is None
    await outbox.notify(he, Reply("再次提醒"), "w:2")
    assert await rig.deliver() == 1


async def test_long_pushes_are_split_within_the_limit_in_order(rig: Rig) -> None:
    lines = [f"第{n}行：" + "客户跟进记录" * 12 for n in range(60)]
    await WeChatSender(rig.channels["wechat"].api).send("o-long", Reply("\n".join(lines)))
    parts = rig.api.texts_to("o-long")
    assert len(parts) > 1
    assert all(len(part.encode("utf-8")) <= 2048 for part in parts)
    assert "\n".join(parts) == "\n".join(lines)


async def test_voice_with_recognition_is_text_without_it_is_downloaded(
    rig: Rig, db_url: str
) -> None:
    await join(rig, "wechat", "o-voice", "郑丽")
    await rig.oa.say("o-voice", "/newcustomer")
    heard = rig.oa.message(
        "o-voice",
        "voice",
        {"MediaId": "m-1", "Format": "amr", "Recognition": "杭州远山茶业"},
    )
    answer = await rig.oa.post(heard)
    assert answer.text is not None and "电话号码" in answer.text  # the name was taken as typed
    assert rig.api.media_calls == []

    rig.api.media["m-2"] = (b"#!AMR\n" + bytes(200), "audio/amr")
    silent = rig.wecom.message("zhengli-wecom", "voice", {"MediaId": "m-2", "Format": "amr"})
    await join(rig, "wecom", "zhengli-wecom", "郑丽二")
    answer = await rig.wecom.post(silent)
    assert rig.api.media_calls == ["m-2"]
    assert answer.text  # the core answered what it could do with the recording


async def test_a_location_attaches_to_the_visit(rig: Rig, db_url: str) -> None:
    from bot.services.records import customers

    wang = await join(rig, "wecom", "wangwu", "王五")
    await customers.create_customer(wang, customers.CustomerDraft(name="苏州湖光电子"))
    await rig.wecom.say("wangwu", "/visit 湖光")
    await rig.wecom.say("wangwu", "拜访")
    here = rig.wecom.message(
        "wangwu",
        "location",
        {"Location_X": "31.2989", "Location_Y": "120.5853", "Scale": "15", "Label": "苏州"},
    )
    answer = await rig.wecom.post(here)
    assert answer.text is not None and "已为本次拜访附上位置" in answer.text


async def test_wecom_outsiders_are_marked_and_a_refused_secret_is_retried(
    rig: Rig, db_url: str
) -> None:
    kong = await join(rig, "wecom", "kongli", "孔丽")
    rig.api.outsiders.add("kongli")
    await outbox.notify(kong, Reply("通知"), "o:1")
    assert await rig.deliver() == 0
    row = await Notification.get(dedupe_key="o:1")
    assert row.status == "failed" and "invaliduser" in row.last_error
    identity = await ChannelIdentity.get(channel="wecom", external_id="kongli")
    assert identity.unreachable_at is not None

    wrong = rig.channels["wecom"].platform
    wrong = replace(wrong, token_params={**wrong.token_params, "corpsecret": "wrong"})
    await ApiToken.all().delete()  # a fresh start, with the wrong secret
    api = Api(wrong)
    try:
        with pytest.raises(Retryable, match="access token refused"):
            await WeChatSender(api).send("anyone", Reply("x"))
    finally:
        await api.close()


async def test_instances_starting_together_fetch_one_token(rig: Rig, db_url: str) -> None:
    platform = rig.channels["wechat"].platform
    instances = [Api(platform) for _ in range(4)]
    try:
        tokens = await asyncio.gather(*(api.token() for api in instances))
    finally:
        for api in instances:
            await api.close()
    assert len(set(tokens)) == 1
    assert len([c for c in rig.api.token_calls if c.get("appid")]) == 1


async def test_a_wecom_voice_note_without_recognition_is_heard_and_becomes_a_draft_visit(
    rig: Rig, db_url: str
) -> None:
    """AMR downloaded through media/get, decoded by ffmpeg, heard offline, read by quick capture."""
    from bot.services.records import customers
    from tests.speech.conftest import recording

    rep = await join(rig, "wecom", "zhou", "周明")
    # Notes are heard in the language of the person's setting: his is English (WeCom users start
    # in Chinese, which needs a multilingual model: tests/wechat/test_chinese_voice.py).
    await User.filter(id=rep.id).update(locale="en")
    await customers.create_customer(rep, customers.CustomerDraft(name="Zhongshan Electric"))
    rig.api.media["m-amr"] = (recording("call_zhongshan.amr"), "audio/amr")
    note = rig.wecom.message("zhou", "voice", {"MediaId": "m-amr", "Format": "amr"})
    answer = await rig.wecom.post(note)
    assert rig.api.media_calls == ["m-amr"]
    if answer.text is None:  # heard after the reply budget: the answer comes by push
        for _ in range(100):
            await rig.deliver()
            if rig.api.texts_to("zhou"):
                break
            await asyncio.sleep(0.1)
        text = "\n".join(rig.api.texts_to("zhou"))
    else:
        text = answer.text
    assert "🎙 “called zhongshan electric they need a quote by monday" in text, text
    assert "Log this?" in text and "Zhongshan Electric" in text
