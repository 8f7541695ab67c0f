"""Photos as the dialogs keep them: into the photo store with one clear line when they cannot
be, noted in a dialog's data until the visit is saved, and counted in words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.dialogs.base import Ctx, Invalid
from bot.messages import Picture
from bot.services.errors import InvalidInput
from bot.services.records import photos

KEY = "photos"  # the visit dialog's photos kept so far: [[sha256, mime, size], ...]


def store(ctx: Ctx) -> photos.PhotoStore:
    """The photo folder and size limit the settings name."""
    return photos.PhotoStore(ctx.settings.photo_dir, round(ctx.settings.photo_max_mb * 1024**2))


async def keep(ctx: Ctx, picture: Picture) -> photos.Stored:
    """The picture's bytes in the store, or Invalid with the one line saying why not."""
    limit = ctx.settings.photo_max_mb
    if picture.data is None and (picture.size or 0) > limit * 1024**2:
        raise Invalid(
            ctx._("That photo is too large (at most {n} MB).").format(
                n=ctx.t.decimal(Decimal(str(limit)))
            )
        )
    if picture.data is None:
        raise Invalid(ctx._("I could not fetch that photo. Please send it again."))
    try:
        return await store(ctx).put(picture.data)
    except InvalidInput as refused:
        if refused.code == "photo_too_large":
            raise Invalid(
                ctx._("That photo is too large (at most {n} MB).").format(
                    n=ctx.t.decimal(Decimal(str(ctx.settings.photo_max_mb)))
                )
            ) from None
        raise Invalid(
            ctx._("That is not a photo I can keep (JPEG, PNG, WebP, GIF or HEIC).")
        ) from None


def kept_in(data: dict[str, Any], stored: photos.Stored) -> int:
    """Note a kept photo in a dialog's data (once per picture); how many it holds now."""
    held: list[list[Any]] = data.setdefault(KEY, [])
    if all(item[0] != stored.sha256 for item in held):
        held.append([stored.sha256, stored.mime, stored.size])
    return len(held)


def count_text(ctx: Ctx, count: int) -> str:
    return ctx.ngettext("📷 {count} photo", "📷 {count} photos", count).format(count=count)
