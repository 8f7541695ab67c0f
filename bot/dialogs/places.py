"""Near me: a location shared outside a dialog lists the person's nearest customers (a
manager's: the team's) with what is due, and buttons to log a visit, open the card or a map."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from bot.dialogs import on_site
from bot.dialogs.base import Ctx
from bot.dialogs.common import action, distance_text, local_today
from bot.dialogs.feature import Feature
from bot.messages import Button, ButtonKind, Reply
from bot.models import Role
from bot.services.records import places

SHOWN = 8


def map_link(ctx: Ctx, spot: places.Nearby) -> str:
    """A web map suited to the reader: Amap (高德) in Chinese, OpenStreetMap otherwise."""
    lat, lon = f"{spot.latitude:.6f}", f"{spot.longitude:.6f}"
    if ctx.t.language == "zh":
        return f"https://uri.amap.com/marker?position={lon},{lat}&name={quote(spot.name)}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def _due(ctx: Ctx, due_at: datetime | None) -> str:
    if due_at is None:
        return ""
    day = ctx.t.local(due_at).date()
    today = local_today(ctx)
    if day < today:
        return ctx._("⚠️ follow-up overdue since {when}").format(when=ctx.t.date(due_at))
    if day == today:
        return ctx._("follow-up due today {when}").format(when=ctx.t.datetime(due_at))
    return ctx._("next follow-up {when}").format(when=ctx.t.date(due_at))


def _heading(ctx: Ctx, radius: str) -> str:
    role = Role(ctx.user.role)
    if role == Role.REP:
        return ctx._("📍 Your customers within {radius}, nearest first:").format(radius=radius)
    if role == Role.MANAGER:
        return ctx._("📍 Your team's customers within {radius}, nearest first:").format(
            radius=radius
        )
    return ctx._("📍 Customers within {radius}, nearest first:").format(radius=radius)


async def near_me(ctx: Ctx, args: str) -> list[Reply]:
    """The shared location's nearest customers, each with its distance and what is due; today's
    open check-in, if any, first, with its Check out button."""
    where = ctx.incoming.location
    if where is None:
        return []
    open_visit = await on_site.offer(ctx)
    lines: list[str] = []
    rows: list[tuple[Button, ...]] = []
    if open_visit is not None:
        lines += [open_visit[0], ""]
        rows.append((open_visit[1],))
    radius_m = ctx.settings.near_me_km * 1000
    radius = distance_text(ctx, round(radius_m))
    found = await places.near(
        ctx.user, where.latitude, where.longitude, radius_m=radius_m, limit=SHOWN
    )
    if not found:
        lines.append(
            ctx._(
                "No customer you can see has a known place within {radius}. A customer's "
                "place is learned from its first check-in: share your location while "
                "logging a /visit."
            ).format(radius=radius)
        )
        return [Reply("\n".join(lines), tuple(rows))]
    lines.append(_heading(ctx, radius))
    for number, spot in enumerate(found, 1):
        parts = [f"{number}. {spot.name}", distance_text(ctx, spot.distance_m)]
        if spot.owner_id != ctx.user.id:
            parts.append(spot.owner_name)
        parts.append(_due(ctx, spot.due_at))
        lines.append(" · ".join(p for p in parts if p))
        lines.append(f"   geo:{spot.latitude:.6f},{spot.longitude:.6f}")
        rows.append(
            (
                action(ctx._("Log a visit ({n})").format(n=number), "visit", spot.customer_id),
                action(ctx._("Open ({n})").format(n=number), "cust", spot.customer_id),
                Button(ctx._("Map ({n})").format(n=number), map_link(ctx, spot), ButtonKind.LINK),
            )
        )
    return [Reply("\n".join(lines), tuple(rows))]


FEATURE = Feature(name="places", location=near_me)
