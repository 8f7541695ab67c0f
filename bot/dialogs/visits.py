"""/visit: log a contact right after it happened; /followups: who to call today."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.dialogs.base import Answer, Ctx, Dialog, Done, Invalid, Question, Start, Step, Transition
from bot.dialogs.common import CUSTOMER_STEP, action, pager, preselect_customer, text_of
from bot.dialogs.labels import VISIT_KINDS as KIND_LABELS
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.models import VisitKind
from bot.services import visits
from bot.services.dates import parse_when

NOW = "now"
KEEP = "keep"


def _location_note(ctx: Ctx, data: dict[str, Any], answer: Answer) -> bool:
    """A location shared at any step is kept as the visit's check-in."""
    if answer.location is None:
        return False
    data["location"] = [answer.location.latitude, answer.location.longitude]
    return True


def _with_location(step: Step) -> Step:
    """Wrap a step so a shared location is stored and the same question is asked again."""

    async def answer(ctx: Ctx, data: dict[str, Any], ans: Answer) -> Transition:
        if _location_note(ctx, data, ans) and not ans.text:
            raise Invalid(ctx._("📍 Location attached to this visit."))
        return await step.answer(ctx, data, ans)

    return Step(step.key, step.ask, answer, step.optional)


async def ask_kind(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    # A value already there (quick capture's draft, or Back) is marked, so it is kept with a tap.
    choices = [
        (kind.value, ("✓ " if data.get("kind") == kind.value else "") + ctx._(label))
        for kind, label in KIND_LABELS.items()
    ]
    return Question(
        ctx._("{customer}: what kind of contact?").format(customer=data.get("customer_name", "")),
        choices,
        columns=2,
    )


async def answer_kind(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    value = answer.choice or ""
    if not value and answer.text:
        typed = answer.text.strip().casefold()
        value = next(
            (
                kind.value
                for kind, label in KIND_LABELS.items()
                if typed in {kind.value, ctx._(label).casefold()}
            ),
            "",
        )
    if value not in {kind.value for kind in VisitKind}:
        raise Invalid(ctx._("Please choose visit, call, message or meeting."))
    data["kind"] = value
    return None


async def ask_when(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    choices = [(NOW, ctx._("Now"))]
    if data.get("at"):
        choices.insert(0, (KEEP, "✓ " + ctx.t.datetime(datetime.fromisoformat(data["at"]))))
    return Question(
        ctx._("When was it? Tap Now, or type e.g. “yesterday 3pm” / “昨天下午三点”."), choices
    )


async def answer_when(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice == KEEP and data.get("at"):
        return None
    if answer.choice == NOW:
        data["at"] = ctx.now.isoformat()
        return None
    text = text_of(answer, ctx, max_len=100, what=ctx._("Please type when it happened."))
    when = parse_when(text, now=ctx.now, tz=ctx.t.timezone, prefer="past")
    if when is None:
        raise Invalid(
            ctx._(
                "I could not read that date. Try “today 10am”, “yesterday 3pm” or “昨天下午三点”."
            )
        )
    if when > ctx.now:
        raise Invalid(ctx._("That is in the future. When did it happen?"))
    data["at"] = when.isoformat()
    return None


async def ask_notes(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    question = ctx._("What happened? A few words are enough.")
    if data.get("notes"):
        return Question(f"{question}\n📝 {data['notes']}", [(KEEP, ctx._("✓ Keep these notes"))])
    return Question(question)


async def answer_notes(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice == KEEP and data.get("notes"):
        return None
    data["notes"] = text_of(
        answer, ctx, max_len=visits.MAX_NOTES, what=ctx._("Please type a few words about it.")
    )
    # Spoken notes keep what was heard and where the recording is; typed ones replace them.
    spoken = answer.audio
    if spoken is not None and spoken.recognition.strip():
        data["transcript"] = spoken.recognition.strip()
        data["audio_ref"] = spoken.ref
    else:
        data.pop("transcript", None)
        data.pop("audio_ref", None)
    return None


async def ask_followup(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    choices = [
        ("tomorrow", ctx._("Tomorrow")),
        ("in 3 days", ctx._("In 3 days")),
        ("next monday", ctx._("Next Monday")),
        ("in 2 weeks", ctx._("In 2 weeks")),
    ]
    if data.get("followup"):
        choices.insert(0, (KEEP, "✓ " + ctx.t.datetime(datetime.fromisoformat(data["followup"]))))
    return Question(
        ctx._(
            "Next follow-up? Tap one, type a date (“next friday 2pm”, “下周五下午3点”), or skip."
        ),
        choices,
        columns=2,
    )


async def answer_followup(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice == KEEP and data.get("followup"):
        kept = datetime.fromisoformat(data["followup"])
        if kept <= datetime.fromisoformat(data["at"]) or kept <= ctx.now:
            raise Invalid(ctx._("The follow-up must be in the future."))
        return None
    text = answer.choice or text_of(
        answer, ctx, max_len=100, what=ctx._("Please type a date, or skip.")
    )
    when = parse_when(text, now=ctx.now, tz=ctx.t.timezone, prefer="future")
    if when is None:
        raise Invalid(
            ctx._(
                "I could not read that date. Try “tomorrow 10am”, “next friday” or “下周五下午3点”."
            )
        )
    if when <= datetime.fromisoformat(data["at"]) or when <= ctx.now:
        raise Invalid(ctx._("The follow-up must be in the future."))
    data["followup"] = when.isoformat()
    return None


def summary_text(ctx: Ctx, data: dict[str, Any]) -> str:
    kind = ctx._(KIND_LABELS[VisitKind(data["kind"])])
    lines = [
        ctx._("Save this?"),
        f"🏢 {data.get('customer_name', '')}",
        f"{kind} · {ctx.t.datetime(datetime.fromisoformat(data['at']))}",
        f"📝 {data['notes']}",
    ]
    if data.get("followup"):
        lines.append(
            ctx._("Next follow-up: {when}").format(
                when=ctx.t.datetime(datetime.fromisoformat(data["followup"]))
            )
        )
    if data.get("location"):
        lines.append(ctx._("📍 Location attached"))
    return "\n".join(lines)


async def ask_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(summary_text(ctx, data), [("save", ctx._("✅ Save"))])


async def save_visit(ctx: Ctx, data: dict[str, Any]) -> Done:
    """Log the visit a dialog collected (/visit, or quick capture's Confirm) and say when the
    reminder comes."""
    location = data.get("location") or [None, None]
    draft = visits.VisitDraft(
        customer_id=int(data["customer_id"]),
        kind=VisitKind(data["kind"]),
        at=datetime.fromisoformat(data["at"]),
        notes=data["notes"],
        next_followup_at=datetime.fromisoformat(data["followup"]) if data.get("followup") else None,
        latitude=location[0],
        longitude=location[1],
        transcript=data.get("transcript", ""),
        audio_ref=data.get("audio_ref", ""),
    )
    await visits.log_visit(ctx.user, draft, now=ctx.now)
    text = ctx._("Logged.")
    if draft.next_followup_at:
        text += " " + ctx._("I will remind you on {when}.").format(
            when=ctx.t.datetime(draft.next_followup_at)
        )
    return Done([Reply(text)])


async def answer_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    typed = (answer.text or "").strip().casefold()
    if answer.choice != "save" and typed not in {"save", "yes", "ok", ctx._("save").casefold()}:
        raise Invalid(ctx._("Tap Save to keep it, or Cancel to drop it."))
    return await save_visit(ctx, data)


VISIT = Dialog(
    name="visit",
    title=N_("Log a visit"),
    begin=preselect_customer,
    steps=tuple(
        _with_location(step)
        for step in (
            CUSTOMER_STEP,
            Step("kind", ask_kind, answer_kind),
            Step("when", ask_when, answer_when),
            Step("notes", ask_notes, answer_notes),
            Step("followup", ask_followup, answer_followup, optional=True),
            Step("confirm", ask_confirm, answer_confirm),
        )
    ),
)


async def start_visit(ctx: Ctx, arg: str) -> Start:
    """Action button: log a visit for this customer."""
    return Start("visit", {"_args": arg})


async def followups(ctx: Ctx, arg: str) -> list[Reply]:
    """/followups: due today and overdue, oldest first, a page at a time."""
    offset = int(arg) if arg.isdigit() else 0
    size = ctx.settings.page_size
    items, total, overdue = await visits.due_followups(
        ctx.user, now=ctx.now, tz=ctx.t.timezone, limit=size, offset=offset
    )
    if not total:
        return [Reply(ctx._("No follow-ups due today. 🎉"))]
    head = ctx.ngettext("{count} follow-up due", "{count} follow-ups due", total).format(
        count=total
    )
    if overdue:
        head += " · " + ctx._("{count} overdue").format(count=overdue)
    lines = [head]
    rows: list[tuple[Button, ...]] = []
    for item in items:
        mark = "⚠️" if item.overdue else "•"
        when = ctx.t.date(item.due_at) if item.overdue else ctx.t.datetime(item.due_at)
        line = f"{mark} {item.customer_name} — {when}"
        if item.owner_id != ctx.user.id:
            line += f" ({item.owner_name})"
        lines.append(line)
        rows.append((action(item.customer_name[:40], "cust", item.customer_id),))
    if more := pager(ctx, "fu", offset, len(items), total):
        rows.append(more)
    return [Reply("\n".join(lines), tuple(rows))]
