"""What must not get in: forged or stale callbacks, broken or hostile XML, huge bodies."""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession

from bot.config import Settings
from bot.models import ChannelIdentity, ProcessedUpdate, Role, User
from bot.services.people import users
from tests.conftest import START
from tests.support import FakeClock
from tests.wechat.callbacks import OA_TOKEN, Callbacks, sign, wecom_callbacks
from tests.wechat.conftest import Rig
from tests.wechat.fake_wechat_api import FakeWeChatApi

BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    "<xml><ToUserName>x</ToUserName><FromUserName>evil</FromUserName>"
    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol3;</Content>"
    "<MsgId>1</MsgId></xml>"
)


async def nothing_processed() -> None:
    assert await ProcessedUpdate.all().count() == 0
    assert await ChannelIdentity.filter(channel__in=["wechat", "wecom"]).count() == 0


async def test_forged_signature_is_refused_and_nothing_processed(rig: Rig, db_url: str) -> None:
    invite = await users.create_invite(None, Role.REP, name="假冒", now=START)
    for side in (rig.wecom, rig.oa):
        xml = side.text("intruder", f"/start {invite.code}")
        query, body = side.envelope(xml, timestamp=str(int(time.time())), nonce="42")
        forged = dict(query, msg_signature="0" * 40, signature="0" * 40)
        answer = await side.post(xml, query=forged, body=body)
        assert answer.status == 403
        # Signed with another token: also refused.
        other = Callbacks(
            side.url,
            token="not-the-token",
            aes_key=side.aes_key,
            receiver_id=side.receiver_id,
            enterprise=side.enterprise,
            account=side.account,
            agent_id=side.agent_id,
        )
        assert (await other.post(xml)).status == 403
        await other.close()
    await nothing_processed()
    assert not await User.filter(name="假冒").exists()


async def test_an_unsigned_plain_mode_post_is_refused_whatever_the_aes_setting(
    rig: Rig, wx_settings: Settings, clock: FakeClock, api: FakeWeChatApi
) -> None:
    """A POST without `encrypt_type` is plain mode: its signature is checked all the same, with
    or without an EncodingAESKey configured, before anything is read."""
    invite = await users.create_invite(None, Role.REP, name="假冒", now=START)
    plain = Rig(wx_settings.model_copy(update={"wechat_aes_key": None}), clock, api)
    await plain.start()
    try:
        for side in (rig.oa, plain.oa):
            xml = side.text("intruder", f"/start {invite.code}")
            stamp, nonce = str(int(time.time())), "77"
            wrong = {"timestamp": stamp, "nonce": nonce, "signature": "0" * 40}
            unsigned = {"timestamp": stamp, "nonce": nonce}
            other_token = dict(unsigned, signature=sign("not-the-token", stamp, nonce))
            for query in (wrong, unsigned, other_token):
                answer = await side.post(xml, query=query, body=xml)
                assert answer.status == 403, (side.aes_key, query)
        await nothing_processed()
        assert not await User.filter(name="假冒").exists()
        honest = {"timestamp": stamp, "nonce": nonce, "signature": sign(OA_TOKEN, stamp, nonce)}
        answer = await plain.oa.post(xml, query=honest, body=xml)
        assert answer.status == 200 and answer.text is not None and "假冒" in answer.text
    finally:
        await plain.stop()


async def test_old_timestamp_is_refused(rig: Rig, db_url: str) -> None:
    old = str(int(time.time()) - 301)
    for side in (rig.wecom, rig.oa):
        answer = await side.post(side.text("late", "/help"), timestamp=old)
        assert answer.status == 403
    fresh = await rig.wecom.post(rig.wecom.text("late", "/help"), timestamp=str(int(time.time())))
    assert fresh.status == 200 and fresh.text is not None
    assert await ProcessedUpdate.all().count() == 1


