"""The daily report's words: the draft the bot writes from a rep's day, and the three messages
the outbox carries (the rep's draft, the manager's copy, a comment back), in each reader's
language.

The draft is written once, in the rep's language, when it is made (the rep edits that text);
the messages around it are worded at send time like every other notification.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from bot.dialogs.common import action
from bot.dialogs.labels import STAGES, VISIT_KINDS
from bot.i18n import N_, Translator
from bot.messages import Button, Reply
from bot.models import Stage, VisitKind
from bot.services.discipline.daily_reports import DayFacts, covers

REOPEN = N_(
    "Add a line (type it or send a voice note), edit it, or send it. /daily opens it again."
)
ACTION = "drep"  # drep:<id>:a (add a line) · e (edit) · s (send) · o (open) · c (comment)


def day_text(t: Translator, day: date) -> str:
    """A local day as the reader writes it ('Wed, Dec 9' / '12月9日 周三')."""
    return t.date(datetime.combine(day, time(12), tzinfo=t.timezone))


def period_text(t: Translator, day: date) -> str:
    """The day a report covers, or its week ('Mon, Dec 7 – Fri, Dec 11') on Friday."""
    first, weekly = covers(day)
    if not weekly:
        return day_text(t, day)
    return t.gettext("{first} – {last}").format(first=day_text(t, first), last=day_text(t, day))


def _clock(t: Translator, moment: datetime, weekly: bool) -> str:
    return t.datetime(moment) if weekly else f"{t.local(moment):%H:%M}"


def _more(t: Translator, lines: list[str], shown: int, total: int) -> None:
    if total > shown:
        lines.append(t.gettext("…and {count} more").format(count=total - shown))


def draft_text(t: Translator, facts: DayFacts) -> str:
    """The report the bot drafts from the records: contacts with their notes, deals moved, money
    collected, the next working day's follow-ups; one line saying so when nothing was logged."""
    if facts.empty:
        if facts.weekly:
            return t.gettext("Nothing logged this week.")
        return t.gettext("Nothing logged today.")
    lines: list[str] = []
    if facts.contacts_total:
        lines.append(t.gettext("Contacts logged: {count}").format(count=facts.contacts_total))
        for contact in facts.contacts:
            kind = t.gettext(VISIT_KINDS.get(VisitKind(contact.kind), contact.kind))
            line = f"• {_clock(t, contact.at, facts.weekly)} {contact.customer} · {kind}"
            if contact.notes:
                line = t.labelled(line, contact.notes)
            lines.append(line)
        _more(t, lines, len(facts.contacts), facts.contacts_total)
    if facts.moves_total:
        lines.append(t.gettext("Deals moved: {count}").format(count=facts.moves_total))
        for move in facts.moves:
            before = (
                t.gettext(STAGES[Stage(move.from_stage)])
                if move.from_stage
                else t.gettext("new deal")
            )
            after = t.gettext(STAGES[Stage(move.to_stage)])
            lines.append(t.labelled(f"• {move.title} ({move.customer})", f"{before} → {after}"))
        _more(t, lines, len(facts.moves), facts.moves_total)
    if facts.collected:
        amounts = t.listed(t.money(total, cur) for cur, total in sorted(facts.collected.items()))
        lines.append(t.gettext("Money collected: {amounts}").format(amounts=amounts))
    if facts.followups_total:
        lines.append(
            t.gettext("Follow-ups for {date}: {count}").format(
                date=day_text(t, facts.next_day), count=facts.followups_total
            )
        )
        for due in facts.followups:
            lines.append(f"• {due.customer} · {t.local(due.at):%H:%M}")
        _more(t, lines, len(facts.followups), facts.followups_total)
    return "\n".join(lines)


def body(draft: str, note: str) -> str:
    """The report as sent: the draft, then the rep's own lines."""
    lines = [draft.strip()] if draft.strip() else []
    lines += [f"✍️ {line}" for line in note.splitlines() if line.strip()]
    return "\n".join(lines)


def draft_buttons(t: Translator, report_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            action(t.gettext("➕ Add a line"), ACTION, f"{report_id}:a"),
            action(t.gettext("✏️ Edit the draft"), ACTION, f"{report_id}:e"),
        ),
        (action(t.gettext("📤 Send"), ACTION, f"{report_id}:s"),),
    )


def own_title(t: Translator, day: date, weekly: bool) -> str:
    if weekly:
        return t.gettext("📅 Your weekly report, {period} (draft):").format(
            period=period_text(t, day)
        )
    return t.gettext("📝 Your daily report for {date} (draft):").format(date=day_text(t, day))


def draft_reply(t: Translator, params: dict[str, Any], lead: str = "") -> Reply:
    """The rep's unsent report with Add a line / Edit / Send, and how to reopen it."""
    day = date.fromisoformat(params["day"])
    lines = [lead] if lead else []
    lines += [own_title(t, day, bool(params.get("weekly"))), body(params["draft"], params["note"])]
    lines += ["", t.gettext(REOPEN)]
    return Reply("\n".join(lines), draft_buttons(t, int(params["report_id"])))


def render_draft(t: Translator, params: dict[str, Any]) -> Reply | None:
    return draft_reply(t, params)


def report_title(t: Translator, name: str, day: date, weekly: bool) -> str:
    if weekly:
        return t.gettext("📅 Weekly report from {name}, {period}:").format(
            name=name, period=period_text(t, day)
        )
    return t.gettext("📝 Daily report from {name}, {date}:").format(
        name=name, date=day_text(t, day)
    )


def comment_button(t: Translator, report_id: int) -> Button:
    return action(t.gettext("💬 Comment on it"), ACTION, f"{report_id}:c")


def render_report(t: Translator, params: dict[str, Any]) -> Reply | None:
    """The manager's copy of a sent report, with Comment."""
    day = date.fromisoformat(params["day"])
    title = report_title(t, params["user_name"], day, bool(params.get("weekly")))
    text = "\n".join(
        [title, body(params["draft"], params["note"]), "", t.gettext("Your team's reports: /daily")]
    )
    return Reply(text, ((comment_button(t, int(params["report_id"])),),))


def render_comment(t: Translator, params: dict[str, Any]) -> Reply | None:
    """A manager's comment, back to the rep."""
    day = date.fromisoformat(params["day"])
    if params.get("weekly"):
        head = t.gettext("💬 {name} commented on your weekly report, {period}:").format(
            name=params["author"], period=period_text(t, day)
        )
    else:
        head = t.gettext("💬 {name} commented on your daily report of {date}:").format(
            name=params["author"], date=day_text(t, day)
        )
    return Reply(f"{head}\n{params['text']}")


def unsent_line(t: Translator, day: str, names: list[str]) -> str:
    """The summary's line naming who sent no report for the previous working day."""
    return t.gettext("📝 No daily report sent for {date}: {names}").format(
        date=day_text(t, date.fromisoformat(day)), names=t.listed(names)
    )


RENDERERS: dict[str, Callable[[Translator, dict[str, Any]], Reply | None]] = {
    "daily_report_draft": render_draft,
    "daily_report": render_report,
    "daily_report_comment": render_comment,
}
