"""Regenerate the voice-note recordings in `fixtures/` from `fixtures/sentences.txt` (English)
and `fixtures/sentences_zh.txt` (Mandarin).

Rows with no sentence are silence (two seconds), or pink noise when the name starts with "noise".
Mandarin is spoken by espeak-ng's pinyin voice from the sentence written in pinyin with tone
numbers (pypinyin, `pip install pypinyin`, needed by this script only): Debian's espeak-ng reads
Chinese characters as pinyin but then speaks the tone digits as English numbers.
Needs espeak-ng and ffmpeg with libopus (Debian: `apt-get install espeak-ng ffmpeg`); AMR-NB is
encoded with the ffmpeg binary the imageio-ffmpeg wheel ships, as Debian's has no AMR encoder.
OGG/Opus at 48 kHz is what Telegram records; AMR-NB at 8 kHz is what WeChat sends. Run:
`python tests/speech/make_fixtures.py`.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "fixtures"
SPEED = 150  # words per minute, a calm speaking pace
SPEED_ZH = 120


def sentences(file: str = "sentences.txt") -> list[tuple[str, str]]:
    rows = []
    for line in (HERE / file).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, text = line.partition("\t")
            rows.append((name.strip(), text.strip()))
    return rows


def amr_encoder() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def pinyin(text: str) -> str:
    """'你好，明天' → 'ni3 hao3, ming2 tian1': what espeak-ng's cmn-latn-pinyin voice reads."""
    from pypinyin import Style, lazy_pinyin

    marks = {"，": ",", "。": ".", "、": ",", "！": ".", "？": "?"}
    words = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)
    spoken = " ".join(marks.get(word, word) for word in words)
    return spoken.replace(" ,", ",").replace(" .", ".").replace(" ?", "?")


def speech(text: str, wav: Path, chinese: bool) -> None:
    if chinese:  # slower, with a gap between syllables and a lower pitch: heard far better
        voice = ["-v", "cmn-latn-pinyin", "-s", str(SPEED_ZH), "-g", "2", "-p", "30"]
        text = pinyin(text)
    else:
        voice = ["-v", "en-us", "-s", str(SPEED)]
    subprocess.run(["espeak-ng", *voice, "-w", str(wav), text], check=True)


def make(name: str, text: str, folder: Path, chinese: bool = False) -> None:
    wav = folder / f"{name}.wav"
    if text:
        speech(text, wav, chinese)
        source = ["-i", str(wav)]
    elif name.startswith("noise"):
        source = ["-f", "lavfi", "-i", "anoisesrc=d=3:c=pink:r=48000:a=0.2:seed=7"]
    else:
        source = ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "2"]
    target = HERE / name
    if name.endswith(".amr"):
        codec = ["-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb", "-b:a", "12.2k"]
        binary = amr_encoder()
    else:
        codec = ["-ar", "48000", "-ac", "1", "-c:a", "libopus", "-b:a", "16k"]
        codec += ["-application", "voip"]
        binary = "ffmpeg"
    command = [binary, "-v", "error", "-y", *source, *codec, "-map_metadata", "-1", str(target)]
    subprocess.run(command, check=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for file, chinese in (("sentences.txt", False), ("sentences_zh.txt", True)):
            for name, text in sentences(file):
                make(name, text, Path(folder), chinese)
                print(f"{name}: {(HERE / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
