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

The weights are computed in float32, not int8. CTranslate2's int8 matrix products depend on the
CPU: MKL on Intel, oneDNN on AMD, and the instruction set (AVX, AVX2, AVX-512) each round
differently, and greedy decoding turns those differences into other characters. The same
Mandarin note gave "给华南贸易…联系" through MKL with AVX2, "给我按猫意…连闲" through oneDNN
with AVX2 and "给华岸猫一…连闲" with AVX; in float32 all five backend and instruction set pairs
tried gave one transcript. Whisper base stays fast enough in float32 for a note of a few seconds.

A Chinese customer name is often heard as other characters of the same sound ("华岸猫一" for
"华南贸易"): a run of the transcript whose pinyin is nearly that of one of the speaker's customer
names is written as the name, so the note finds its customer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from bot.services.language.capture_names import sound
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
# One result on every CPU (see above); int8 differs between oneDNN, MKL and instruction sets.
COMPUTE_TYPE = "float32"
# How close (0–100, rapidfuzz ratio of toneless pinyin) a run must sound to be a customer's name.
SAME_SOUND = 90.0
# Shorter names sound like too many everyday words to be put in by sound.
MIN_NAME_CHARACTERS = 3


class WhisperBackend:
    """faster-whisper on the CPU in float32, which gives the same words on every CPU."""

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
            str(path),
            device="cpu",
            compute_type=COMPUTE_TYPE,
            cpu_threads=threads,
            local_files_only=True,
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
            simplified = self._to_simplified("".join(segment.text.strip() for segment in segments))
            return names_by_sound(simplified, hints.names)
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


def _han(text: str) -> bool:
    return bool(text) and all("\u4e00" <= character <= "\u9fff" for character in text)


def names_by_sound(text: str, names: Iterable[str]) -> str:
    """Write each customer name heard as same-sounding characters as the name itself.

    Whisper spells a name it does not know with common characters of that sound; matching
    afterwards compares characters, so "华岸猫一" would never find 华南贸易. Characters are read
    as the note matcher reads them (`capture_names.sound`), one at a time, name and transcript
    alike.
    """
    sounds = [sound(character) if _han(character) else "" for character in text]
    for name in names:
        if len(name) < MIN_NAME_CHARACTERS or not _han(name) or name in text:
            continue
        said = [sound(character) for character in name]
        target = " ".join(said)
        best, where = SAME_SOUND, -1
        for start in range(len(text) - len(name) + 1):
            if not _han(text[start : start + len(name)]):
                continue
            score = fuzz.ratio(target, " ".join(sounds[start : start + len(name)]))
            if score >= best:
                best, where = score, start
        if where >= 0:
            text = text[:where] + name + text[where + len(name) :]
            sounds[where : where + len(name)] = said
    return text
