"""Quick capture: a sentence typed (or spoken) outside any dialog becomes a draft visit.

The engine hands free text to `capture_fallback`; the draft is shown with Confirm / Edit / Cancel
and one button per other kind of contact (one tap changes it); nothing is written before
Confirm. A note that names no kind is drafted with the rep's usual one, and says so. When the
customer is not clear the dialog first asks: choices when two are about as likely, a search (or
/newcustomer) when none is named. Edit walks the /visit dialog with every value filled in.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.dialogs.base import (
    Answer,
    Ctx,
    Dialog,
    Goto,
    Invalid,
    Question,
    Start,
    Step,
    Transition,
)
from bot.dialogs.common import CUSTOMER_STEP, customer_line, save_visit
from bot.dialogs.feature import Feature
from bot.dialogs.labels import VISIT_KINDS as KIND_LABELS
from bot.i18n import N_
from bot.messages import Reply
from bot.models import VisitKind
from bot.services.language import capture
from bot.services.records.customers import briefs

CONFIRM, EDIT, OTHER = "confirm", "edit", "other"
KIND_CHOICE = "kind:"
KIND_ICONS = {
    VisitKind.VISIT: "🚶",
    VisitKind.CALL: "📞",
    VisitKind.MESSAGE: "💬",
    VisitKind.MEETING: "🤝",
}
CHOOSE = "choose"
_CJK = re.compile(r"[\u3400-\u9fff]")


async def capture_fallback(ctx: Ctx, text: str) -> list[Reply] | Start:
    """Free text outside a dialog: a draft visit, a friendly hint, or "I did not get that"."""
    draft = await capture.draft_visit(
        ctx.user,
        text,
        now=ctx.now,
        tz=ctx.t.timezone,
        finder=ctx.finder,
        currency=ctx.settings.currency,
    )
    if draft.reading.small_talk:
        return [
            Reply(
                ctx._(
                    "Hello! To log a visit, just tell me what happened, e.g. “Visited Acme, "
                    "call back next Friday”. /help lists everything else."
                )
            )
        ]
    if not draft.is_visit_log:
        return [Reply(ctx._("I did not get that. /help lists what I can do."))]
    return Start("capture", await _draft_data(ctx, draft, text))


async def _draft_data(ctx: Ctx, draft: capture.Draft, text: str) -> dict[str, Any]:
    """The draft as dialog data (JSON): what the visit dialog keeps, plus the amounts."""
    reading = draft.reading
    kind = reading.kind if reading.kind_said else await capture.usual_kind(ctx.user)
    data: dict[str, Any] = {
        "kind": kind.value,
        "kind_said": reading.kind_said,
        "at": reading.at.isoformat(),
        "notes": reading.notes,
        "amounts": [[a.kind, str(a.value), a.unit] for a in reading.amounts],
    }
    if reading.followup is not None:
        data["followup"] = reading.followup.isoformat()
    audio = ctx.incoming.audio
    if audio is not None:
        data["transcript"] = text.strip()
        data["audio_ref"] = audio.ref
    if draft.customer is not None:
        data["customer_id"] = draft.customer.customer_id
        data["customer_name"] = draft.customer.name
    elif draft.candidates:
        found = await briefs([c.customer_id for c in draft.candidates])
        data["candidates"] = [[s.id, customer_line(ctx, s)] for s in found]
        data[CHOOSE] = True
    return data


async def ask_customer(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if data.get("customer_id"):
        return None
    if data.get(CHOOSE) and data.get("candidates"):
        choices = [(str(cid), label) for cid, label in data["candidates"]]
        choices.append((OTHER, ctx._("Another customer…")))
        return Question(ctx._("Which customer is this about?"), choices)
    if not data.get("candidates"):
        return Question(
            ctx._(
                "Which customer is this about? I did not find one in your note. Type part of "
                "the name, or create it with /newcustomer."
            )
        )
    return await CUSTOMER_STEP.ask(ctx, data)


async def answer_customer(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice == OTHER:
        data.pop(CHOOSE, None)
        data.pop("candidates", None)
        return Goto("customer")
    if answer.choice is None:
        data.pop(CHOOSE, None)  # a typed name: search results replace the suggestions
    return await CUSTOMER_STEP.answer(ctx, data, answer)


def amount_text(ctx: Ctx, kind: str, value: Decimal, unit: str) -> str:
    """An amount as the summary shows it: ¥1,200,000 · 5% · 200 units · 3,000台."""
    if kind == "money":
        return ctx.t.money(value, unit)
    if kind == "percent":
        return f"{ctx.t.decimal(value)}%"
    return f"{ctx.t.decimal(value)}{'' if _CJK.match(unit) else ' '}{unit}"


def summary_text(ctx: Ctx, data: dict[str, Any]) -> str:
    kind = VisitKind(data["kind"])
    lines = [
        ctx._("Log this?"),
        f"🏢 {data.get('customer_name', '')}",
        f"{ctx._(KIND_LABELS[kind])} · {ctx.t.datetime(datetime.fromisoformat(data['at']))}",
    ]
    if not data.get("kind_said", True):
        lines.append(ctx._("The note does not say how you were in touch: your usual kind."))
    lines.append(f"📝 {data['notes']}")
    amounts = [(k, Decimal(v), u) for k, v, u in data.get("amounts", [])]
    money = [amount_text(ctx, k, v, u) for k, v, u in amounts if k != "quantity"]
    goods = [amount_text(ctx, k, v, u) for k, v, u in amounts if k == "quantity"]
    if money:
        lines.append("💰 " + " · ".join(money))
    if goods:
        lines.append("📦 " + " · ".join(goods))
    if data.get("followup"):
        lines.append(
            ctx._("Next follow-up: {when}").format(
                when=ctx.t.datetime(datetime.fromisoformat(data["followup"]))
            )
        )
    else:
        lines.append(ctx._("No follow-up date was read from the note."))
    if data.get("audio_ref"):
        lines.append(ctx._("🎙 From your voice note"))
    return "\n".join(lines)


async def ask_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    current = VisitKind(data["kind"])
    kinds = [
        (f"{KIND_CHOICE}{kind.value}", f"{KIND_ICONS[kind]} {ctx._(label)}")
        for kind, label in KIND_LABELS.items()
        if kind != current
    ]
    return Question(
        summary_text(ctx, data),
        [(CONFIRM, ctx._("✅ Confirm")), (EDIT, ctx._("✏️ Edit")), *kinds],
        columns=2,
    )


async def answer_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice and answer.choice.startswith(KIND_CHOICE):
        data["kind"] = VisitKind(answer.choice.removeprefix(KIND_CHOICE)).value
        data["kind_said"] = True
        return Goto("confirm")
    typed = (answer.text or "").strip().casefold()
    if answer.choice == EDIT or typed in {"edit", ctx._("edit").casefold()}:
        keep = ("customer_id", "customer_name", "kind", "at", "notes", "followup")
        prefilled = {key: data[key] for key in keep if data.get(key)}
        prefilled |= {key: data[key] for key in ("transcript", "audio_ref") if data.get(key)}
        return Start("visit", prefilled)
    confirmed = {"confirm", "yes", "ok", ctx._("confirm").casefold()}
    if answer.choice != CONFIRM and typed not in confirmed:
        raise Invalid(ctx._("Tap Confirm to save it, Edit to change it, or Cancel to drop it."))
    return await save_visit(ctx, data)


CAPTURE = Dialog(
    name="capture",
    title=N_("Quick capture"),
    steps=(
        Step("customer", ask_customer, answer_customer),
        Step("confirm", ask_confirm, answer_confirm),
    ),
)


FEATURE = Feature(name="capture", dialogs=(CAPTURE,), fallback=capture_fallback)
