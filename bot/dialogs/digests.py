"""Outbox payloads → neutral Replies in the recipient's language, at send time.

Services store data (`{"params": ...}` by kind) or a ready Reply (`{"text", "buttons"}`);
`render` is the one way a stored row becomes words, with a renderer per kind (digests, summaries,
reminders and expired dialogs here, immediate alerts in `bot.dialogs.alerts`), so a person who
switches language gets the next message in the new one, the same on every channel.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from bot.dialogs import alerts, attainment, ladder, notices, pool, report_words
from bot.dialogs.common import action, on_site_text
from bot.i18n import Translator
from bot.messages import Button, Reply
from bot.services.notify.digests import DATE_ONLY, Digest, Item, Summary
from bot.services.notify.outbox import payload_to_reply

MAX_SUMMARY_LINES = 15
NAME_WIDTH = 30


def _day(t: Translator, local_date: str) -> str:
    """The digest's local day, formatted for the person ('Wed, Nov 18' / '11月18日 周三')."""
    noon = datetime.combine(date.fromisoformat(local_date), time(12), tzinfo=t.timezone)
    return t.date(noon)


def _when(t: Translator, item: Item) -> str:
    if item.when is None:
        return t.gettext("never contacted")
    moment = datetime.fromisoformat(item.when).astimezone(UTC)
    if t.local(moment).time() == DATE_ONLY:
        return t.date(moment)
    return t.datetime(moment)


def _item_row(t: Translator, item: Item) -> tuple[Button, ...]:
    return (
        action(item.name[:NAME_WIDTH], "cust", item.customer_id),
        action(t.gettext("Log a visit"), "visit", item.customer_id),
    )


def render_digest(t: Translator, params: dict[str, Any]) -> Reply | None:
    """Counts first, then at most a screenful of customers, each with its buttons."""
    digest = Digest.from_params(params)
    if digest.empty:
        return Reply(t.gettext("☀️ Good morning! Nothing is due today."))
    lines = [t.gettext("☀️ Good morning! Your day, {date}:").format(date=_day(t, digest.local_date))]
    lines += attainment.digest_lines(t, digest.targets)
    rows: list[tuple[Button, ...]] = []
    if digest.due_today or digest.overdue:
        lines.append("")
        lines.append(
            t.gettext("Follow-ups: {today} due today, {overdue} overdue").format(
                today=digest.due_today, overdue=digest.overdue
            )
        )
        for item in digest.followups:
            mark = "⚠️ " if item.overdue else "• "
            lines.append(f"{mark}{item.name} · {_when(t, item)}")
            rows.append(_item_row(t, item))
    if digest.dormant:
        lines.append("")
        lines.append(
            t.gettext("Not contacted for {days} days or more: {count}").format(
                days=digest.dormant_days, count=digest.dormant
            )
        )
        for item in digest.quiet:
            last = (
                t.gettext("last contact {when}").format(when=_when(t, item))
                if item.when
                else t.gettext("never contacted")
            )
            lines.append(f"• {item.name} · {last}")
            rows.append(_item_row(t, item))
    if digest.due_today + digest.overdue > len(digest.followups):
        rows.append((action(t.gettext("More ›"), "fu", len(digest.followups)),))
    for currency, (due_week, overdue) in sorted(digest.receivables.items()):
        lines.append("")
        lines.append(
            t.gettext("Receivables: {due} due this week, {overdue} overdue").format(
                due=t.money(Decimal(due_week), currency),
                overdue=t.money(Decimal(overdue), currency),
            )
        )
    if digest.tasks_due:
        lines.append("")
        lines.append(t.gettext("Tasks due: {count}").format(count=digest.tasks_due))
        for task_id, text, _due in digest.tasks:
            lines.append(f"• {text}")
            rows.append((action(t.gettext("✅ Done: {n}").format(n=text[:30]), "tdone", task_id),))
    if digest.approvals_waiting:
        lines.append("")
        lines.append(
            t.gettext("Approvals waiting for you: {count} (/approvals)").format(
                count=digest.approvals_waiting
            )
        )
    if digest.pool_warnings:
        lines.append("")
        count = digest.pool_warnings["count"]
        lines.append(
            t.ngettext(
                "🌊 Going back to the public pool unless contacted: {count}",
                "🌊 Going back to the public pool unless contacted: {count}",
                count,
            ).format(count=count)
        )
        for customer_id, name, returns in digest.pool_warnings["items"]:
            day = t.date(datetime.fromisoformat(returns))
            lines.append("• " + t.gettext("{name} · on {date}").format(name=name, date=day))
            rows.append(
                (
                    action(name[:NAME_WIDTH], "cust", customer_id),
                    action(t.gettext("Log a contact"), "visit", customer_id),
                )
            )
    return Reply("\n".join(lines), tuple(rows))


