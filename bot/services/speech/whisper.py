"""The Whisper-family recogniser: faster-whisper on a CTranslate2 model in a local directory.

Chosen when `CRM_STT_MODEL` names a directory (a converted Whisper model: `model.bin`,
`config.json`, `tokenizer.json`, `vocabulary.*`). Nothing is downloaded: a missing directory or
a missing package is reported as unavailable.

A multilingual model (base, small or larger; not a ".en" one) hears Chinese too. The language
is the speaker's setting, never detected: detection on a few seconds of a short note guesses
wrong often enough (Cantonese, Japanese, English) to turn a good note into nonsense. Voice
activity filtering cuts the silences before and between phrases, where Whisper invents text,
and repetition loops ("好的好的好的...") are kept out by not conditioning on the previous window
and by a penalty on tokens already written. Decoding is greedy at temperature 0: Whisper's
fallback to sampling at higher temperatures (when a window compresses too well or is too
unlikely) gave a different transcript for the same note from one try to the next and still
looped on the test recordings, where the penalty did not; banning repeated three-token runs
also stopped the loops but would forbid a rep from saying "500箱" twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bot.services.speech.bias import Hints
from bot.services.speech.errors import SpeechUnavailable

MODEL_FILES = ("model.bin", "config.json")
# Decoding settings that keep a short note fast on two cores and free of loops (see above).
DECODE: dict[str, Any] = {
    "beam_size": 1,
    "vad_filter": True,
    "condition_on_previous_text": False,
    "repetition_penalty": 1.2,
    "temperature": 0.0,
}


class WhisperBackend:
    """faster-whisper on the CPU with int8 weights."""

    name = "whisper"

    def __init__(self, model_dir: str, *, threads: int = 1) -> None:
        path = Path(model_dir).expanduser()
        missing = [name for name in MODEL_FILES if not (path / name).is_file()]
        if missing:
            raise SpeechUnavailable(
                f"CRM_STT_MODEL={model_dir}: not a Whisper model directory "
                f"(missing {', '.join(missing)})"
            )
        try:
            from faster_whisper import WhisperModel
        except ImportError as absent:
            raise SpeechUnavailable(
                f"CRM_STT_MODEL is set but faster-whisper is not installed "
                f"(pip install 'crmbot[whisper]'): {absent}"
            ) from absent
        self._model: Any = WhisperModel(
            str(path), device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=True
        )
        self.multilingual = bool(self._model.model.is_multilingual)
        self._simplified: Any = None

    def hears(self, language: str) -> bool:
        """English always; any other language only with a multilingual model."""
        return language == "en" or self.multilingual

    def transcribe(self, pcm: np.ndarray, hints: Hints) -> str:
        """The words heard, in the speaker's language.

        The names in the hints are not used: a prompt of a rep's customer names, tried as
        Whisper's `initial_prompt`, made tiny.en worse on the test recordings (it echoed names
        that were not said), so the model hears the audio alone.
        """
        audio = pcm.astype(np.float32) / 32768.0
        language = hints.language if self.multilingual else None
        segments, _info = self._model.transcribe(audio, language=language, **DECODE)
        if language == "zh":
            # Whisper writes Mandarin in traditional characters as often as in simplified ones;
            # the dialogs, matching and amounts read simplified (元, 万, 个, 联系).
            return self._to_simplified("".join(segment.text.strip() for segment in segments))
        return " ".join(segment.text.strip() for segment in segments).strip()

    def _to_simplified(self, text: str) -> str:
        """Traditional → simplified Chinese by OpenCC, when it is installed (the whisper extra)."""
        if self._simplified is None:
            try:
                import opencc
            except ImportError:
                return text
            self._simplified = opencc.OpenCC("t2s.json")
        return str(self._simplified.convert(text)).strip()
