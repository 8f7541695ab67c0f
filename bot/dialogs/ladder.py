"""The follow-up ladder in the chat: the manager's overdue list with Nudge and Reassign, the
reminder the rep gets, and the at-risk mark the card and `/followups` show."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.dialogs.base import Ctx, Dialog, Done, Invalid, Start, Transition
from bot.dialogs.common import action, local_today
from bot.dialogs.convert import to_id
from bot.dialogs.feature import Feature
from bot.dialogs.risk import days_late
from bot.dialogs.widgets import Confirm, Option, Pick, PickFrom
from bot.i18n import N_, Translator
from bot.messages import Button, Reply
from bot.services.discipline import ladder
from bot.services.errors import InvalidInput, NotFound, PermissionDenied

NAME_WIDTH = 24


# --- the manager's summary -------------------------------------------------------------------


def summary_block(
    t: Translator, listed: dict[str, Any]
) -> tuple[list[str], tuple[tuple[Button, ...], ...]]:
    """Lines and buttons for the follow-ups the manager should know of: rep, customer, days
    overdue (and at risk), each with Nudge and Reassign."""
    items = listed.get("items") or []
    total = int(listed.get("total") or len(items))
    lines = ["", t.gettext("⏳ Overdue follow-ups to chase: {count}").format(count=total)]
    rows: list[tuple[Button, ...]] = []
    for visit_id, _rep_id, rep, _customer_id, customer, days, risky in items:
        line = f"• {rep} · {customer} · {days_late(t, days)}"
        if risky:
            line += " · " + t.gettext("🚨 at risk")
        lines.append(line)
        short = customer[:NAME_WIDTH]
        rows.append(
            (
                action(t.gettext("🔔 Nudge: {name}").format(name=short), "nudge", visit_id),
                action(t.gettext("↪️ Reassign"), "fureassign", visit_id),
            )
        )
    if total > len(items):
        lines.append(t.gettext("…and {count} more").format(count=total - len(items)))
    return lines, tuple(rows)


# --- what the rep receives -------------------------------------------------------------------


def _customer_row(t: Translator, customer_id: int, name: str) -> tuple[Button, ...]:
    return (
        action(name[:30], "cust", customer_id),
        action(t.gettext("Log a visit"), "visit", customer_id),
    )


def render_nudge(t: Translator, params: dict[str, Any]) -> Reply:
    """A manager's reminder: which follow-up, how late, and the buttons to act on it."""
    due = datetime.fromisoformat(params["due_at"])
    lines = [
        t.gettext("🔔 {manager} reminds you: follow up with {name} (due {when}, {late}).").format(
            manager=params["manager"],
            name=params["name"],
            when=t.date(due),
            late=days_late(t, int(params["days"])),
        )
    ]
    if params.get("notes"):
        lines.append(str(params["notes"])[:200])
    return Reply("\n".join(lines), (_customer_row(t, params["customer_id"], params["name"]),))


def render_given(t: Translator, params: dict[str, Any]) -> Reply:
    """A follow-up (maybe with its customer) handed to this rep by their manager."""
    due = datetime.fromisoformat(params["due_at"])
    head = (
        N_("↪️ {manager} gave you {name} and its follow-up from {previous} (due {when}).")
        if params.get("with_customer")
        else N_("↪️ {manager} gave you the follow-up with {name} from {previous} (due {when}).")
    )
    lines = [
        t.gettext(head).format(
            manager=params["manager"],
            name=params["name"],
            previous=params["previous"],
            when=t.date(due),
        )
    ]
    if params.get("notes"):
        lines.append(str(params["notes"])[:200])
    return Reply("\n".join(lines), (_customer_row(t, params["customer_id"], params["name"]),))


RENDERERS = {"nudge": render_nudge, "followup_given": render_given}


# --- Nudge -----------------------------------------------------------------------------------

GONE = N_("That follow-up is closed already, or no longer in your team.")


async def nudge_button(ctx: Ctx, arg: str) -> list[Reply]:
    """Action 'nudge:<visit id>': remind the rep, once per follow-up and day."""
    visit_id = to_id(arg)
    if visit_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    try:
        item, queued = await ladder.nudge(
            ctx.user, visit_id, today=local_today(ctx), tz=ctx.t.timezone
        )
    except (NotFound, PermissionDenied):
        return [Reply(ctx._(GONE))]
    if not queued:
        return [
            Reply(
                ctx._("You already nudged {rep} about {name} today.").format(
                    rep=item.rep_name, name=item.customer_name
                )
            )
        ]
    return [
        Reply(
            "🔔 "
            + ctx._("{rep} is reminded to follow up with {name}.").format(
                rep=item.rep_name, name=item.customer_name
            )
        )
    ]


