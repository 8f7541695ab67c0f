"""Targets and attainment in words: the digest's "this month" line, the summary's lines per
rep, the month-end summary, and the lines `/target` shows. One wording everywhere."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from bot.i18n import N_, Translator
from bot.messages import Reply
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


RENDERERS: dict[str, Callable[[Translator, dict[str, Any]], Reply | None]] = {
    "month_end": render_month_end,
}