async def test_malformed_xml_bomb_and_huge_body_are_refused(rig: Rig) -> None:
    oa_plain_query = {"timestamp": str(int(time.time())), "nonce": "7"}
    oa_plain_query["signature"] = sign(rig.oa.token, oa_plain_query["timestamp"], "7")
    for body in ("<xml><ToUserName>broken", "not xml at all", BOMB, "<html></html>"):
        answer = await rig.oa.post("", query=oa_plain_query, body=body)
        assert answer.status == 400, body
    # The same hostile XML sealed properly inside safe mode: decrypted, then refused.
    for side in (rig.oa, rig.wecom):
        assert (await side.post(BOMB)).status == 400
        assert (await side.post("<xml><MsgType>text</MsgType>")).status == 400
    huge = "<xml><Content>" + "x" * (70 * 1024) + "</Content></xml>"
    assert (await rig.oa.post("", query=oa_plain_query, body=huge)).status == 413
    async with (
        ClientSession() as http,
        http.post(rig.wecom.url, params=oa_plain_query, data=_chunks(huge.encode())) as chunked,
    ):
        assert chunked.status == 413  # no Content-Length: the read stops at the limit
    query, body = rig.wecom.envelope(
        rig.wecom.text("slowpoke", "/help"), timestamp=str(int(time.time())), nonce="8"
    )
    async with (
        ClientSession() as http,
        http.post(rig.wecom.url, params=query, data=_chunks(body.encode(), 16)) as trickled,
    ):
        assert trickled.status == 200 and "<Encrypt>" in await trickled.text()
    assert await ProcessedUpdate.all().count() == 1  # only the honest one, read in pieces


async def _chunks(data: bytes, size: int = 8192) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_url_verification_handshakes(rig: Rig) -> None:
    stamp, nonce = str(int(time.time())), "99"
    async with ClientSession() as http:
        # Official Account: signature over token, timestamp, nonce; echo the echostr back.
        good = {"timestamp": stamp, "nonce": nonce, "echostr": "4711"}
        good["signature"] = sign(rig.oa.token, stamp, nonce)
        async with http.get(rig.oa.url, params=good) as answer:
            assert answer.status == 200 and await answer.text() == "4711"
        async with http.get(rig.oa.url, params=dict(good, signature="f" * 40)) as answer:
            assert answer.status == 403
        # WeCom: the echostr is encrypted; answer its plaintext.
        echostr = rig.wecom._cipher().encrypt("5522937102", rig.wecom.receiver_id).decode()
        query = {"timestamp": stamp, "nonce": nonce, "echostr": echostr}
        query["msg_signature"] = sign(rig.wecom.token, stamp, nonce, echostr)
        async with http.get(rig.wecom.url, params=query) as answer:
            assert answer.status == 200 and await answer.text() == "5522937102"
        forged = dict(query, msg_signature=sign("other", stamp, nonce, echostr))
        async with http.get(rig.wecom.url, params=forged) as answer:
            assert answer.status == 403
        garbage = base64.b64encode(b"0123456789abcdef" * 4).decode()
        query = {"timestamp": stamp, "nonce": nonce, "echostr": garbage}
        query["msg_signature"] = sign(rig.wecom.token, stamp, nonce, garbage)
        async with http.get(rig.wecom.url, params=query) as answer:
            assert answer.status == 400


async def test_a_callback_for_another_wecom_app_is_not_answered(rig: Rig, db_url: str) -> None:
    """Two apps of one company may share a server by mistake: only ours is processed."""
    other = wecom_callbacks(rig.server.url + "/wecom")
    other.agent_id = "999999"
    try:
        answer = await other.say("someone", "/help")
    finally:
        await other.close()
    assert answer.status == 200 and answer.text is None
    assert not await ProcessedUpdate.filter(channel="wecom").exists()
    answer = await rig.wecom.say("someone", "/help")
    assert answer.text is not None and "邀请" in answer.text  # ours: the stranger's one line


async def test_a_message_wechat_would_never_send_is_refused_without_a_traceback(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """Well-formed, signed and sealed, yet not a message: 400 and nothing processed; odd but
    real messages (a link, an unknown event) are still taken quietly."""
    for side in (rig.oa, rig.wecom):
        text = side.text("someone", "/help")
        refused = [
            re.sub(r"<MsgId>\d+</MsgId>", "<MsgId>¹²</MsgId>", text),
            re.sub(r"<MsgId>\d+</MsgId>", f"<MsgId>{2**70}</MsgId>", text),
            side.text("x" * 300, "/help"),
            side.text("two words", "/help"),
            side.message("someone", "location", {"Location_X": "nan", "Location_Y": "1"}),
            side.message("someone", "location", {"Location_X": "91", "Location_Y": "1e999"}),
            side.message("someone", "event", {}, msg_id=False),
        ]
        caplog.clear()
        for xml in refused:
            answer = await side.post(xml)
            assert answer.status == 400, xml
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        odd = [
            side.message("someone", "link", {"Title": "t", "Url": "https://example.com"}),
            side.message("someone", "event", {"Event": "VIEW", "EventKey": "x"}, msg_id=False),
        ]
        for xml in odd:
            answer = await side.post(xml)
            assert answer.status == 200, xml
    assert await ProcessedUpdate.all().count() == 2, "only the links (an unknown event is not kept)"
