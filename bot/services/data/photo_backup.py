"""The photo folder in a backup: `FILE.photos.tar` beside the database's `FILE`.

Photos are named by their content hash and never rewritten, and a visit's photo row is written
after its file, so archiving the folder after the database snapshot holds every photo the
snapshot names. Restore takes back only members named as the store names them, whose bytes hash
to their name, and skips those already there: an archive cannot write outside the folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import tarfile
from pathlib import Path

MEMBER = re.compile(r"([0-9a-f]{2})/(\1[0-9a-f]{62})\.(jpg|png|webp|gif|heic|bin)")
SUFFIX = ".photos.tar"


def archive_for(file: Path) -> Path:
    """Where a backup's photos go: beside it, its name plus '.photos.tar'."""
    return file.with_name(file.name + SUFFIX)


def save(folder: Path, file: Path) -> int:
    """Archive the photo folder beside the backup `file` (replaced whole); how many photos."""
    target = archive_for(file)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    count = 0
    with tarfile.open(partial, "w") as tar:
        if folder.is_dir():
            for path in sorted(folder.glob("??/*")):
                name = path.relative_to(folder).as_posix()
                if MEMBER.fullmatch(name) and path.is_file():
                    tar.add(path, arcname=name, recursive=False)
                    count += 1
    os.replace(partial, target)
    return count


def load(file: Path, folder: Path) -> int:
    """Bring the photos archived beside the backup `file` back into `folder`; how many were
    added (none when the backup has no photo archive)."""
    source = archive_for(file)
    if not source.is_file():
        return 0
    added = 0
    with tarfile.open(source, "r") as tar:
        for member in tar:
            match = MEMBER.fullmatch(member.name)
            if match is None or not member.isfile():
                continue
            target = folder / member.name
            if target.exists():
                continue
            handle = tar.extractfile(member)
            if handle is None:
                continue
            data = handle.read()
            if hashlib.sha256(data).hexdigest() != match[2]:
                continue  # damaged or foreign: a wrong picture is worse than none
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.part")
            partial.write_bytes(data)
            os.replace(partial, target)
            added += 1
    return added
