"""From the customer card: History (the whole timeline), Edit (one field, before → after) and
Merge into… (a duplicate into the customer to keep). Nothing changes before the summary is
confirmed; the services check who may do what."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.dialogs.base import (
    Answer,
    Ctx,
    Dialog,
    Done,
    Goto,
    Invalid,
    Question,
    Start,
    Step,
    Transition,
)
from bot.dialogs.common import CUSTOMER_STEP, action, card_reply, kind_label
from bot.dialogs.feature import Feature
from bot.dialogs.labels import STAGES as STAGE_LABELS
from bot.dialogs.widgets import confirmed
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.services import customer_changes, customers, timeline
from bot.services.errors import InvalidInput
from bot.services.phones import format_phone

FIELD_LABELS = {
    "name": N_("Name"),
    "phone": N_("Phone"),
    "address": N_("Address"),
    "industry": N_("Industry"),
    "tier": N_("Tier"),
    "credit_limit": N_("Credit limit"),
}
_INVALID = {
    "name": N_("A name needs letters or characters, not only punctuation."),
    "phone": N_("That does not look like a phone number, e.g. 138 1234 5678 or +49 30 1234567."),
    "tier": N_("Please choose A, B or C."),
    "credit_limit": N_(
        "Please type an amount in the company currency, e.g. 50000 or 5万 (0: none)."
    ),
    "address": N_("Please type the new value (at most 300 characters)."),
    "industry": N_("Please type the new value (at most 100 characters)."),
}


MOVED_LABELS = {
    "visits": N_("visits"),
    "followups": N_("of them open follow-ups"),
    "deals": N_("deals"),
    "invoices": N_("invoices"),
    "payments": N_("payments"),
    "contacts": N_("contacts"),
    "tasks": N_("tasks"),
    "approvals": N_("approval requests"),
}


# --- History ---------------------------------------------------------------------------------


def _event_line(ctx: Ctx, event: timeline.Event) -> str:
    day = ctx.t.date(event.at)
    if event.kind == "visit":
        said = " ".join(event.text.split())[:160]
        head = f"🗓 {day} · {kind_label(ctx, event.title)} · {event.who}"
        return f"{head}: {said}" if said else head
    if event.kind == "stage":
        before = ctx._(STAGE_LABELS[event.from_stage]) if event.from_stage else "—"
        after = ctx._(STAGE_LABELS[event.to_stage])
        return f"💼 {day} · {event.title}: {before} → {after} · {event.who}"
    amount = ctx.t.money(event.amount or Decimal(0), event.currency)
    line = ctx._("💴 {day} · paid {amount}").format(day=day, amount=amount)
    return " · ".join(x for x in (line, event.who, event.text) if x)


async def history_action(ctx: Ctx, arg: str) -> list[Reply]:
    """Action 'hist:<customer>:<offset>': one page of the timeline, newest first."""
    customer_id, _, offset_text = arg.partition(":")
    if not customer_id.isdigit() or not offset_text.isdigit():
        return [Reply(ctx._("That button is not valid any more."))]
    offset, size = int(offset_text), ctx.settings.page_size
    brief = await customers.brief(ctx.user, int(customer_id))
    events, total = await timeline.history(ctx.user, brief.id, offset=offset, limit=size)
    if not total:
        return [Reply(ctx._("{name}: nothing recorded yet.").format(name=brief.name))]
    lines = [
        ctx._("{name}: history {first}–{last} of {total}").format(
            name=brief.name, first=offset + 1, last=offset + len(events), total=total
        )
    ]
    lines += [_event_line(ctx, event) for event in events]
    nav: list[Button] = []
    if offset:
        nav.append(action(ctx._("‹ Newer"), "hist", f"{brief.id}:{max(0, offset - size)}"))
    if offset + len(events) < total:
        nav.append(action(ctx._("Older ›"), "hist", f"{brief.id}:{offset + size}"))
    nav.append(action(ctx._("Card"), "cust", brief.id))
    return [Reply("\n".join(lines), (tuple(nav),))]


# --- Edit ------------------------------------------------------------------------------------


def _shown(ctx: Ctx, field: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field == "phone":
        return format_phone(str(value))
    if field == "credit_limit":
        return ctx.t.money(Decimal(str(value)), ctx.settings.currency)
    return str(value)


async def begin_edit(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    if not args.isdigit():
        return [Reply(ctx._("That button is not valid any more."))]
    brief = await customers.brief(ctx.user, int(args))
    if not customer_changes.editable_fields(ctx.user):
        return [Reply(ctx._("You cannot change this customer's details."))]
    return {"customer_id": brief.id, "customer_name": brief.name}


async def ask_field(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    choices = [(f, ctx._(FIELD_LABELS[f])) for f in customer_changes.editable_fields(ctx.user)]
    return Question(
        ctx._("{name}: what should change?").format(name=data["customer_name"]), choices, columns=2
    )


async def answer_field(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice not in customer_changes.editable_fields(ctx.user):
        raise Invalid(ctx._("Please tap one of the fields."))
    data["field"] = answer.choice
    before = await customer_changes.current_value(ctx.user, data["customer_id"], answer.choice)
    data["before"] = None if before is None else str(before)
    return None


async def ask_value(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    field = data["field"]
    text = ctx._("{field} now: {value}. Type the new value:").format(
        field=ctx._(FIELD_LABELS[field]), value=_shown(ctx, field, data["before"])
    )
    choices = [(tier, tier) for tier in customers.TIERS] if field == "tier" else []
    return Question(text, choices, columns=3)


async def answer_value(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    field = data["field"]
    raw = answer.choice or answer.text or ""
    try:
        value = customer_changes.clean_value(field, raw, currency=ctx.settings.currency)
    except InvalidInput as bad:
        raise Invalid(ctx._(_INVALID[field])) from bad
    data["after"] = str(value)
    return None


async def ask_edit_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    field = data["field"]
    lines = [
        ctx._("Change {field} of {name}?").format(
            field=ctx._(FIELD_LABELS[field]).lower(), name=data["customer_name"]
        ),
        f"{_shown(ctx, field, data['before'])} → {_shown(ctx, field, data['after'])}",
    ]
    if field == "name":
        hits = [
            hit
            for hit in await ctx.finder.find(data["after"])
            if hit.customer_id != data["customer_id"]
        ]
        if hits:
            lines.append(
                ctx.ngettext("This may already exist:", "These may already exist:", len(hits))
            )
            for hit in hits:
                lines.append(f"• {hit.name} ({hit.owner_name})")
    return Question("\n".join(lines), [("save", ctx._("✅ Save"))])


async def answer_edit_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if not confirmed(answer):
        raise Invalid(ctx._("Tap Save to keep it, or Cancel to drop it."))
    await customer_changes.edit(
        ctx.user, data["customer_id"], data["field"], data["after"], currency=ctx.settings.currency
    )
    return Done([Reply("✅ " + ctx._("Saved.")), await card_reply(ctx, data["customer_id"])])


EDIT = Dialog(
    name="cedit",
    title=N_("Edit customer"),
    begin=begin_edit,
    steps=(
        Step("field", ask_field, answer_field),
        Step("value", ask_value, answer_value),
        Step("confirm", ask_edit_confirm, answer_edit_confirm),
    ),
)


# --- Merge -----------------------------------------------------------------------------------


async def begin_merge(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    if not args.isdigit():
        return [Reply(ctx._("That button is not valid any more."))]
    brief = await customers.brief(ctx.user, int(args))
    if not customer_changes.can_merge(ctx.user):
        return [Reply(ctx._("Only managers and admins merge customers."))]
    return {"source_id": brief.id, "source_name": brief.name}


async def ask_target(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if data.get("customer_id"):
        return None
    if not data.get("candidates"):
        return Question(
            ctx._(
                "Merge {name} into which customer? Type part of the name of the one to keep."
            ).format(name=data["source_name"])
        )
    return await CUSTOMER_STEP.ask(ctx, data)


async def answer_target(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    outcome = await CUSTOMER_STEP.answer(ctx, data, answer)
    if data.get("customer_id") == data["source_id"]:
        data.pop("customer_id", None)
        data.pop("candidates", None)
        raise Invalid(ctx._("That is the same customer. Type the name of the one to keep."))
    if isinstance(outcome, Goto):
        return Goto("target")
    return outcome


async def ask_merge_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    plan = await customer_changes.merge_plan(ctx.user, data["source_id"], data["customer_id"])
    counts = plan.counts
    lines = [
        ctx._("Merge “{source}” into “{target}” ({owner})?").format(
            source=plan.source_name, target=plan.target_name, owner=plan.target_owner_name
        ),
        ctx._("It moves: {what}.").format(
            what=", ".join(f"{ctx._(label)} {counts[key]}" for key, label in MOVED_LABELS.items())
        ),
    ]
    if plan.fills:
        filled = ", ".join(
            f"{ctx._(FIELD_LABELS[f]).lower()} {_shown(ctx, f, v)}" for f, v in plan.fills.items()
        )
        lines.append(ctx._("Fills in: {fields}.").format(fields=filled))
    lines.append(
        ctx._(
            "“{source}” then disappears; its name and phone still find “{target}”. "
            "This cannot be undone."
        ).format(source=plan.source_name, target=plan.target_name)
    )
    return Question("\n".join(lines), [("save", ctx._("Merge"))])


async def answer_merge_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if (
        not confirmed(answer)
        and (answer.text or "").strip().casefold() != ctx._("merge").casefold()
    ):
        raise Invalid(ctx._("Tap Merge to go ahead, or Cancel."))
    plan = await customer_changes.merge(ctx.user, data["source_id"], data["customer_id"])
    done = ctx._("✅ Merged “{source}” into “{target}”.").format(
        source=plan.source_name, target=plan.target_name
    )
    return Done([Reply(done), await card_reply(ctx, plan.target_id)])


MERGE = Dialog(
    name="cmerge",
    title=N_("Merge customers"),
    begin=begin_merge,
    steps=(
        Step("target", ask_target, answer_target),
        Step("confirm", ask_merge_confirm, answer_merge_confirm),
    ),
)


def _starter(dialog: str) -> Any:
    async def start(ctx: Ctx, arg: str) -> list[Reply] | Start:
        return Start(dialog, args=arg)

    return start


FEATURE = Feature(
    name="customer_edits",
    dialogs=(EDIT, MERGE),
    actions={"hist": history_action, **{d.name: _starter(d.name) for d in (EDIT, MERGE)}},
)
