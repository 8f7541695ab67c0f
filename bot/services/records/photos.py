"""Photos attached to visits (a shelf, a signed form, a business card): the bytes in a folder,
named by their SHA-256, and a VisitPhoto row per visit and picture.

Content-addressed files need no cleanup race: the same picture sent twice, or by two instances
handling the same message, is one file (written beside its name and moved into place whole) and,
by the (visit, hash) unique key, one row. The type is read from the bytes (the magic numbers of
JPEG, PNG, WebP, GIF, HEIC), never from what the messenger or the file name says.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.models import User, Visit, VisitPhoto
from bot.services.errors import InvalidInput, NotFound
from bot.services.records.customers import visible_owner
from bot.services.records.visits import start_of_local_day

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/heic": "heic",
}
_HASH = re.compile(r"[0-9a-f]{64}")
SHORT = 40  # hex digits of a hash a button carries (Telegram's 64 bytes of callback data)
_SHORT_HASH = re.compile(rf"[0-9a-f]{{{SHORT},64}}")


def image_type(data: bytes) -> str | None:
    """The image type the bytes are, by their signature; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    return None


@dataclass(frozen=True, slots=True)
class Stored:
    """A picture in the store: its hash, its type, its size in bytes."""

    sha256: str
    mime: str
    size: int


class PhotoStore:
    """The folder of photos (CRM_PHOTO_DIR), two hex digits of fan-out, at most `max_bytes`."""

    __slots__ = ("max_bytes", "root")

    def __init__(self, root: str | Path, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    def path(self, sha256: str, mime: str) -> Path:
        if not _HASH.fullmatch(sha256):
            raise NotFound("photo")
        return self.root / sha256[:2] / f"{sha256}.{EXTENSIONS.get(mime, 'bin')}"

    async def put(self, data: bytes) -> Stored:
        """Keep the bytes; InvalidInput('photo_too_large' | 'photo_not_image') otherwise."""
        if len(data) > self.max_bytes:
            raise InvalidInput("photo_too_large")
        mime = image_type(data)
        if mime is None:
            raise InvalidInput("photo_not_image")
        stored = Stored(hashlib.sha256(data).hexdigest(), mime, len(data))
        await asyncio.to_thread(self._write, self.path(stored.sha256, mime), data)
        return stored

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        partial.write_bytes(data)
        os.replace(partial, target)

    async def read(self, sha256: str, mime: str) -> bytes:
        try:
            return await asyncio.to_thread(self.path(sha256, mime).read_bytes)
        except FileNotFoundError:
            raise NotFound("photo") from None

    def stored(self, short: str) -> Stored | None:
        """The picture a button's shortened hash names, read back from its file."""
        if not _SHORT_HASH.fullmatch(short):
            return None
        for found in (self.root / short[:2]).glob(f"{short}*"):
            mime = next((m for m, ext in EXTENSIONS.items() if found.suffix == f".{ext}"), None)
            if mime is not None and _HASH.fullmatch(found.stem):
                return Stored(found.stem, mime, found.stat().st_size)
        return None


async def attach(actor: User, visit_id: int, stored: Stored, *, now: datetime) -> int:
    """Attach a stored picture to the actor's own visit; the visit's photo count after it.
    The same picture twice is one row (the unique key decides between instances)."""
    if not await Visit.filter(id=visit_id, user_id=actor.id).exists():
        raise NotFound("visit")
    try:
        async with in_transaction():
            await VisitPhoto.create(
                visit_id=visit_id,
                user_id=actor.id,
                sha256=stored.sha256,
                mime=stored.mime,
                size=stored.size,
                at=now,
            )
    except IntegrityError:
        pass  # already attached: nothing to add
    return await VisitPhoto.filter(visit_id=visit_id).count()


@dataclass(frozen=True, slots=True)
class DayVisit:
    """One of the rep's visits of today, as a photo's 'which visit?' question lists it."""

    visit_id: int
    customer_name: str
    at: datetime


async def todays_visits(
    actor: User, *, now: datetime, tz: ZoneInfo, limit: int = 6
) -> list[DayVisit]:
    """The actor's visits logged for their local today, latest first (one indexed read)."""
    rows = (
        await Visit.filter(user_id=actor.id, at__gte=start_of_local_day(now, tz), at__lte=now)
        .order_by("-at", "-id")
        .limit(limit)
        .values_list("id", "customer__name", "at")
    )
    return [DayVisit(visit_id, name, at) for visit_id, name, at in rows]


async def of_visit(actor: User, visit_id: int) -> tuple[str, list[Stored]]:
    """The photos of a visit whose customer the actor may see, oldest first, and the
    customer's name."""
    row = await Visit.filter(id=visit_id).first().values("customer_id", "customer__name")
    if row is None:
        raise NotFound("visit")
    await visible_owner(actor, row["customer_id"])
    found = (
        await VisitPhoto.filter(visit_id=visit_id)
        .order_by("id")
        .values_list("sha256", "mime", "size")
    )
    return row["customer__name"], [Stored(sha, mime, size) for sha, mime, size in found]
