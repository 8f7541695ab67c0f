"""Report data drawn as PNG charts, readable on a phone, Chinese names included.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no GUI, no global figure
state), so charts can be drawn in worker threads. Chinese text needs a font that has the
glyphs: the WenQuanYi Micro Hei font the project installs (`paperang-p2-fonts-cjk`) is added
to matplotlib's fonts once and used as a fallback after DejaVu Sans, glyph by glyph.
Every label arrives translated: this module knows no language.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before any canvas is made: never a GUI backend on a server

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

log = logging.getLogger(__name__)

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 6.0, 110  # 1100 × 660 px: sharp on a phone, small to send
CJK_PACKAGE = "paperang_p2_fonts_cjk"
CJK_FAMILY = "WenQuanYi Micro Hei"
FALLBACK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "SimHei")
COLORS = ("#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d")
OTHERS_COLOR = "#9ca3af"

_fonts_ready = threading.Lock()
_families: list[str] = []


def font_families() -> list[str]:
    """DejaVu Sans for Latin text, then the CJK font for what it lacks (added on first use)."""
    with _fonts_ready:
        if not _families:
            families = ["DejaVu Sans"]
            try:
                folder = resources.files(CJK_PACKAGE) / "fonts"
                for entry in folder.iterdir():
                    if entry.name.endswith((".ttc", ".ttf", ".otf")):
                        font_manager.fontManager.addfont(str(entry))
                families.append(CJK_FAMILY)
            except (ModuleNotFoundError, FileNotFoundError, OSError) as missing:
                log.warning("the CJK font package is missing (%s); Chinese may not render", missing)
            known = {f.name for f in font_manager.fontManager.ttflist}
            families += [f for f in FALLBACK_FAMILIES if f in known]
            _families.extend(families)
        return list(_families)


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label under or beside it, its length, the text printed at its end."""

    label: str
    value: float
    note: str = ""


def compact(value: float) -> str:
    """An axis or bar number kept short: 1.2M, 350k, 80."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if abs(value) >= 1_000:
        return f"{value / 1_000:.0f}k"
    return f"{value:.0f}"


def _figure() -> tuple[Figure, FigureCanvasAgg]:
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    return figure, FigureCanvasAgg(figure)


def _png(figure: Figure, canvas: FigureCanvasAgg | None = None) -> bytes:
    out = io.BytesIO()
    (canvas or FigureCanvasAgg(figure)).print_png(out)
    return out.getvalue()


def _style(ax: object) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)  # type: ignore[attr-defined]
    ax.tick_params(labelsize=11)  # type: ignore[attr-defined]


def _fonts() -> dict[str, object]:
    return {"font.family": font_families(), "axes.unicode_minus": False}


def funnel(title: str, bars: Sequence[Bar], steps: Sequence[str], empty: str) -> bytes:
    """Horizontal bars per stage, widest first at the top, conversions listed on the right."""
    with matplotlib.rc_context(_fonts()):
        figure, canvas = _figure()
        ax, side = figure.subplots(1, 2, width_ratios=(3, 1))
        figure.suptitle(title, fontsize=16)
        labels = [b.label for b in bars][::-1]
        values = [b.value for b in bars][::-1]
        ax.barh(labels, values, color=COLORS[0], height=0.6)
        top = max(values, default=0) or 1
        for y, bar in enumerate(list(bars)[::-1]):
            ax.text(bar.value + top * 0.01, y, bar.note, va="center", fontsize=11)
        ax.set_xlim(0, top * 1.5)
        ax.xaxis.set_visible(False)
        if not any(values):
            ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", fontsize=14)
        side.axis("off")
        if steps:
            side.text(
                0.0,
                0.5,
                "\n\n".join(steps),
                transform=side.transAxes,
                ha="left",
                va="center",
                fontsize=11,
                bbox={"boxstyle": "round", "fc": "#f3f4f6", "ec": "#d1d5db"},
            )
        _style(ax)
        return _png(figure, canvas)


def bars(title: str, bars: Sequence[Bar], ylabel: str, empty: str, *, highlight: int = 0) -> bytes:
    """Vertical bars with their notes above them; the first `highlight` bars in a second colour
    (not yet due), the rest in the first (overdue) — or all one colour when 0."""
    return panels(title, [(ylabel, bars)], empty, highlight=highlight)


def panels(
    title: str, series: Sequence[tuple[str, Sequence[Bar]]], empty: str, *, highlight: int = 0
) -> bytes:
    """Bars per series (a currency each), one panel under the other on a shared x axis, each
    with its own scale: amounts in different currencies are never added up or left out."""
    with matplotlib.rc_context(_fonts()):
        return _png(draw_panels(title, series, empty, highlight=highlight))


def draw_panels(
    title: str, series: Sequence[tuple[str, Sequence[Bar]]], empty: str, *, highlight: int = 0
) -> Figure:
    """The figure `panels` renders (its axes can be read back)."""
    figure, _ = _figure()
    figure.suptitle(title, fontsize=16)
    axes = figure.subplots(max(len(series), 1), 1, sharex=True, squeeze=False)[:, 0]
    for index, (ax, (ylabel, shown)) in enumerate(zip(axes, series, strict=False)):
        _bars(ax, shown, ylabel, empty, highlight=highlight, color=index)
        if index < len(series) - 1:
            ax.tick_params(axis="x", labelbottom=False)
    return figure


def _bars(
    ax: Any, bars: Sequence[Bar], ylabel: str, empty: str, *, highlight: int, color: int
) -> None:
    xs = range(len(bars))
    main = COLORS[(color * 4) % len(COLORS)] if not highlight else COLORS[3]
    colors = [COLORS[1] if i < highlight else main for i in xs]
    values = [b.value for b in bars]
    ax.bar(list(xs), values, color=colors, width=0.7)
    top = max(values, default=0) or 1
    for x, bar in zip(xs, bars, strict=True):
        if bar.note and bar.value:
            ax.text(x, bar.value + top * 0.01, bar.note, ha="center", va="bottom", fontsize=9)
    ax.set_xticks(list(xs), [b.label for b in bars], rotation=30, ha="right")
    ax.set_ylim(0, top * 1.15)
    ax.set_ylabel(ylabel, fontsize=11)
    if any(values):
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    else:  # no scale to read: the chart says it is empty instead of "0, 0, 1, 1" ticks
        ax.set_yticks([])
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", fontsize=14)
    _style(ax)


def lines(
    title: str,
    weeks: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    empty: str,
    *,
    others: str = "",
) -> bytes:
    """One line per person over the weeks; a last series named `others` drawn grey."""
    with matplotlib.rc_context(_fonts()):
        return _png(draw_lines(title, weeks, series, empty, others=others))


def draw_lines(
    title: str,
    weeks: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    empty: str,
    *,
    others: str = "",
) -> Figure:
    """The figure `lines` renders: counts on a whole-number axis, or a line saying it is empty."""
    figure, _ = _figure()
    ax = figure.add_subplot()
    figure.suptitle(title, fontsize=16)
    xs = list(range(len(weeks)))
    for index, (name, counts) in enumerate(series):
        grey = bool(others) and name == others and index == len(series) - 1
        ax.plot(
            xs,
            list(counts),
            marker="o",
            linewidth=2.2 if not grey else 1.5,
            color=OTHERS_COLOR if grey else COLORS[index % len(COLORS)],
            linestyle="--" if grey else "-",
            label=name,
        )
    ax.set_xticks(xs, list(weeks))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # counts: 0, 1, 2
    ax.set_ylim(0, max((max(c, default=0) for _, c in series), default=0) * 1.1 or 1)
    ax.grid(axis="y", alpha=0.3)
    if any(any(counts) for _, counts in series):
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=10, frameon=False)
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", fontsize=14)
    _style(ax)
    return figure


@dataclass(frozen=True, slots=True)
class Standing:
    """One person on a leaderboard panel: their bar, their target (None: none set), the note."""

    label: str
    value: float
    target: float | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class BoardPanel:
    """One metric of the leaderboard: its axis label, whether it counts (whole-number ticks),
    and one standing per person, in the board's order."""

    ylabel: str
    standings: Sequence[Standing]
    counts: bool = False


