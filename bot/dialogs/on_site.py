"""Today's open check-in, offered for check-out above the answer to a shared location (near
me) and worded by /checkout alike."""

from __future__ import annotations

from datetime import datetime

from bot.dialogs.base import Ctx
from bot.dialogs.common import action
from bot.messages import Button
from bot.services.records import checkout


def clock(ctx: Ctx, moment: datetime) -> str:
    """'10:05' in the reader's zone: the day is today, only the time says anything."""
    return ctx.t.local(moment).strftime("%H:%M")


async def offer(ctx: Ctx) -> tuple[str, Button] | None:
    """Above the near-me list: today's open check-in and a button to close it with the shared
    point (packed into the button, so the tap needs nothing stored). One reply with the list,
    so a numbered channel numbers the button too."""
    where = ctx.incoming.location
    found = await checkout.open_check_in(
        ctx.user,
        now=ctx.now,
        tz=ctx.t.timezone,
        latitude=where.latitude if where else None,
        longitude=where.longitude if where else None,
    )
    if found is None:
        return None
    when = clock(ctx, found.at)
    if found.distance_m is not None and found.distance_m <= ctx.settings.checkin_radius_m:
        text = ctx._("📍 You are still at {customer}, checked in at {time}. Check out now?")
    else:
        text = ctx._("🕙 You checked in at {customer} at {time} — check out?")
    arg = str(found.visit_id)
    if where is not None:
        arg += f":{where.latitude:.5f},{where.longitude:.5f}"
    button = action(ctx._("✅ Check out"), "checkout", arg)
    return text.format(customer=found.customer_name, time=when), button
