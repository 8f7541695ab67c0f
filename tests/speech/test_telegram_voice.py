"""Voice notes over the fake Telegram Bot API: fetched through getFile, heard, used, stored."""

from __future__ import annotations

import asyncio
import io
import time

import numpy as np
import soundfile

from bot.models import Role, User, Visit
from bot.services.records import customers
from tests.conftest import Team
from tests.speech.conftest import FIXTURES, recording
from tests.telegram.conftest import Telegram, join
from tests.telegram.fake_bot_api import FakeBotApi, Person

TOM = Person(901, "Tom")
EVE = Person(902, "Eve")


def voice(api: FakeBotApi, content: bytes, duration: int) -> dict[str, object]:
    file_id = api.add_file(content, f"voice/file_{len(api.files)}.oga")
    return {
        "file_id": file_id,
        "file_unique_id": file_id,
        "duration": duration,
        "mime_type": "audio/ogg",
    }


async def test_a_voice_note_answers_the_visit_notes_and_is_stored_with_the_visit(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start(rate_limit=False)
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    owner = await User.get(name="Tom")
    await customers.create_customer(owner, customers.CustomerDraft(name="Acme Trading"))

    too_long = voice(api, b"never fetched", duration=600)
    reply = await tom.share(voice=too_long)
    assert "longer than 120 seconds" in reply and not api.calls_of("getFile")

    await tom.say("/visit acme")
    await tom.tap("Visit")
    await tom.tap("Now")
    note = voice(api, recording("visit_acme.ogg"), duration=7)
    reply = await tom.share(voice=note)
    assert "🎙 “visited acme trading they want two hundred units" in reply, reply
    assert "Next follow-up?" in reply
    assert [c.params["file_id"] for c in api.calls_of("getFile")] == [note["file_id"]]
    assert len(api.calls_of("download")) == 1
    await tom.say("next friday")
    assert (await tom.tap("Save")).startswith("Logged.")
    visit = await Visit.get()
    assert "acme trading" in visit.transcript and visit.audio_ref == note["file_id"]
    assert visit.next_followup_at is not None


async def test_a_long_transcription_does_not_hold_up_other_chats(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    """A 34-second note takes seconds to recognise; another person's /help is answered first."""
    await telegram.start(rate_limit=False)
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    eve = await join(telegram, EVE, Role.REP, team.users["Mia"].id)
    owner = await User.get(name="Tom")
    await customers.create_customer(owner, customers.CustomerDraft(name="Golden Star Logistics"))
    samples, rate = soundfile.read(FIXTURES / "ten_seconds.ogg", dtype="int16")
    long_note = io.BytesIO()
    soundfile.write(long_note, np.tile(samples, 3), rate, format="OGG", subtype="OPUS")

    spoken = api.share(TOM, voice=voice(api, long_note.getvalue(), duration=34))
    await api.wait_for(lambda: bool(api.calls_of("download")))
    await asyncio.sleep(0.3)  # Tom's note is being recognised now (a blocked loop sleeps longer)
    asked = time.monotonic()
    helped = api.send(EVE, "/help")
    await api.wait_for(lambda: "What I can do" in str(eve.chat[-1:]), within=10)
    answered_in = time.monotonic() - asked
    assert not any("🎙" in m.get("text", "") for m in tom.chat), "Tom's note is still being heard"
    assert answered_in < 1.5, answered_in
    await telegram.settle(spoken, within=60)
    await telegram.settle(helped)
    heard = [m["text"] for m in tom.chat if m.get("text", "").startswith("🎙")]
    assert len(heard) == 1 and "visited golden star logistics" in heard[0], heard
