"""/report: charts as pictures; /export: spreadsheets — each scoped to what the person may see.

Both offer their choices as buttons (numbers on WeChat and the console); a tap answers with
one file. The numbers come from `bot.services.data.reports` / `exports`, drawn by `bot.reports`
in a worker thread, so a chart or a big export does not hold up other chats.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from bot.dialogs import attainment, risk
from bot.dialogs.base import Ctx
from bot.dialogs.common import action
from bot.dialogs.feature import EVERYONE, Command, Feature
from bot.dialogs.labels import BUCKET_LABELS
from bot.dialogs.labels import STAGES as STAGE_LABELS
from bot.i18n import N_
from bot.messages import OutFile, Reply
from bot.reports import charts, workbook
from bot.services.data import reports
from bot.services.data.exports import ExportKind
from bot.services.data.reports import ReportKind

REPORT_LABELS = {
    ReportKind.FUNNEL: N_("📊 Funnel"),
    ReportKind.VISITS: N_("🚗 Visits per rep"),
    ReportKind.AGING: N_("💰 Receivables aging"),
    ReportKind.PIPELINE: N_("📅 Pipeline by month"),
    ReportKind.LEADERBOARD: N_("🏆 Targets leaderboard"),
}
EXPORT_LABELS = workbook.SHEET_TITLES  # the button names the sheet it exports
PNG = "image/png"
NO_DOCUMENTS_CHANNEL = "wechat"  # an Official Account pushes pictures but no documents
MB = 1024 * 1024
# The largest file each messenger takes from a bot (Telegram 50 MB, WeCom 20 MB); the console
# writes any size.
SEND_LIMITS = {"telegram": 50 * MB, "wecom": 20 * MB}


def _menu(
    ctx: Ctx,
    question: str,
    prefix: str,
    labels: Mapping[ReportKind, str] | Mapping[ExportKind, str],
) -> Reply:
    """`question` with one button per kind, each running the action `prefix:<kind>`."""
    return Reply(
        question,
        tuple((action(ctx._(label), prefix, kind.value),) for kind, label in labels.items()),
    )


async def report_command(ctx: Ctx, args: str) -> list[Reply]:
    """/report: which chart? (`/report funnel` draws it at once)."""
    if args.strip().lower() in set(ReportKind):
        return await report_action(ctx, args.strip().lower())
    return [_menu(ctx, ctx._("Which report?"), "rep", REPORT_LABELS)]


async def report_action(ctx: Ctx, arg: str) -> list[Reply]:
    """Action 'rep:<kind>': draw the chart and send it with its key number as caption."""
    try:
        kind = ReportKind(arg)
    except ValueError:
        return [Reply(ctx._("That button is not valid any more."))]
    drawn = await _DRAW[kind](ctx)
    png, caption = drawn
    return [Reply(caption, file=OutFile(f"{kind.value}-{ctx.now:%Y%m%d}.png", png, PNG))]


def _money(ctx: Ctx, amount: Decimal, currency: str) -> str:
    return ctx.t.money(amount, currency)


def _with_others(ctx: Ctx, caption: str, others: dict[str, Decimal]) -> str:
    """The caption, then '(+ US$12,000)' for amounts in other currencies the chart leaves out
    (full-width brackets in Chinese)."""
    if not others:
        return caption
    amounts = ", ".join(_money(ctx, v, c) for c, v in sorted(others.items()))
    return ctx._("{caption} (+ {amounts})").format(caption=caption, amounts=amounts)


async def _funnel(ctx: Ctx) -> tuple[bytes, str]:
    data = await reports.funnel(ctx.user, now=ctx.now, currency=ctx.settings.currency.upper())
    bars = [
        charts.Bar(
            ctx._(STAGE_LABELS[s.stage]),
            float(s.amount) if data.total_amount else float(s.count),
            f"{s.count} · {_money(ctx, s.amount, data.currency)}",
        )
        for s in data.stages
    ]
    steps = [
        ctx._("{a} → {b}: {share}").format(
            a=ctx._(STAGE_LABELS[a]),
            b=ctx._(STAGE_LABELS[b]),
            share=f"{share:.0%}" if share is not None else "–",
        )
        for a, b, share in data.conversion
    ]
    title = ctx._("Open deals by stage · conversion over the last {days} days").format(
        days=reports.CONVERSION_DAYS
    )
    png = await asyncio.to_thread(charts.funnel, title, bars, steps, ctx._("No open deals."))
    caption = ctx.ngettext(
        "{count} open deal, {amount} in total",
        "{count} open deals, {amount} in total",
        data.total_count,
    ).format(count=data.total_count, amount=_money(ctx, data.total_amount, data.currency))
    return png, _with_others(ctx, caption, data.other_currencies)


async def _visits(ctx: Ctx) -> tuple[bytes, str]:
    data = await reports.visits_per_rep(ctx.user, now=ctx.now, tz=ctx.t.timezone)
    weeks = [_short_date(ctx, w) for w in data.weeks]
    series: list[tuple[str, list[int]]] = list(data.reps)
    others = ctx._("Everyone else")
    if data.others is not None:
        series.append((others, data.others))
    title = ctx._("Visits and calls per rep per week (last {weeks} weeks)").format(
        weeks=len(data.weeks)
    )
    png = await asyncio.to_thread(
        charts.lines, title, weeks, series, ctx._("No visits logged."), others=others
    )
    caption = ctx.ngettext(
        "{count} visit logged in the last {weeks} weeks",
        "{count} visits logged in the last {weeks} weeks",
        data.total,
    ).format(count=data.total, weeks=len(data.weeks))
    return png, caption


async def _aging(ctx: Ctx) -> tuple[bytes, str]:
    today = ctx.t.local(ctx.now).date()
    data = await reports.aging(ctx.user, today=today, currency=ctx.settings.currency.upper())
    bars = [
        charts.Bar(ctx._(BUCKET_LABELS[name]), float(value), _money(ctx, value, data.currency))
        for name, value in data.buckets.items()
    ]
    title = ctx._("Open receivables by due date ({currency})").format(currency=data.currency)
    png = await asyncio.to_thread(
        charts.bars, title, bars, data.currency, ctx._("Nothing is owed."), highlight=3
    )
    caption = ctx._("Open receivables {total}, of which overdue {overdue}").format(
        total=_money(ctx, data.total, data.currency),
        overdue=_money(ctx, data.overdue, data.currency),
    )
    return png, _with_others(ctx, caption, data.other_currencies)


async def _pipeline(ctx: Ctx) -> tuple[bytes, str]:
    """One panel per currency (the company's first): no deal is left out of the picture."""
    today = ctx.t.local(ctx.now).date()
    data = await reports.pipeline(ctx.user, today=today, currency=ctx.settings.currency.upper())
    every = [data, *data.extra]
    series = []
    for one in every:
        bars = [charts.Bar(ctx._("Overdue"), float(one.late[0]), _compact(one.late[0]))]
        bars += [charts.Bar(_month(ctx, m), float(a), _compact(a)) for m, a, _ in one.months]
        bars.append(charts.Bar(ctx._("No date"), float(one.undated[0]), _compact(one.undated[0])))
        series.append((one.currency, bars))
    codes = " · ".join(one.currency for one in every)
    title = ctx._("Open deals by expected close month ({currency})").format(currency=codes)
    png = await asyncio.to_thread(charts.panels, title, series, ctx._("No open deals."))
    caption = ctx._("Open pipeline {total}; expected to close this month: {month}").format(
        total=" + ".join(_money(ctx, one.total, one.currency) for one in every),
        month=" + ".join(
            _money(ctx, one.months[0][1] if one.months else Decimal(0), one.currency)
            for one in every
        ),
    )
    return png, caption


_DRAW = {
    ReportKind.FUNNEL: _funnel,
    ReportKind.VISITS: _visits,
    ReportKind.AGING: _aging,
    ReportKind.PIPELINE: _pipeline,
    ReportKind.LEADERBOARD: attainment.leaderboard_chart,
}


def _short_date(ctx: Ctx, day: date) -> str:
    return f"{day.month}/{day.day}" if ctx.t.language == "zh" else f"{day:%d.%m}"


def _month(ctx: Ctx, day: date) -> str:
    return f"{day.year}年{day.month}月" if ctx.t.language == "zh" else f"{day:%b %Y}"


def _compact(amount: Decimal) -> str:
    """A bar's note kept short: 1.2M, 350k (nothing for an empty bar)."""
    return charts.compact(float(amount)) if amount else ""


async def export_command(ctx: Ctx, args: str) -> list[Reply]:
    """/export: which list? (`/export customers` sends it at once)."""
    if args.strip().lower() in set(ExportKind):
        return await export_action(ctx, args.strip().lower())
    return [_menu(ctx, ctx._("Export which list to Excel?"), "exp", EXPORT_LABELS)]


async def export_action(ctx: Ctx, arg: str) -> list[Reply]:
    """Action 'exp:<kind>': the .xlsx of everything of that kind the person may see."""
    try:
        kind = ExportKind(arg)
    except ValueError:
        return [Reply(ctx._("That button is not valid any more."))]
    if ctx.incoming.channel == NO_DOCUMENTS_CHANNEL:
        return [
            Reply(
                ctx._(
                    "This WeChat account cannot send files. Export on WeCom or Telegram, or "
                    "ask an admin to run crmbot export."
                )
            )
        ]

    async def written() -> list[Reply]:
        """The file itself, written after the turn: a large export takes a while."""
        out = io.BytesIO()
        count = await workbook.export(
            ctx.user,
            kind,
            out,
            ctx.t,
            currency=ctx.settings.currency.upper(),
            at_risk_before=risk.since(ctx),
        )
        name = f"{kind.value}-{ctx.t.local(ctx.now):%Y%m%d}.xlsx"
        limit = SEND_LIMITS.get(ctx.incoming.channel)
        if limit is not None and out.getbuffer().nbytes > limit:
            return [
                Reply(
                    ctx._(
                        "That file ({size} MB) is larger than this messenger accepts. An admin "
                        "can write it with: crmbot export {kind} FILE.xlsx"
                    ).format(size=out.getbuffer().nbytes // MB, kind=kind.value)
                )
            ]
        caption = ctx.ngettext("{count} row", "{count} rows", count).format(count=count)
        return [Reply(caption, file=OutFile(name, out.getvalue(), workbook.XLSX_MIME))]

    return [Reply("", after=written)]


FEATURE = Feature(
    name="reports",
    commands=(
        Command(
            "report",
            N_("charts: funnel, visits, receivables, pipeline, targets"),
            EVERYONE,
            run=report_command,
        ),
        Command(
            "export",
            N_("customers, visits, deals or receivables as an Excel file"),
            EVERYONE,
            run=export_command,
        ),
    ),
    actions={"rep": report_action, "exp": export_action},
)
