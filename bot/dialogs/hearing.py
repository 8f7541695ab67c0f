"""Voice notes heard before the chat's turn: a transcript, or the one line saying why not.

Recognition takes seconds in a worker process, so it runs before the engine takes the chat's
lock and a database connection; the turn then routes the transcript as if it had been typed.
"""

from __future__ import annotations

import logging

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Translator
from bot.messages import Audio, Incoming, Reply
from bot.models import User
from bot.services.people import users
from bot.services.speech import (
    LanguageUnsupported,
    SpeechError,
    SpeechUnavailable,
    Transcriber,
    hints_for,
)

log = logging.getLogger(__name__)


class Hearing:
    """Turns a voice note into text with the configured backend (or says why it cannot)."""

    __slots__ = ("clock", "settings", "transcriber")

    def __init__(self, settings: Settings, transcriber: Transcriber | None, clock: Clock) -> None:
        self.settings = settings
        self.transcriber = transcriber
        self.clock = clock

    def wants_audio_bytes(self, audio: Audio) -> bool:
        """Whether a channel should download this voice note: it will be transcribed.

        Not when the platform already heard it, when nothing can transcribe here, or when it is
        longer than CRM_VOICE_MAX_SECONDS (refused without fetching a byte).
        """
        return (
            self.transcriber is not None
            and audio.data is None
            and not audio.recognition.strip()
            and (audio.duration or 0.0) <= self.settings.voice_max_seconds
        )

    async def heard(self, msg: Incoming) -> str | Reply | None:
        """A voice note's transcript (or the one line saying why there is none); None when the
        message needs no hearing. Strangers are not heard: their turn answers them."""
        audio = msg.audio
        if (msg.text or "").strip() or audio is None or audio.recognition.strip():
            return None
        user = await users.identify(msg.channel, msg.external_id)
        if user is None:
            return None
        t = Translator.for_user(user.locale, user.timezone, now=self.clock())
        return await self.hear(user, t, audio)

    async def hear(self, user: User, t: Translator, audio: Audio) -> str | Reply:
        """The transcript of a voice note, or the one line that says why there is none."""
        limit = self.settings.voice_max_seconds
        if (audio.duration or 0.0) > limit:
            return Reply(
                t.gettext(
                    "That voice note is longer than {seconds} seconds. Please send a shorter "
                    "one, or type it."
                ).format(seconds=f"{limit:g}")
            )
        if self.transcriber is None:
            log.error("a voice note arrived but no speech backend is configured")
            return Reply(t.gettext("I cannot transcribe voice notes here — please type it."))
        if not audio.data:
            log.warning("voice note %s arrived without its audio", audio.ref)
            return Reply(t.gettext("I could not make out that voice note — please type it."))
        try:
            hints = await hints_for(user)
            transcript = await self.transcriber.transcribe(audio.data, audio.mime, hints)
        except LanguageUnsupported:
            return Reply(
                t.gettext(
                    "Voice notes in your language need a multilingual speech model: ask the "
                    "admin to set CRM_STT_MODEL (see the README). Please type it for now."
                )
            )
        except SpeechUnavailable:
            return Reply(t.gettext("I cannot transcribe voice notes here — please type it."))
        except SpeechError as failed:
            log.info("voice note %s not transcribed: %s", audio.ref, failed.detail)
            transcript = ""
        transcript = " ".join(transcript.split())
        if not transcript:
            return Reply(t.gettext("I could not make out that voice note — please type it."))
        return transcript
