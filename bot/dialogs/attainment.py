"""Targets and attainment in words and pictures: the digest's "this month" line, the summary's
lines per rep, the month-end summary, the lines `/target` shows and the leaderboard chart of
`/report`. One wording everywhere."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from bot.dialogs.base import Ctx
from bot.i18n import N_, Translator
from bot.messages import Reply
from bot.models import TargetMetric
from bot.reports import charts
from bot.services.discipline import targets
from bot.services.discipline.targets import Figure, TeamBoard

MAX_REPS = 15

DONE_OF_TARGET = {
    "won": N_("won {done} of {target} ({percent}%)"),
    "collected": N_("collected {done} of {target} ({percent}%)"),
    "visits": N_("visits {done} of {target} ({percent}%)"),
}


def amount(t: Translator, value: Decimal, currency: str) -> str:
    """Money with its currency, or a count of visits as a whole number."""
    return t.money(value, currency) if currency else f"{int(value):,}"


def month_name(t: Translator, month: date) -> str:
    """ "December 2026" / "2026年12月"."""
    return f"{month.year}年{month.month}月" if t.language == "zh" else f"{month:%B %Y}"


def figure_text(t: Translator, figure: Figure) -> str:
    """ "won CN¥640,000 of CN¥1,000,000 (64%)", with what came in other currencies named."""
    text = t.gettext(DONE_OF_TARGET[figure.metric]).format(
        done=amount(t, figure.actual, figure.currency),
        target=amount(t, figure.target, figure.currency),
        percent=figure.percent,
    )
    if figure.others:
        others = ", ".join(t.money(v, c) for c, v in figure.others)
        text = t.gettext("{caption} (+ {amounts})").format(caption=text, amounts=others)
    return text


def figures_text(t: Translator, figures: Sequence[Figure]) -> str:
    return t.listed(figure_text(t, f) for f in figures)


def digest_lines(t: Translator, params: Sequence[Sequence[Any]]) -> list[str]:
    """The morning digest's block: one line, only the metrics that have a target."""
    shown = [Figure.from_params(p) for p in params]
    if not shown:
        return []
    return ["", t.gettext("This month: {figures}").format(figures=figures_text(t, shown))]


def summary_lines(t: Translator, params: dict[str, Any] | None) -> list[str]:
    """The evening summary's block: the team's attainment, then each rep's with a target."""
    board = TeamBoard.from_params(params)
    if board.empty:
        return []
    lines = ["", t.gettext("Targets this month:")]
    if board.team:
        lines.append("Σ " + t.labelled(t.gettext("Team"), figures_text(t, board.team)))
    for _, name, shown in board.reps[:MAX_REPS]:
        lines.append("• " + t.labelled(name, figures_text(t, shown)))
    hidden = len(board.reps) - MAX_REPS
    if hidden > 0:
        lines.append(t.gettext("…and {count} more").format(count=hidden))
    return lines


def _marked(t: Translator, figure: Figure) -> str:
    return ("✅ " if figure.percent >= 100 else "• ") + figure_text(t, figure)


def render_month_end(t: Translator, params: dict[str, Any]) -> Reply | None:
    """The month's last evening: the rep's final attainment, or the team's and each rep's."""
    month = month_name(t, date.fromisoformat(params["month"]))
    if "board" in params:
        board = TeamBoard.from_params(params["board"])
        lines = [
            t.gettext("📅 Last day of {month}: your team's final attainment").format(month=month)
        ]
        if board.team:
            lines.append("")
            lines.append(t.gettext("Team") + ("：" if t.language == "zh" else ":"))
            lines += [_marked(t, f) for f in board.team]
        for _, name, shown in board.reps[:MAX_REPS]:
            lines.append("")
            lines.append(t.labelled(name, figures_text(t, shown)))
        hidden = len(board.reps) - MAX_REPS
        if hidden > 0:
            lines.append(t.gettext("…and {count} more").format(count=hidden))
        return Reply("\n".join(lines))
    shown = [Figure.from_params(p) for p in params.get("figures", [])]
    if not shown:
        return None
    lines = [t.gettext("📅 Last day of {month}: your final attainment").format(month=month)]
    lines += [_marked(t, f) for f in shown]
    return Reply("\n".join(lines))


async def leaderboard_chart(ctx: Ctx) -> tuple[bytes, str]:
    """/report leaderboard: this month's reps (those the person may see), the best first,
    bars for won, collected (the company currency) and visits, each rep's target across."""
    currency = ctx.settings.currency.upper()
    board = await targets.leaderboard(ctx.user, now=ctx.now, tz=ctx.t.timezone, currency=currency)
    return await draw_board(ctx.t, board)


async def draw_board(t: Translator, board: targets.Board) -> tuple[bytes, str]:
    """The leaderboard's picture (drawn in a worker thread) and its caption."""
    axes = (
        (TargetMetric.WON, t.gettext("Deals won ({currency})").format(currency=board.currency)),
        (
            TargetMetric.COLLECTED,
            t.gettext("Collected ({currency})").format(currency=board.currency),
        ),
        (TargetMetric.VISITS, t.gettext("Visits")),
    )
    panels = []
    for metric, label in axes:
        standings = []
        for s in board.standings:
            goal = s.targets[metric.value]
            done = s.done[metric.value]
            note = f"{done * 100 / goal:.0f}%" if goal else ""
            standings.append(
                charts.Standing(s.name[:18], float(done), float(goal) if goal else None, note)
            )
        panels.append(charts.BoardPanel(label, standings, counts=metric == TargetMetric.VISITS))
    month = month_name(t, board.month)
    title = t.gettext("Targets and results, {month}").format(month=month)
    png = await asyncio.to_thread(
        charts.leaderboard,
        title,
        panels,
        t.gettext("No targets and no results this month."),
        t.gettext("Target"),
    )
    caption = t.ngettext(
        "{month}: {count} rep, {on} at or above the target for deals won",
        "{month}: {count} reps, {on} at or above the target for deals won",
        board.total,
    ).format(month=month, count=board.total, on=board.on_target)
    if board.total > len(board.standings):
        caption = t.sentences(
            caption + ("。" if t.language == "zh" else "."),
            t.gettext("The chart shows the first {count}.").format(count=len(board.standings)),
        )
    if board.other_currencies:
        amounts = ", ".join(t.money(v, c) for c, v in sorted(board.other_currencies.items()))
        caption = t.gettext("{caption} (+ {amounts})").format(caption=caption, amounts=amounts)
    return png, caption


RENDERERS: dict[str, Callable[[Translator, dict[str, Any]], Reply | None]] = {
    "month_end": render_month_end,
}
