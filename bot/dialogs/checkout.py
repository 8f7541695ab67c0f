"""Check-out: /checkout, or the Check out button a shared location offers while today's
check-in is open; the visit keeps the second point and the minutes on site."""

from __future__ import annotations

from bot.dialogs.base import Ctx
from bot.dialogs.common import distance_text, on_site_text
from bot.dialogs.convert import to_id
from bot.dialogs.feature import EVERYONE, Command, Feature
from bot.dialogs.on_site import clock
from bot.i18n import N_
from bot.messages import Reply
from bot.services.errors import InvalidInput, NotFound
from bot.services.records import checkout


def _said(ctx: Ctx, done: checkout.CheckOut) -> str:
    if done.already:
        return ctx._("You already checked out of {customer} at {time} ({spent}).").format(
            customer=done.customer_name,
            time=clock(ctx, done.checkout_at),
            spent=on_site_text(ctx.t, done.minutes),
        )
    text = ctx._("✅ Checked out of {customer}: {start}–{end}, {spent}.").format(
        customer=done.customer_name,
        start=clock(ctx, done.at),
        end=clock(ctx, done.checkout_at),
        spent=on_site_text(ctx.t, done.minutes),
    )
    if done.far and done.distance_m is not None:
        text += "\n" + ctx._(
            "📍 This check-out is {distance} from {customer}'s known place; "
            "it is marked on the visit."
        ).format(distance=distance_text(ctx, done.distance_m), customer=done.customer_name)
    return text


async def _check_out(
    ctx: Ctx, visit_id: int | None, point: tuple[float, float] | None
) -> list[Reply]:
    try:
        done = await checkout.check_out(
            ctx.user,
            visit_id,
            now=ctx.now,
            tz=ctx.t.timezone,
            radius_m=ctx.settings.checkin_radius_m,
            latitude=point[0] if point else None,
            longitude=point[1] if point else None,
        )
    except NotFound:
        return [
            Reply(
                ctx._(
                    "You have no check-in open today. Share your location while logging a "
                    "/visit to check in."
                )
            )
        ]
    except InvalidInput as refused:
        if refused.code == "checkout_other_day":
            return [Reply(ctx._("That check-in was on another day; it cannot be closed now."))]
        return [Reply(ctx._("That button is not valid any more."))]
    return [Reply(_said(ctx, done))]


async def checkout_command(ctx: Ctx, args: str) -> list[Reply]:
    """/checkout: close today's open check-in by the time alone."""
    return await _check_out(ctx, None, None)


async def checkout_action(ctx: Ctx, arg: str) -> list[Reply]:
    """Action 'checkout:<visit>[:<lat>,<lon>]': the tap under a shared location's answer."""
    raw_id, _, raw_point = arg.partition(":")
    visit_id = to_id(raw_id)
    point: tuple[float, float] | None = None
    if raw_point:
        lat, _, lon = raw_point.partition(",")
        try:
            point = (float(lat), float(lon))
        except ValueError:
            visit_id = None
    if visit_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    return await _check_out(ctx, visit_id, point)


FEATURE = Feature(
    name="checkout",
    commands=(
        Command(
            "checkout",
            N_("check out of today's visit: the time on site"),
            EVERYONE,
            run=checkout_command,
        ),
    ),
    actions={"checkout": checkout_action},
)
