"""What runs in a speech worker process: decode, skip silence, recognise.

Recognisers hold the GIL while they compute (pocketsphinx does for its whole decode), so they run
in separate processes; each process keeps its backend loaded between notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bot.services.speech.bias import Hints
from bot.services.speech.decode import RATE, to_pcm16k
from bot.services.speech.errors import LanguageUnsupported, SpeechUnavailable

SILENCE_RMS = 100.0  # int16 RMS of a 30 ms frame below which nothing is said
MIN_VOICED_SECONDS = 0.3


@dataclass(frozen=True, slots=True)
class BackendSpec:
    """Which recogniser to build in a worker (picklable, so it crosses the process boundary)."""

    kind: str = "pocketsphinx"
    model: str = ""
    biased: bool = True
    threads: int = 1


class Backend(Protocol):
    """A recogniser: 16 kHz mono int16 samples in, the words heard out."""

    name: str

    def hears(self, language: str) -> bool:
        """Whether it recognises speech in this language ("en", "zh")."""
        ...

    def transcribe(self, pcm: np.ndarray, hints: Hints) -> str: ...


_loaded: dict[BackendSpec, Backend] = {}


def build(spec: BackendSpec) -> Backend:
    """The backend for `spec`, loaded once per process."""
    backend = _loaded.get(spec)
    if backend is None:
        # Imported here: a worker loads only the recogniser it runs.
        if spec.kind == "whisper":
            from bot.services.speech.whisper import WhisperBackend

            backend: Backend = WhisperBackend(spec.model, threads=spec.threads)
        elif spec.kind == "pocketsphinx":
            from bot.services.speech.sphinx import SphinxBackend

            backend = SphinxBackend(biased=spec.biased)
        else:
            raise SpeechUnavailable(f"unknown speech backend {spec.kind!r}")
        _loaded[spec] = backend
    return backend


def voiced_seconds(pcm: np.ndarray) -> float:
    """How long the recording has sound above a whisper, in 30 ms frames."""
    frame = RATE * 30 // 1000
    usable = pcm[: pcm.size - pcm.size % frame].astype(np.float32)
    if usable.size == 0:
        return 0.0
    rms = np.sqrt((usable.reshape(-1, frame) ** 2).mean(axis=1))
    return float((rms > SILENCE_RMS).sum()) * 0.03


def transcribe(spec: BackendSpec, data: bytes, mime: str, hints: Hints) -> str:
    """Recorded bytes → the words heard ('' for silence or nothing recognised).

    Raises LanguageUnsupported before decoding when the backend cannot hear the speaker's
    language: an English recogniser would turn a Chinese note into confident nonsense.
    """
    backend = build(spec)
    if not backend.hears(hints.language):
        raise LanguageUnsupported(
            f"a voice note in {hints.language!r} arrived but the {backend.name} recogniser "
            f"here hears English only: set CRM_STT_MODEL to a multilingual Whisper model "
            f"directory (e.g. faster-whisper base or small; see README, Voice notes)",
            hints.language,
        )
    pcm = to_pcm16k(data, mime)
    if voiced_seconds(pcm) < MIN_VOICED_SECONDS:
        return ""
    return backend.transcribe(pcm, hints).strip()
