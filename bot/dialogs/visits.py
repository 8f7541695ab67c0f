"""/visit: log a contact right after it happened; /followups: who to call today."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.dialogs import pictures, risk
from bot.dialogs.base import Answer, Ctx, Dialog, Invalid, Start, Step, StepLike, Transition
from bot.dialogs.common import action, pager, preselect_customer, save_visit
from bot.dialogs.feature import EVERYONE, Command, Feature
from bot.dialogs.labels import VISIT_KINDS as KIND_LABELS
from bot.dialogs.widgets import Confirm, CustomerPick, Option, Pick, Text, When
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.models import VisitKind
from bot.services.records import visits


def _location_note(ctx: Ctx, data: dict[str, Any], answer: Answer) -> bool:
    """A location shared at any step is kept as the visit's check-in."""
    if answer.location is None:
        return False
    data["location"] = [answer.location.latitude, answer.location.longitude]
    return True


def _with_location(step: StepLike) -> Step:
    """Wrap a step so a shared location or a photo is kept for the visit and the same question
    is asked again (a photo's caption is not an answer)."""

    async def answer(ctx: Ctx, data: dict[str, Any], ans: Answer) -> Transition:
        if ans.photo is not None:
            count = pictures.kept_in(data, await pictures.keep(ctx, ans.photo))
            raise Invalid(
                ctx.ngettext(
                    "📷 {count} photo attached to this visit.",
                    "📷 {count} photos attached to this visit so far.",
                    count,
                ).format(count=count)
            )
        if _location_note(ctx, data, ans) and not ans.text:
            raise Invalid(ctx._("📍 Location attached to this visit."))
        return await step.answer(ctx, data, ans)

    return Step(step.key, step.ask, answer, step.optional, step.fields)


KINDS = tuple(Option(kind.value, label) for kind, label in KIND_LABELS.items())
FOLLOWUPS = (
    Option("tomorrow", N_("Tomorrow")),
    Option("in 3 days", N_("In 3 days")),
    Option("next monday", N_("Next Monday")),
    Option("in 2 weeks", N_("In 2 weeks")),
)


async def _spoken(ctx: Ctx, data: dict[str, Any]) -> Transition:
    """Spoken notes keep what was heard and where the recording is; typed ones replace them."""
    spoken = ctx.incoming.audio
    if spoken is not None and spoken.recognition.strip():
        data["transcript"] = spoken.recognition.strip()
        data["audio_ref"] = spoken.ref
    else:
        data.pop("transcript", None)
        data.pop("audio_ref", None)
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
    if data.get(pictures.KEY):
        lines.append(pictures.count_text(ctx, len(data[pictures.KEY])))
    return "\n".join(lines)


VISIT = Dialog(
    name="visit",
    title=N_("Log a visit"),
    begin=preselect_customer,
    steps=tuple(
        _with_location(step)
        for step in (
            CustomerPick(),
            Pick(
                key="kind",
                prompt=N_("{customer_name}: what kind of contact?"),
                choices=KINDS,
                columns=2,
                invalid=N_("Please choose visit, call, message or meeting."),
            ),
            When(
                key="at",
                prompt=N_("When was it? Tap Now, or type e.g. “yesterday 3pm” / “昨天下午三点”."),
                shortcuts=(Option("now", N_("Now")),),
                prefer="past",
                rule="past",
                invalid=N_(
                    "I could not read that date. "
                    "Try “today 10am”, “yesterday 3pm” or “昨天下午三点”."
                ),
            ),
            Text(
                key="notes",
                prompt=N_("What happened? A few words are enough."),
                max_len=visits.MAX_NOTES,
                multiline=True,
                keep=True,
                empty=N_("Please type a few words about it."),
                then=_spoken,
            ),
            When(
                key="followup",
                prompt=N_(
                    "Next follow-up? Tap one, "
                    "type a date (“next friday 2pm”, “下周五下午3点”), or skip."
                ),
                optional=True,
                shortcuts=FOLLOWUPS,
                columns=2,
                rule="future",
                after="at",
                invalid=N_(
                    "I could not read that date. "
                    "Try “tomorrow 10am”, “next friday” or “下周五下午3点”."
                ),
            ),
            Confirm(prompt=summary_text, save=save_visit),
        )
    ),
)


async def start_visit(ctx: Ctx, arg: str) -> Start:
    """Action button: log a visit for this customer."""
    return Start("visit", args=arg)


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
    cutoff = risk.since(ctx)
    for item in items:
        mark = "⚠️" if item.overdue else "•"
        when = ctx.t.date(item.due_at) if item.overdue else ctx.t.datetime(item.due_at)
        line = f"{mark} {item.customer_name} — {when}"
        if item.owner_id != ctx.user.id:
            line += f" ({item.owner_name})"
        if item.due_at < cutoff:
            line += " · " + ctx._("🚨 at risk")
        lines.append(line)
        rows.append((action(item.customer_name[:40], "cust", item.customer_id),))
    if more := pager(ctx, "fu", offset, len(items), total):
        rows.append(more)
    return [Reply("\n".join(lines), tuple(rows))]


FEATURE = Feature(
    name="visits",
    commands=(
        Command("visit", N_("log a visit, call or meeting"), EVERYONE, dialog=VISIT),
        Command("followups", N_("follow-ups due today and overdue"), EVERYONE, run=followups),
    ),
    actions={"visit": start_visit, "fu": followups},
)
