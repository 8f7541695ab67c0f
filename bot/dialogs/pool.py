"""/pool: the public pool (公海) — search and page it, claim a customer with one tap, and (managers
for their team, admins for anyone) give one to a rep. The rules live in
`bot.services.discipline.pool`; a refused claim says why in one line.
"""

from __future__ import annotations

from typing import Any

from bot.dialogs.base import Ctx, Dialog, Done, Start, Transition
from bot.dialogs.common import action, card_reply
from bot.dialogs.convert import to_id, to_int
from bot.dialogs.feature import EVERYONE, Command, Feature
from bot.dialogs.widgets import Confirm, Option, PickFrom
from bot.i18n import N_, Translator
from bot.messages import Button, Reply
from bot.services.discipline import pool
from bot.services.errors import NotFound, PermissionDenied

QUERY_BYTES = 36  # what of a search fits in a pager button beside its offset (64 bytes in all)
NAME_WIDTH = 24


def _rules(ctx: Ctx) -> pool.PoolRules:
    return pool.PoolRules.from_settings(ctx.settings)


def _fit(query: str) -> str:
    """The search as far as it fits a button's data, cut at a character."""
    data = query.encode()[:QUERY_BYTES]
    return data.decode(errors="ignore")


def _pool_line(ctx: Ctx, number: int, item: pool.PoolLine) -> str:
    """'3. Acme · machinery · Shanghai … · last contact Sep 2 · had by Li Wei' — never notes."""
    parts = [f"{number}. {item.name}"]
    parts += [x for x in (item.industry, item.address[:40]) if x]
    if item.last_contact_at:
        parts.append(ctx._("last contact {when}").format(when=ctx.t.date(item.last_contact_at)))
    else:
        parts.append(ctx._("never contacted"))
    if item.previous_owner:
        parts.append(ctx._("had by {name}").format(name=item.previous_owner))
    return " · ".join(parts)


async def pool_command(ctx: Ctx, arg: str) -> list[Reply]:
    """/pool [words]: a page of the pool (newest first), searched by name, industry or place."""
    return await _page(ctx, " ".join(arg.split())[:100], 0)


async def pool_page(ctx: Ctx, arg: str) -> list[Reply]:
    """Action 'pool:<offset>:<words>': another page of the same search."""
    raw, _, query = arg.partition(":")
    offset = to_int(raw, high=10**7)
    if offset is None:
        return [Reply(ctx._("That button is not valid any more."))]
    return await _page(ctx, query, offset)


async def _page(ctx: Ctx, query: str, offset: int) -> list[Reply]:
    size = ctx.settings.page_size
    items, total = await pool.search(query, offset=offset, limit=size)
    if not total:
        if query:
            text = ctx._("Nothing in the public pool matches “{query}”.").format(query=query)
        else:
            text = ctx._("The public pool is empty.")
        return [Reply(text)]
    if query:
        head = ctx.ngettext(
            "{count} customer in the public pool matches “{query}”:",
            "{count} customers in the public pool match “{query}”:",
            total,
        ).format(count=total, query=query)
    else:
        head = ctx.ngettext(
            "{count} customer in the public pool:", "{count} customers in the public pool:", total
        ).format(count=total)
    lines = [head]
    rows: list[tuple[Button, ...]] = []
    claims, assigns = pool.can_claim(ctx.user), pool.can_assign(ctx.user)
    for number, item in enumerate(items, offset + 1):
        lines.append(_pool_line(ctx, number, item))
        label = f"{number}. {item.name}"[:NAME_WIDTH]
        row: list[Button] = []
        if claims:
            row.append(action(ctx._("🙋 Claim {name}").format(name=label), "pclaim", item.id))
        if assigns:
            row.append(action(ctx._("👉 Assign {n}").format(n=number), "passign", item.id))
        if row:
            rows.append(tuple(row))
    if not query and total > size:
        lines.append(ctx._("Search: /pool and a word of the name, industry or city."))
    nav: list[Button] = []
    fitted = _fit(query)
    if offset:
        nav.append(action(ctx._("‹ Previous"), "pool", f"{max(0, offset - size)}:{fitted}"))
    if offset + len(items) < total:
        nav.append(action(ctx._("More ›"), "pool", f"{offset + size}:{fitted}"))
    if nav:
        rows.append(tuple(nav))
    return [Reply("\n".join(lines), tuple(rows))]