# --- Reassign --------------------------------------------------------------------------------


async def begin_reassign(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    visit_id = to_id(args)
    if visit_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    try:
        item = await ladder.open_followup(ctx.user, visit_id)
    except (NotFound, PermissionDenied):
        return [Reply(ctx._(GONE))]
    if not await ladder.team_reps(ctx.user, leaving_out=item.rep_id):
        return [Reply(ctx._("There is no other rep in your team to take it."))]
    return {
        "visit_id": item.visit_id,
        "customer_name": item.customer_name,
        "from_id": item.rep_id,
        "from_name": item.rep_name,
        "due": item.due_at.isoformat(),
    }


async def other_reps(ctx: Ctx, data: dict[str, Any]) -> list[Option]:
    people = await ladder.team_reps(ctx.user, leaving_out=int(data["from_id"]))
    return [Option(f"u:{uid}", name) for uid, name in people[:12]]


def rep_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    return ctx._("Who should follow up with {name} instead of {rep}? Tap a name.").format(
        name=data["customer_name"], rep=data["from_name"]
    )


async def rep_chosen(ctx: Ctx, data: dict[str, Any]) -> Transition:
    offered = dict(data.get("_offered_rep") or [])
    if data["rep"] not in offered:
        raise Invalid(ctx._("Please tap a name."))
    data["to_name"] = offered[data["rep"]]
    return None


def move_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    return ctx._("Does {name} move to {rep} too, or only this follow-up?").format(
        name=data["customer_name"], rep=data["to_name"]
    )


MOVES = (
    Option("followup", N_("Only the follow-up"), ("only", "no", "否", "不")),
    Option("customer", N_("The customer too"), ("customer", "yes", "是", "客户")),
)


def reassign_summary(ctx: Ctx, data: dict[str, Any]) -> str:
    due = ctx.t.date(datetime.fromisoformat(data["due"]))
    lines = [
        ctx._("Reassign this follow-up?"),
        f"🏢 {data['customer_name']} · {due}",
        f"👤 {data['from_name']} → {data['to_name']}",
    ]
    if data.get("move") == "customer":
        lines.append(ctx._("The customer moves too, with all its open follow-ups."))
    return "\n".join(lines)


REFUSALS = {
    "same_rep": N_("{rep} has it already. Please pick someone else."),
    "owner_invalid": N_("{rep} cannot take follow-ups any more."),
}


async def save_reassign(ctx: Ctx, data: dict[str, Any]) -> Transition:
    rep_id = to_id(str(data["rep"]).removeprefix("u:"))
    if rep_id is None:
        raise Invalid(ctx._("Please tap a name."))
    try:
        await ladder.reassign(
            ctx.user,
            int(data["visit_id"]),
            rep_id,
            with_customer=data.get("move") == "customer",
            now=ctx.now,
        )
    except InvalidInput as refused:
        line = REFUSALS.get(refused.code, N_("{rep} cannot take follow-ups any more."))
        return Done([Reply(ctx._(line).format(rep=data["to_name"]))])
    except (NotFound, PermissionDenied):
        return Done([Reply(ctx._(GONE))])
    return Done(
        [
            Reply(
                "✅ "
                + ctx._("{rep} now follows up with {name}, and is told so.").format(
                    rep=data["to_name"], name=data["customer_name"]
                )
            )
        ]
    )


REASSIGN = Dialog(
    name="fureassign",
    title=N_("Reassign a follow-up"),
    begin=begin_reassign,
    steps=(
        PickFrom(
            key="rep",
            prompt=rep_prompt,
            load=other_reps,
            columns=2,
            invalid=N_("Please tap a name."),
            then=rep_chosen,
        ),
        Pick(key="move", prompt=move_prompt, choices=MOVES, columns=2),
        Confirm(prompt=reassign_summary, save=save_reassign),
    ),
)


async def reassign_button(ctx: Ctx, arg: str) -> Start:
    """Action 'fureassign:<visit id>': the reassign dialog for that follow-up."""
    return Start(REASSIGN.name, args=arg)


FEATURE = Feature(
    name="ladder",
    dialogs=(REASSIGN,),
    actions={"nudge": nudge_button, "fureassign": reassign_button},
)
