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