def refused_line(ctx: Ctx, refused: pool.Refused, name: str) -> str:
    """Why a claim or an assignment did not go through, in one line."""
    if refused.code == "pool_quota":
        return ctx.ngettext(
            "You have claimed {n} customer from the pool today, the most for a day. "
            "Try again tomorrow.",
            "You have claimed {n} customers from the pool today, the most for a day. "
            "Try again tomorrow.",
            refused.limit,
        ).format(n=refused.limit)
    if refused.code == "pool_cap":
        return ctx.ngettext(
            "That would be more than {n} customer for one rep, the most allowed.",
            "That would be more than {n} customers for one rep, the most allowed.",
            refused.limit,
        ).format(n=refused.limit)
    if refused.code == "pool_cooldown" and refused.until is not None:
        return ctx._("{name} went to the pool from you; you may claim it back from {date}.").format(
            name=name, date=ctx.t.date(refused.until)
        )
    return ctx._("{name} is not in the pool any more: someone took it first.").format(name=name)


async def claim_button(ctx: Ctx, arg: str) -> list[Reply]:
    """Action 'pclaim:<customer>': take it, or hear why not."""
    customer_id = to_id(arg)
    if customer_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    line = await pool.pooled_brief(customer_id)
    name = line.name if line else ""
    try:
        await pool.claim(ctx.user, customer_id, _rules(ctx), now=ctx.now)
    except pool.Refused as refused:
        return [Reply(refused_line(ctx, refused, name))]
    except PermissionDenied:
        return [Reply(ctx._("Only sales reps and managers claim customers from the pool."))]
    except NotFound:
        return [Reply(ctx._("Not found, or not yours to see."))]
    text = "✅ " + ctx._("{name} is yours now.").format(name=name)
    return [Reply(text), await card_reply(ctx, customer_id)]


# --- a manager or admin gives a pooled customer to a rep ---------------------------------------


async def begin_assign(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    if not pool.can_assign(ctx.user):
        return [Reply(ctx._("Only managers and admins give customers from the pool."))]
    customer_id = to_id(args)
    line = await pool.pooled_brief(customer_id) if customer_id else None
    if line is None:
        return [Reply(ctx._("That customer is not in the pool any more."))]
    return {"customer_id": line.id, "customer_name": line.name}


async def _reps(ctx: Ctx, data: dict[str, Any]) -> list[Option]:
    return [Option(f"u:{uid}", name) for uid, name in await pool.assignees(ctx.user)]


def _assign_summary(ctx: Ctx, data: dict[str, Any]) -> str:
    offered = dict(data.get("_offered_rep") or [])
    return ctx._("Give {customer} to {name}?").format(
        customer=data["customer_name"], name=offered.get(data["rep"], "?")
    )


async def _assign(ctx: Ctx, data: dict[str, Any]) -> Transition:
    rep_id = to_id(str(data["rep"]).removeprefix("u:"))
    offered = dict(data.get("_offered_rep") or [])
    name = offered.get(data["rep"], "?")
    try:
        await pool.assign(ctx.user, int(data["customer_id"]), rep_id or 0, _rules(ctx), now=ctx.now)
    except pool.Refused as refused:
        return Done([Reply(refused_line(ctx, refused, data["customer_name"]))])
    except (NotFound, PermissionDenied):
        return Done([Reply(ctx._("{name} is not in your team any more.").format(name=name))])
    text = "✅ " + ctx._("{customer} now belongs to {name}.").format(
        customer=data["customer_name"], name=name
    )
    return Done([Reply(text)])


ASSIGN = Dialog(
    name="passign",
    title=N_("Give a customer from the pool"),
    begin=begin_assign,
    steps=(
        PickFrom(
            key="rep",
            prompt=N_("Give {customer_name} to whom? Tap a name."),
            load=_reps,
            columns=2,
            none=N_("Nobody in your team can take customers."),
            invalid=N_("Please tap a name."),
        ),
        Confirm(prompt=_assign_summary, save=_assign),
    ),
)


async def assign_button(ctx: Ctx, arg: str) -> list[Reply] | Start:
    if to_id(arg) is None:
        return [Reply(ctx._("That button is not valid any more."))]
    return Start(ASSIGN.name, args=arg)


FEATURE = Feature(
    name="pool",
    commands=(
        Command(
            "pool",
            N_("the public pool: customers nobody works, to search and claim"),
            EVERYONE,
            run=pool_command,
        ),
    ),
    dialogs=(ASSIGN,),
    actions={"pool": pool_page, "pclaim": claim_button, "passign": assign_button},
)


def render_assigned(t: Translator, params: dict[str, Any]) -> Reply:
    """A customer from the public pool given to this rep by their manager or an admin."""
    text = t.gettext("🌊 {by} gave you {name} from the public pool.").format(
        by=params["by"], name=params["name"]
    )
    return Reply(text, ((action(t.gettext("Open"), "cust", params["customer_id"]),),))


RENDERERS = {"pool_assigned": render_assigned}
