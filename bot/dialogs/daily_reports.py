"""/daily: the daily report (日报). A rep (re)opens today's draft, adds a line (typed or a voice
note), edits the draft and sends it; a manager reads the team's reports and comments on them.

The bot drafts each rep's report at `CRM_DAILY_REPORT_AT` (the scheduled job); `/daily` before
that drafts it from the day so far. Buttons on the draft and on the manager's copy are actions
(`drep:<id>:<verb>`), so they work from a pushed message as from a reply.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.dialogs.base import Ctx, Dialog, Done, Start, Transition
from bot.dialogs.common import action
from bot.dialogs.convert import to_id
from bot.dialogs.feature import Command, Feature
from bot.dialogs.report_words import (
    ACTION,
    body,
    comment_button,
    day_text,
    draft_reply,
    draft_text,
    period_text,
    report_title,
)
from bot.dialogs.widgets import Text
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.models import Role
from bot.services.discipline import daily_reports
from bot.services.discipline.daily_reports import Report
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.notify.digests import Recipient

WRITERS = frozenset({Role.REP, Role.MANAGER, Role.ADMIN})
TEAM_DAYS = 7  # how far back a manager's /daily lists the team's reports
TEAM_LIMIT = 12

REFUSALS = {
    "report_sent": N_("This report was sent already."),
    "report_not_sent": N_("This report has not been sent yet."),
}


def refusal(ctx: Ctx, error: Exception) -> Reply:
    """One line for a refused change: sent already, not yours, not found."""
    if isinstance(error, InvalidInput):
        return Reply(ctx._(REFUSALS.get(error.code, N_("That did not work. Please try again."))))
    if isinstance(error, PermissionDenied):
        return Reply(ctx._("Only the person who wrote a report changes or sends it."))
    return Reply(ctx._("Not found, or not yours to see."))


def _local_today(ctx: Ctx) -> Any:
    return ctx.now.astimezone(ctx.t.timezone).date()


async def open_daily(ctx: Ctx, args: str) -> list[Reply]:
    """/daily: a rep's report of today (drafted now if the bot has not yet); a manager's or an
    admin's: the reports their team sent this week, each to open and comment on."""
    if ctx.user.role in (Role.MANAGER, Role.ADMIN):
        return [await team_list(ctx)]
    today = _local_today(ctx)
    report = await daily_reports.find(ctx.user.id, today)
    if report is None:
        recipient = Recipient(ctx.user.id, ctx.user.timezone, today)
        facts = (await daily_reports.gather([recipient]))[ctx.user.id]
        report = await daily_reports.create(ctx.user, today, draft_text(ctx.t, facts), now=ctx.now)
    return [await report_reply(ctx, report)]


async def report_reply(ctx: Ctx, report: Report, lead: str = "") -> Reply:
    """A report as its reader sees it: the rep's draft with its buttons, or a sent report with
    its comments (and Comment for a manager)."""
    if not report.sent and report.user_id == ctx.user.id:
        return draft_reply(ctx.t, report.params(), lead)
    lines = [lead] if lead else []
    if report.user_id == ctx.user.id:
        lines.append(
            ctx._("📝 Your report of {period}, sent {when}:").format(
                period=period_text(ctx.t, report.day),
                when=ctx.t.datetime(report.sent_at or ctx.now),
            )
        )
    else:
        lines.append(report_title(ctx.t, report.user_name, report.day, report.weekly))
    lines.append(body(report.draft, report.note))
    for said in await daily_reports.comments(report.id):
        lines.append(f"💬 {said.author}: {said.text}")
    rows: tuple[tuple[Button, ...], ...] = ()
    if report.user_id != ctx.user.id and report.sent:
        rows = ((comment_button(ctx.t, report.id),),)
    return Reply("\n".join(lines), rows)


async def team_list(ctx: Ctx) -> Reply:
    since = _local_today(ctx) - timedelta(days=TEAM_DAYS - 1)
    reports = await daily_reports.team_reports(ctx.user, since=since, limit=TEAM_LIMIT)
    if not reports:
        return Reply(ctx._("No reports from your team in the last 7 days."))
    lines = [ctx._("Reports your team sent since {date}:").format(date=day_text(ctx.t, since))]
    rows: list[tuple[Button, ...]] = []
    for number, report in enumerate(reports, 1):
        kind = ctx._("weekly") if report.weekly else ctx._("daily")
        label = f"{number}. {report.user_name} · {day_text(ctx.t, report.day)} · {kind}"
        lines.append(label)
        rows.append((action(label[:40], ACTION, f"{report.id}:o"),))
    return Reply("\n".join(lines), tuple(rows))


