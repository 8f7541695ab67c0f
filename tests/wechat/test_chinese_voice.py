"""A Chinese WeCom voice note without recognition text: downloaded, heard as Chinese by the
multilingual model (CRM_STT_MODEL), and read by quick capture into a draft visit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.config import Settings
from bot.models import Visit
from bot.services.records import customers
from tests.speech.conftest import multilingual_model, recording  # noqa: F401
from tests.wechat.conftest import Rig
from tests.wechat.test_api import join


@pytest.fixture
def wx_settings(wx_settings: Settings, multilingual_model: Path) -> Settings:  # noqa: F811
    return wx_settings.model_copy(update={"stt_model": str(multilingual_model)})


async def heard(rig: Rig, user: str, message: str) -> str:
    """The reply in the callback's answer, or pushed later when hearing took longer."""
    answer = await rig.wecom.post(message)
    if answer.text is not None:
        return answer.text
    for _ in range(300):
        await rig.deliver()
        if rig.api.texts_to(user):
            break
        await asyncio.sleep(0.1)
    return "\n".join(rig.api.texts_to(user))


async def say(rig: Rig, user: str, text: str) -> str:
    answer = await rig.wecom.say(user, text)
    assert answer.text is not None
    return answer.text


async def test_a_chinese_wecom_voice_note_becomes_a_draft_visit(rig: Rig, db_url: str) -> None:
    rep = await join(rig, "wecom", "lan", "蓝天")  # WeCom users start in Chinese
    huanan = await customers.create_customer(rep, customers.CustomerDraft(name="华南贸易"))
    rig.api.media["m-zh"] = (recording("zh_call_huanan.amr"), "audio/amr")
    note = rig.wecom.message("lan", "voice", {"MediaId": "m-zh", "Format": "amr"})
    text = await heard(rig, "lan", note)
    assert rig.api.media_calls == ["m-zh"]
    assert "🎙 “给" in text and "下个月" in text, text
    if "这条记录是哪个客户的？" in text:  # 8 kHz AMR: the name is heard too badly to match
        text = await say(rig, "lan", "华南")
    assert "记录这条吗？" in text and "华南贸易" in text, text
    assert await Visit.all().count() == 0, "nothing is written before Confirm"
    await say(rig, "lan", "1")
    visit = await Visit.get(customer_id=huanan.id)
    assert visit.audio_ref and visit.transcript.startswith("给") and visit.next_followup_at
