"""From the customer card: History (the whole timeline), Edit (one field, before → after) and
Merge into… (a duplicate into the customer to keep). Nothing changes before the summary is
confirmed; the services check who may do what."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.dialogs.base import Ctx, Dialog, Done, Invalid, Start, Transition
from bot.dialogs.common import (
    action,
    card_reply,
    kind_label,
    photo_buttons,
    refusal,
    visit_marks,
)
from bot.dialogs.convert import to_id, to_int
from bot.dialogs.feature import Feature
from bot.dialogs.labels import PAYMENT_METHODS
from bot.dialogs.labels import STAGES as STAGE_LABELS
from bot.dialogs.widgets import Confirm, CustomerPick, Option, Pick
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.services.errors import InvalidInput, ServiceError
from bot.services.language.phones import format_phone
from bot.services.records import customer_changes, customers, timeline

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

TOO_LONG = {
    "name_too_long": N_("That name is too long (at most 200 characters)."),
    "too_long": N_("That is too long. Please shorten it."),
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
        marks = visit_marks(ctx, event.visit) if event.visit else []
        head = " · ".join([f"🗓 {day}", kind_label(ctx, event.title), event.who, *marks])
        return f"{head}: {said}" if said else head
    if event.kind == "stage":
        before = ctx._(STAGE_LABELS[event.from_stage]) if event.from_stage else "—"
        after = ctx._(STAGE_LABELS[event.to_stage])
        return f"💼 {day} · {event.title}: {before} → {after} · {event.who}"
    if event.kind == "pool":
        return pool_event_line(ctx, day, event)
    amount = ctx.t.money(event.amount or Decimal(0), event.currency)
    line = ctx._("💴 {day} · paid {amount}").format(day=day, amount=amount)
    method = PAYMENT_METHODS.get(event.text)
    return " · ".join(x for x in (line, event.who, ctx._(method) if method else event.text) if x)


POOL_MOVES = {
    "returned": N_("🌊 {day} · back to the public pool from {owner} (no contact for too long)"),
    "released": N_("🌊 {day} · to the public pool from {owner}"),
    "claimed": N_("🙋 {day} · claimed from the public pool by {owner}"),
    "assigned": N_("👉 {day} · given from the public pool to {owner}"),
}


def pool_event_line(ctx: Ctx, day: str, event: timeline.Event) -> str:
    """A move into or out of the public pool, and who made it when it was not the rule."""
    line = ctx._(POOL_MOVES[event.title]).format(day=day, owner=event.who or "?")
    if event.text and event.title in ("released", "assigned"):
        line += " · " + ctx._("by {name}").format(name=event.text)
    return line


async def history_action(ctx: Ctx, arg: str) -> list[Reply]:
    """Action 'hist:<customer>:<offset>': one page of the timeline, newest first."""
    raw_id, _, offset_text = arg.partition(":")
    customer_id, offset = to_id(raw_id), to_int(offset_text, high=10**6)
    if customer_id is None or offset is None:
        return [Reply(ctx._("That button is not valid any more."))]
    size = ctx.settings.page_size
    brief = await customers.brief(ctx.user, customer_id)
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
    shown = [event.visit for event in events if event.visit is not None]
    return [Reply("\n".join(lines), (*photo_buttons(ctx, shown), tuple(nav)))]


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
    customer_id = to_id(args)
    if customer_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    brief = await customers.brief(ctx.user, customer_id)
    if not customer_changes.editable_fields(ctx.user):
        return [Reply(ctx._("You cannot change this customer's details."))]
    return {"customer_id": brief.id, "customer_name": brief.name}


def _fields(ctx: Ctx, data: dict[str, Any]) -> list[Option]:
    return [Option(f, FIELD_LABELS[f]) for f in customer_changes.editable_fields(ctx.user)]


async def _load_before(ctx: Ctx, data: dict[str, Any]) -> Transition:
    """The field's value now, shown before the new one is typed."""
    try:
        before = await customer_changes.current_value(ctx.user, data["customer_id"], data["field"])
    except ServiceError as refused:
        raise Invalid(refusal(ctx, refused)) from refused
    data["before"] = None if before is None else str(before)
    return None


def _value_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    field = data["field"]
    return ctx._("{field} now: {value}. Type the new value:").format(
        field=ctx._(FIELD_LABELS[field]), value=_shown(ctx, field, data["before"])
    )


def _value_choices(ctx: Ctx, data: dict[str, Any]) -> list[Option]:
    return [Option(t, t) for t in customers.TIERS] if data.get("field") == "tier" else []


async def _clean_value(ctx: Ctx, data: dict[str, Any]) -> Transition:
    """The typed value in its stored form; for a new name, the customers it may duplicate."""
    field = data["field"]
    try:
        value = customer_changes.clean_value(field, data["value"], currency=ctx.settings.currency)
    except InvalidInput as bad:
        message = _INVALID[field] if bad.code not in TOO_LONG else TOO_LONG[bad.code]
        raise Invalid(ctx._(message)) from bad
    data["after"] = str(value)
    data["similar"] = []
    if field == "name":
        hits = await ctx.finder.find(data["after"])
        data["similar"] = [
            [hit.name, hit.owner_name] for hit in hits if hit.customer_id != data["customer_id"]
        ]
    return None