ON_TARGET = COLORS[1]
BELOW_TARGET = COLORS[0]
NO_TARGET = OTHERS_COLOR
TARGET_LINE = COLORS[3]


def leaderboard(title: str, panels: Sequence[BoardPanel], empty: str, target: str) -> bytes:
    """Bars per person, one panel per metric under each other, each person's target drawn
    across their bar (green at or above it); `target` names the line in the legend."""
    with matplotlib.rc_context(_fonts()):
        return _png(draw_leaderboard(title, panels, empty, target))


def draw_leaderboard(title: str, panels: Sequence[BoardPanel], empty: str, target: str) -> Figure:
    """The figure `leaderboard` renders (its axes can be read back). Fixed margins instead
    of the constrained layout: three panels of twenty bars lay out in half the time."""
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    figure.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.17, hspace=0.25)
    figure.suptitle(title, fontsize=16)
    anything = any(s.value or s.target for p in panels for s in p.standings)
    if not anything or not panels:
        ax = figure.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", fontsize=14)
        return figure
    axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for index, (ax, panel) in enumerate(zip(axes, panels, strict=True)):
        _board_panel(ax, panel, empty, target, legend=index == 0)
        if index < len(panels) - 1:
            ax.tick_params(axis="x", labelbottom=False)
    return figure


def _board_panel(ax: Any, panel: BoardPanel, empty: str, target: str, *, legend: bool) -> None:
    shown = list(panel.standings)
    xs = list(range(len(shown)))
    values = [s.value for s in shown]
    colors = [
        NO_TARGET if s.target is None else ON_TARGET if s.value >= s.target else BELOW_TARGET
        for s in shown
    ]
    ax.bar(xs, values, color=colors, width=0.7)
    marked = [(x, s.target) for x, s in zip(xs, shown, strict=True) if s.target is not None]
    if marked:
        ax.hlines(
            [t for _, t in marked],
            [x - 0.45 for x, _ in marked],
            [x + 0.45 for x, _ in marked],
            colors=TARGET_LINE,
            linewidth=2.5,
            label=target,
        )
    top = max([*values, *(t for _, t in marked)], default=0) or 1
    for x, standing in zip(xs, shown, strict=True):
        if standing.note:
            ax.text(
                x, standing.value + top * 0.01, standing.note, ha="center", va="bottom", fontsize=8
            )
    ax.set_xticks(xs, [s.label for s in shown], rotation=30, ha="right")
    ax.set_ylim(0, top * 1.18)
    ax.set_ylabel(panel.ylabel, fontsize=11)
    if not any(values) and not marked:
        ax.set_yticks([])
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", fontsize=12)
    elif panel.counts:  # visits: 0, 5, 10 — never 2.5 visits
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    if legend and marked:
        ax.legend(loc="upper right", fontsize=9, frameon=False)
    _style(ax)
