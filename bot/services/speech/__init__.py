"""Speech to text for voice notes: decoding, recognisers, and the service the engine calls."""

from __future__ import annotations

from bot.services.speech.bias import Hints
from bot.services.speech.errors import (
    LanguageUnsupported,
    SpeechError,
    SpeechUnavailable,
    Undecodable,
)
from bot.services.speech.service import Speech, Transcriber, hints_for
from bot.services.speech.worker import BackendSpec

__all__ = [
    "BackendSpec",
    "Hints",
    "LanguageUnsupported",
    "Speech",
    "SpeechError",
    "SpeechUnavailable",
    "Transcriber",
    "Undecodable",
    "hints_for",
]