async def report_button(ctx: Ctx, arg: str) -> list[Reply] | Start:
    """Action 'drep:<id>:a|e|s|o|c': add a line, edit, send, open, comment."""
    raw_id, _, verb = arg.partition(":")
    report_id = to_id(raw_id)
    if report_id is None or verb not in ("a", "e", "s", "o", "c"):
        return [Reply(ctx._("That button is not valid any more."))]
    if verb == "a":
        return Start("drep_line", args=str(report_id))
    if verb == "e":
        return Start("drep_edit", args=str(report_id))
    if verb == "c":
        return Start("drep_comment", args=str(report_id))
    try:
        if verb == "o":
            return [await report_reply(ctx, await daily_reports.get_visible(ctx.user, report_id))]
        sent = await daily_reports.send(ctx.user, report_id, now=ctx.now)
    except (InvalidInput, PermissionDenied, NotFound) as refused:
        return [refusal(ctx, refused)]
    if sent.already:
        return [Reply(ctx._("This report was sent already."))]
    if not sent.readers:
        return [Reply(ctx._("📤 Marked as sent, but nobody reads it: you have no manager."))]
    return [Reply("📤 " + ctx._("Sent to {names}.").format(names=ctx.t.listed(sent.readers)))]


async def begin_own(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    """Before asking: the report must be the person's own, and still a draft."""
    report_id = to_id(args)
    if report_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    try:
        report = await daily_reports.own_draft(ctx.user, report_id)
    except (InvalidInput, PermissionDenied, NotFound) as refused:
        return [refusal(ctx, refused)]
    return {"report_id": report.id, "draft": report.draft}


async def line_added(ctx: Ctx, data: dict[str, Any]) -> Transition:
    try:
        report = await daily_reports.add_line(ctx.user, int(data["report_id"]), data["line"])
    except (InvalidInput, PermissionDenied, NotFound) as refused:
        return Done([refusal(ctx, refused)])
    return Done([await report_reply(ctx, report, "✅ " + ctx._("Added."))])


async def draft_saved(ctx: Ctx, data: dict[str, Any]) -> Transition:
    try:
        report = await daily_reports.replace_draft(
            ctx.user, int(data["report_id"]), data["new_draft"]
        )
    except (InvalidInput, PermissionDenied, NotFound) as refused:
        return Done([refusal(ctx, refused)])
    return Done([await report_reply(ctx, report, "✅ " + ctx._("Draft saved."))])


def edit_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    question = ctx._("Send the report as it should read. The draft, to copy and change:")
    return f"{question}\n{data.get('draft', '')}"


async def begin_comment(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    """Only a sent report of someone the person leads is commented on."""
    report_id = to_id(args)
    if report_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    try:
        report = await daily_reports.get_visible(ctx.user, report_id)
    except NotFound as refused:
        return [refusal(ctx, refused)]
    if report.user_id == ctx.user.id or ctx.user.role not in (Role.MANAGER, Role.ADMIN):
        return [Reply(ctx._("Only the rep's managers comment on a report."))]
    if not report.sent:
        return [Reply(ctx._("This report has not been sent yet."))]
    return {"report_id": report.id, "rep": report.user_name}


async def commented(ctx: Ctx, data: dict[str, Any]) -> Transition:
    try:
        await daily_reports.comment(ctx.user, int(data["report_id"]), data["comment"], now=ctx.now)
    except (InvalidInput, PermissionDenied, NotFound) as refused:
        return Done([refusal(ctx, refused)])
    return Done([Reply("💬 " + ctx._("Sent to {names}.").format(names=data["rep"]))])


ADD_LINE = Dialog(
    name="drep_line",
    title=N_("A line for the daily report"),
    begin=begin_own,
    steps=(
        Text(
            key="line",
            prompt=N_("What should the report add? Type it, or send a voice note."),
            multiline=True,
            max_len=daily_reports.MAX_LINE,
            empty=N_("Please type a line, or send a voice note."),
            then=line_added,
        ),
    ),
)

EDIT_DRAFT = Dialog(
    name="drep_edit",
    title=N_("Editing the daily report"),
    begin=begin_own,
    steps=(
        Text(
            key="new_draft",
            prompt=edit_prompt,
            multiline=True,
            max_len=daily_reports.MAX_DRAFT,
            empty=N_("Please send the report's text."),
            then=draft_saved,
        ),
    ),
)

COMMENT = Dialog(
    name="drep_comment",
    title=N_("A comment on a report"),
    begin=begin_comment,
    steps=(
        Text(
            key="comment",
            prompt=N_("Your comment for {rep}?"),
            multiline=True,
            max_len=daily_reports.MAX_COMMENT,
            empty=N_("Please type a comment."),
            then=commented,
        ),
    ),
)

FEATURE = Feature(
    name="daily_reports",
    commands=(
        Command(
            "daily",
            N_("your daily report: add a line, send it; managers: the team's reports"),
            WRITERS,
            run=open_daily,
        ),
    ),
    dialogs=(ADD_LINE, EDIT_DRAFT, COMMENT),
    actions={ACTION: report_button},
)
