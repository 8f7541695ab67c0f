"""The Whisper-family recogniser: faster-whisper on a CTranslate2 model in a local directory.

Chosen when `CRM_STT_MODEL` names a directory (a converted Whisper model: `model.bin`,
`config.json`, `tokenizer.json`, `vocabulary.*`). Nothing is downloaded: a missing directory or
a missing package is reported as unavailable. A multilingual model hears Chinese too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bot.services.speech.bias import Hints
from bot.services.speech.errors import SpeechUnavailable

MODEL_FILES = ("model.bin", "config.json")


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

    def transcribe(self, pcm: np.ndarray, hints: Hints) -> str:
        """The words heard. The hints are not used: a prompt of a rep's customer names, tried as
        Whisper's `initial_prompt`, made tiny.en worse on the test recordings (it echoed names
        that were not said), so the model hears the audio alone."""
        audio = pcm.astype(np.float32) / 32768.0
        segments, _info = self._model.transcribe(
            audio, beam_size=1, condition_on_previous_text=False
        )
        return " ".join(segment.text.strip() for segment in segments).strip()
