"""Why a voice note was not turned into text: the caller picks the line the person sees."""

from __future__ import annotations


class SpeechError(Exception):
    """Base class; `detail` is for the admin's log, never shown to the person."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class SpeechUnavailable(SpeechError):
    """This installation cannot do it at all: no decoder for the format, no recogniser, no model.

    Every note will fail the same way until an admin installs something, so it is logged loudly.
    """


class Undecodable(SpeechError):
    """This one recording is broken or empty; the next one may work."""


class LanguageUnsupported(SpeechUnavailable):
    """The recogniser here does not hear the speaker's language (pocketsphinx or an English-only
    Whisper model and a Chinese note): a multilingual model is what an admin must configure."""

    def __init__(self, detail: str, language: str) -> None:
        super().__init__(detail)
        self.language = language

    def __reduce__(self) -> tuple[type[LanguageUnsupported], tuple[str, str]]:
        """Rebuilt with both arguments when it crosses back from a worker process."""
        return (type(self), (self.detail, self.language))
