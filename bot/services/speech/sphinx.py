"""The default recogniser: pocketsphinx with the US English model its wheel ships (no download).

Biased, it runs a small decoder per set of hints: a dictionary of just the model's vocabulary
(names the CMU dictionary lacks get spelled-out phones) and the bigram model from `bias`. Such a
decoder is built in milliseconds, so a worker keeps a few, keyed by the hints they were made for.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from bot.services.speech.bias import Hints, arpa, sentences, spell
from bot.services.speech.errors import SpeechUnavailable

KEEP_DECODERS = 8


class SphinxBackend:
    """pocketsphinx, steered toward the speaker's customers unless `biased` is False."""

    name = "pocketsphinx"

    def __init__(self, *, biased: bool = True) -> None:
        try:
            import pocketsphinx
        except ImportError as missing:
            raise SpeechUnavailable(f"pocketsphinx is not installed: {missing}") from missing
        self._ps: Any = pocketsphinx
        self.biased = biased
        self._general: Any = None
        self._decoders: OrderedDict[str, Any] = OrderedDict()
        self._phones: dict[str, str] | None = None

    def hears(self, language: str) -> bool:
        """English only: the wheel ships a US English model."""
        return language == "en"

    def transcribe(self, pcm: np.ndarray, hints: Hints) -> str:
        """The words heard in 16 kHz mono int16 samples; '' when nothing was recognised."""
        decoder = self._biased(hints) if self.biased else self._general_decoder()
        decoder.start_utt()
        decoder.process_raw(pcm.astype(np.int16).tobytes(), full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        text = hypothesis.hypstr if hypothesis is not None else ""
        return " ".join(word for word in text.split() if not word.startswith(("<", "[", "++")))

    def _general_decoder(self) -> Any:
        if self._general is None:
            self._general = self._ps.Decoder(samprate=16000, loglevel="FATAL")
        return self._general

    def _biased(self, hints: Hints) -> Any:
        key = hashlib.sha1(hints.key().encode()).hexdigest()
        decoder = self._decoders.get(key)
        if decoder is not None:
            self._decoders.move_to_end(key)
            return decoder
        phones = self._dictionary()
        corpus = [[word for word in words if self._phones_of(word)] for words in sentences(hints)]
        corpus = [words for words in corpus if words]
        vocabulary = sorted({word for words in corpus for word in words})
        with tempfile.TemporaryDirectory(prefix="crm-lm-") as folder:
            dict_path, lm_path = Path(folder, "words.dict"), Path(folder, "words.arpa")
            dict_path.write_text(
                "".join(f"{word} {phones.get(word) or spell(word)}\n" for word in vocabulary)
            )
            lm_path.write_text(arpa(corpus))
            decoder = self._ps.Decoder(
                samprate=16000, loglevel="FATAL", dict=str(dict_path), lm=str(lm_path)
            )
        self._decoders[key] = decoder
        while len(self._decoders) > KEEP_DECODERS:
            self._decoders.popitem(last=False)
        return decoder

    def _phones_of(self, word: str) -> str:
        return self._dictionary().get(word) or spell(word)

    def _dictionary(self) -> dict[str, str]:
        """The CMU pronouncing dictionary shipped with the model: word → phones (first variant)."""
        if self._phones is None:
            path = os.path.join(self._ps.get_model_path(), "en-us", "cmudict-en-us.dict")
            phones: dict[str, str] = {}
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    word, _, sounds = line.strip().partition(" ")
                    if sounds and "(" not in word:
                        phones.setdefault(word, sounds.strip())
            self._phones = phones
        return self._phones
