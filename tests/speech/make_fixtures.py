"""Regenerate the voice-note recordings in `fixtures/` from `fixtures/sentences.txt`.

Rows with no sentence are silence (two seconds), or pink noise when the name starts with "noise".
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


def sentences() -> list[tuple[str, str]]:
    rows = []
    for line in (HERE / "sentences.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, text = line.partition("\t")
            rows.append((name.strip(), text.strip()))
    return rows


def amr_encoder() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def make(name: str, text: str, folder: Path) -> None:
    wav = folder / f"{name}.wav"
    if text:
        speak = ["espeak-ng", "-v", "en-us", "-s", str(SPEED), "-w", str(wav), text]
        subprocess.run(speak, check=True)
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
        for name, text in sentences():
            make(name, text, Path(folder))
            print(f"{name}: {(HERE / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