def render_summary(t: Translator, params: dict[str, Any]) -> Reply | None:
    """Per rep one line of counts, the team's totals last; long teams are cut with a count."""
    summary = Summary.from_params(params)
    title = t.gettext("🌙 Your team today, {date}:").format(date=_day(t, summary.local_date))
    line = t.gettext("{name}: {visits} visits · {new} new customers · {missed} missed follow-ups")
    lines = [title, ""]
    for rep in summary.reps[:MAX_SUMMARY_LINES]:
        text = line.format(
            name=rep.name, visits=rep.visits, new=rep.new_customers, missed=rep.missed
        )
        if rep.far:
            text += " · " + t.ngettext(
                "📍 {count} check-in far from the customer",
                "📍 {count} check-ins far from the customer",
                rep.far,
            ).format(count=rep.far)
        if rep.rushed:
            text += " · " + t.ngettext(
                "🚄 {count} check-in after an impossible journey",
                "🚄 {count} check-ins after an impossible journey",
                rep.rushed,
            ).format(count=rep.rushed)
        if rep.minutes:
            text += " · " + on_site_text(t, rep.minutes)
        if rep.far_out:
            text += " · " + t.ngettext(
                "📍 {count} check-out far from the customer",
                "📍 {count} check-outs far from the customer",
                rep.far_out,
            ).format(count=rep.far_out)
        lines.append("• " + text)
    hidden = len(summary.reps) - MAX_SUMMARY_LINES
    if hidden > 0:
        lines.append(t.gettext("…and {count} more").format(count=hidden))
    lines.append("")
    lines.append(
        "Σ "
        + line.format(
            name=t.gettext("Team"),
            visits=sum(r.visits for r in summary.reps),
            new=sum(r.new_customers for r in summary.reps),
            missed=sum(r.missed for r in summary.reps),
        )
    )
    labels = {
        "created": t.gettext("Deals created: {count}"),
        "moved": t.gettext("Deals moved: {count}"),
        "won": t.gettext("Deals won: {count}"),
        "lost": t.gettext("Deals lost: {count}"),
    }
    for kind, label in labels.items():
        if kind in summary.deals:
            count, amounts = summary.deals[kind]
            money = t.listed(t.money(Decimal(total), cur) for cur, total in amounts)
            lines.append(f"{label.format(count=count)} · {money}")
    if summary.approvals_waiting:
        lines.append(
            t.gettext("Approvals waiting for you: {count} (/approvals)").format(
                count=summary.approvals_waiting
            )
        )
    for day, names in summary.no_report.items():
        lines.append(report_words.unsent_line(t, day, names))
    if summary.pooled:
        lines.append(
            t.gettext("🌊 Back to the public pool today: {count}").format(
                count=summary.pooled["count"]
            )
        )
        for _customer_id, name, previous in summary.pooled["items"]:
            lines.append(f"• {name} · {previous}" if previous else f"• {name}")
        if summary.pooled["count"] > len(summary.pooled["items"]):
            hidden = summary.pooled["count"] - len(summary.pooled["items"])
            lines.append(t.gettext("…and {count} more").format(count=hidden))
    lines += attainment.summary_lines(t, summary.targets)
    rows: tuple[tuple[Button, ...], ...] = ()
    if any(r.missed for r in summary.reps):
        rows = ((action(t.gettext("Open follow-ups"), "fu", 0),),)
    if summary.ladder:
        more_lines, more_rows = ladder.summary_block(t, summary.ladder)
        lines += more_lines
        rows += more_rows
    return Reply("\n".join(lines), rows)


def render_reminder(t: Translator, params: dict[str, Any]) -> Reply | None:
    """The follow-up's moment has come: who, when, the note, and the two useful buttons."""
    due = datetime.fromisoformat(params["due_at"])
    lines = [
        t.gettext("⏰ Follow-up now: {name} ({when})").format(
            name=params["name"], when=t.datetime(due)
        )
    ]
    if params.get("notes"):
        lines.append(str(params["notes"])[:200])
    item = Item(int(params["customer_id"]), str(params["name"]), params["due_at"])
    return Reply("\n".join(lines), (_item_row(t, item),))


def render_expired(t: Translator, params: dict[str, Any]) -> Reply | None:
    """The same notice the engine would show at the next message (the job ended it first)."""
    return Reply(notices.expired(t, str(params.get("title", "")), params.get("minutes", "")))


RENDERERS: dict[str, Callable[[Translator, dict[str, Any]], Reply | None]] = {
    "digest": render_digest,
    "summary": render_summary,
    "reminder": render_reminder,
    "dialog_expired": render_expired,
    **alerts.RENDERERS,
    **report_words.RENDERERS,
    **ladder.RENDERERS,
    **pool.RENDERERS,
    **attainment.RENDERERS,
}


def render(kind: str, payload: dict[str, Any], t: Translator) -> Reply | None:
    """The Reply to send for a stored payload; None when there is nothing to say."""
    if "params" in payload and kind in RENDERERS:
        return RENDERERS[kind](t, payload["params"])
    if "text" in payload:
        return payload_to_reply(payload)
    raise ValueError(f"cannot render a {kind!r} notification")