def _edit_summary(ctx: Ctx, data: dict[str, Any]) -> str:
    field = data["field"]
    lines = [
        ctx._("Change {field} of {name}?").format(
            field=ctx._(FIELD_LABELS[field]).lower(), name=data["customer_name"]
        ),
        f"{_shown(ctx, field, data['before'])} → {_shown(ctx, field, data['after'])}",
    ]
    similar = data.get("similar") or []
    if similar:
        lines.append(
            ctx.ngettext("This may already exist:", "These may already exist:", len(similar))
        )
        lines += [f"• {name} ({owner})" for name, owner in similar]
    return "\n".join(lines)


async def _save_edit(ctx: Ctx, data: dict[str, Any]) -> Transition:
    try:
        await customer_changes.edit(
            ctx.user,
            data["customer_id"],
            data["field"],
            data["after"],
            currency=ctx.settings.currency,
        )
    except ServiceError as refused:
        raise Invalid(refusal(ctx, refused)) from refused
    return Done([Reply("✅ " + ctx._("Saved.")), await card_reply(ctx, data["customer_id"])])


EDIT = Dialog(
    name="cedit",
    title=N_("Edit customer"),
    begin=begin_edit,
    steps=(
        Pick(
            key="field",
            prompt=lambda ctx, data: ctx._("{name}: what should change?").format(
                name=data["customer_name"]
            ),
            choices=_fields,
            columns=2,
            invalid=N_("Please tap one of the fields."),
            then=_load_before,
        ),
        # Any typed value (tiers also as buttons); the service's cleaner decides per field.
        Pick(
            key="value",
            prompt=_value_prompt,
            choices=_value_choices,
            columns=3,
            free=True,
            invalid=N_("Please type the new value."),
            then=_clean_value,
        ),
        Confirm(prompt=_edit_summary, save=_save_edit),
    ),
)


# --- Merge -----------------------------------------------------------------------------------


async def begin_merge(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    customer_id = to_id(args)
    if customer_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    brief = await customers.brief(ctx.user, customer_id)
    if not customer_changes.can_merge(ctx.user):
        return [Reply(ctx._("Only managers and admins merge customers."))]
    return {"source_id": brief.id, "source_name": brief.name}


async def _plan_merge(ctx: Ctx, data: dict[str, Any]) -> Transition:
    """The customer to keep: not the same one, and what merging would move."""
    if data.get("customer_id") == data["source_id"]:
        data.pop("customer_id", None)
        data.pop("candidates", None)
        raise Invalid(ctx._("That is the same customer. Type the name of the one to keep."))
    try:
        plan = await customer_changes.merge_plan(ctx.user, data["source_id"], data["customer_id"])
    except ServiceError as refused:
        data.pop("customer_id", None)
        raise Invalid(refusal(ctx, refused)) from refused
    data["plan"] = {
        "source": plan.source_name,
        "target": plan.target_name,
        "owner": plan.target_owner_name,
        "counts": dict(plan.counts),
        "fills": {f: None if v is None else str(v) for f, v in plan.fills.items()},
    }
    return None


def _merge_summary(ctx: Ctx, data: dict[str, Any]) -> str:
    plan = data["plan"]
    counts = plan["counts"]
    lines = [
        ctx._("Merge “{source}” into “{target}” ({owner})?").format(
            source=plan["source"], target=plan["target"], owner=plan["owner"]
        ),
    ]
    moving = [
        f"{ctx._(label)} {counts[key]}" for key, label in MOVED_LABELS.items() if counts.get(key)
    ]
    if moving:  # name only what moves: a list of zeros says nothing
        lines.append(ctx._("It moves: {what}.").format(what=ctx.t.listed(moving)))
    if plan["fills"]:
        filled = ctx.t.listed(
            f"{ctx._(FIELD_LABELS[f]).lower()} {_shown(ctx, f, v)}"
            for f, v in plan["fills"].items()
        )
        lines.append(ctx._("Fills in: {fields}.").format(fields=filled))
    lines.append(
        ctx._(
            "“{source}” then disappears; its name and phone still find “{target}”. "
            "This cannot be undone."
        ).format(source=plan["source"], target=plan["target"])
    )
    return "\n".join(lines)


async def _merge(ctx: Ctx, data: dict[str, Any]) -> Transition:
    try:
        plan = await customer_changes.merge(ctx.user, data["source_id"], data["customer_id"])
    except ServiceError as refused:
        raise Invalid(refusal(ctx, refused)) from refused
    done = ctx._("✅ Merged “{source}” into “{target}”.").format(
        source=plan.source_name, target=plan.target_name
    )
    return Done([Reply(done), await card_reply(ctx, plan.target_id)])


def _target_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    return ctx._(
        "Merge {name} into which customer? Type part of the name of the one to keep."
    ).format(name=data["source_name"])


MERGE = Dialog(
    name="cmerge",
    title=N_("Merge customers"),
    begin=begin_merge,
    version=2,  # the summary reads the plan stored when the customer to keep was picked
    steps=(
        CustomerPick(prompt=_target_prompt, then=_plan_merge),
        Confirm(
            prompt=_merge_summary,
            save=_merge,
            label=N_("Merge"),
            refuse=N_("Tap Merge to go ahead, or Cancel."),
        ),
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
