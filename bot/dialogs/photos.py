"""Photos on visits: a photo sent during /visit is kept for that visit; one sent outside a dialog
goes to the rep's visit of today (asked with buttons when there are several, or offered as a new
visit when there is none); the card's Photos button sends them back."""

from __future__ import annotations

from bot.dialogs.base import Ctx, Invalid, Start
from bot.dialogs.common import action
from bot.dialogs.convert import to_id
from bot.dialogs.feature import Feature
from bot.dialogs.pictures import KEY, count_text, keep, store
from bot.messages import Button, OutFile, Reply
from bot.services.errors import NotFound
from bot.services.records import photos


def _time(ctx: Ctx, visit: photos.DayVisit) -> str:
    return ctx.t.local(visit.at).strftime("%H:%M")


async def _attached(ctx: Ctx, visit_id: int, name: str, stored: photos.Stored) -> list[Reply]:
    count = await photos.attach(ctx.user, visit_id, stored, now=ctx.now)
    text = ctx._("📷 Photo attached to your visit at {customer} ({total}).").format(
        customer=name, total=count_text(ctx, count)
    )
    return [Reply(text)]


async def photo_outside(ctx: Ctx, args: str) -> list[Reply] | Start:
    """A photo outside any dialog: to today's only visit, or ask which, or offer a new one."""
    picture = ctx.incoming.photo
    if picture is None:
        return []
    try:
        stored = await keep(ctx, picture)
    except Invalid as bad:
        return [Reply(bad.message)]
    today = await photos.todays_visits(ctx.user, now=ctx.now, tz=ctx.t.timezone)
    short = stored.sha256[: photos.SHORT]
    if not today:
        return [
            Reply(
                ctx._("📷 You have logged no visit today to attach this photo to."),
                ((action(ctx._("Log a visit with it"), "photovisit", short),),),
            )
        ]
    if len(today) == 1:
        return await _attached(ctx, today[0].visit_id, today[0].customer_name, stored)
    rows: list[tuple[Button, ...]] = [
        (action(f"{v.customer_name[:30]} · {_time(ctx, v)}", "photo", f"{v.visit_id}:{short}"),)
        for v in today
    ]
    return [Reply(ctx._("📷 Which of today's visits is this photo for?"), tuple(rows))]


async def photo_to_visit(ctx: Ctx, arg: str) -> list[Reply]:
    """Action 'photo:<visit>:<hash>': the visit chosen for a photo sent outside a dialog."""
    raw_id, _, short = arg.partition(":")
    visit_id = to_id(raw_id)
    stored = store(ctx).stored(short)
    if visit_id is None or stored is None:
        return [Reply(ctx._("That button is not valid any more."))]
    today = {
        v.visit_id: v for v in await photos.todays_visits(ctx.user, now=ctx.now, tz=ctx.t.timezone)
    }
    if visit_id not in today:
        return [Reply(ctx._("That button is not valid any more."))]
    return await _attached(ctx, visit_id, today[visit_id].customer_name, stored)


async def photo_new_visit(ctx: Ctx, arg: str) -> list[Reply] | Start:
    """Action 'photovisit:<hash>': log a visit that starts with this photo."""
    stored = store(ctx).stored(arg)
    if stored is None:
        return [Reply(ctx._("That button is not valid any more."))]
    return Start("visit", {KEY: [[stored.sha256, stored.mime, stored.size]]})


async def send_photos(ctx: Ctx, arg: str) -> list[Reply]:
    """Action 'photos:<visit>': the visit's photos, sent back into the chat."""
    visit_id = to_id(arg)
    if visit_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    try:
        name, found = await photos.of_visit(ctx.user, visit_id)
    except NotFound:
        return [Reply(ctx._("Not found, or not yours to see."))]
    if not found:
        return [Reply(ctx._("This visit has no photos."))]
    shelf = store(ctx)
    replies = [Reply(f"{name} · {count_text(ctx, len(found))}")]
    for number, item in enumerate(found, 1):
        try:
            content = await shelf.read(item.sha256, item.mime)
        except NotFound:
            replies.append(
                Reply(ctx._("Photo {n} is missing from the photo folder.").format(n=number))
            )
            continue
        extension = photos.EXTENSIONS.get(item.mime, "bin")
        replies.append(
            Reply(
                f"📷 {number}/{len(found)}",
                file=OutFile(f"photo-{visit_id}-{number}.{extension}", content, item.mime),
            )
        )
    return replies


FEATURE = Feature(
    name="photos",
    actions={"photo": photo_to_visit, "photovisit": photo_new_visit, "photos": send_photos},
    photo=photo_outside,
)
