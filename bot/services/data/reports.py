"""The numbers behind the report charts: funnel, visits per rep, receivables aging, pipeline.

Each report is a few grouped queries over the rows the actor may see (a rep: own, a manager:
the team, finance and admin: everything), returned as plain data. Charts and captions are
drawn elsewhere (`bot.reports.charts`); nothing here knows a language or a messenger.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot import db
from bot.models import Stage, User
from bot.services.finance import money, receivables
from bot.services.finance.deals import OPEN_STAGES
from bot.services.people.permissions import scope_for

CONVERSION_DAYS = 90
WEEKS = 8
MONTHS_AHEAD = 12
TOP_REPS = 8
# The order a deal moves through; won is the end of the line, lost leaves it.
FLOW = (*OPEN_STAGES, Stage.WON)


class ReportKind(StrEnum):
    """The charts `/report` offers."""

    FUNNEL = "funnel"
    VISITS = "visits"
    AGING = "aging"
    PIPELINE = "pipeline"
    LEADERBOARD = "leaderboard"


@dataclass(frozen=True, slots=True)
class StageFigures:
    """Open deals at one stage: how many, and their amount in the report's currency."""

    stage: Stage
    count: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Funnel:
    """Open deals per stage, and the share of deals that moved on from each stage lately."""

    currency: str
    stages: list[StageFigures]
    # (from stage, to the next stage, share 0..1 or None when no deal entered the stage)
    conversion: list[tuple[Stage, Stage, float | None]]
    other_currencies: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total_count(self) -> int:
        return sum(s.count for s in self.stages)

    @property
    def total_amount(self) -> Decimal:
        return sum((s.amount for s in self.stages), Decimal(0))


@dataclass(frozen=True, slots=True)
class VisitsPerRep:
    """Visits logged per person per week (weeks start on Monday, oldest first)."""

    weeks: list[date]
    # (name, counts per week); the busiest first, the rest folded into one "others" row
    reps: list[tuple[str, list[int]]]
    others: list[int] | None = None

    @property
    def total(self) -> int:
        return sum(sum(c) for _, c in self.reps) + sum(self.others or [])


@dataclass(frozen=True, slots=True)
class AgingReport:
    """Open receivables per aging bucket, in the report's currency."""

    currency: str
    buckets: dict[str, Decimal]
    other_currencies: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), Decimal(0))

    @property
    def overdue(self) -> Decimal:
        return sum((self.buckets[b] for b in receivables.OVERDUE), Decimal(0))


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Open deal amounts by expected close month; earlier months and undated ones apart
    (deals expected more than a year ahead are left out of the chart)."""

    currency: str
    months: list[tuple[date, Decimal, int]]  # (first day of month, amount, deals)
    late: tuple[Decimal, int]  # expected before this month and still open
    undated: tuple[Decimal, int]
    other_currencies: dict[str, Decimal] = field(default_factory=dict)
    extra: list[Pipeline] = field(default_factory=list)  # the same months in other currencies

    @property
    def total(self) -> Decimal:
        return sum((a for _, a, _ in self.months), Decimal(0)) + self.late[0] + self.undated[0]


def _main_currency(totals: dict[str, Decimal], company: str) -> str:
    """The company currency when anything is in it, else the one with the most money."""
    if company in totals or not totals:
        return company
    return max(totals, key=lambda c: totals[c])


async def _open_deals_by(
    p: db.Params, key: str, name: str, owners: frozenset[int] | None, currency: str
) -> tuple[list[dict[str, Any]], dict[str, Decimal], str]:
    """The open deals in scope, counted and summed per the SQL `key` (as `name`) and currency;
    with the amount per currency and the currency to show (`_main_currency`)."""
    where = f"d.stage IN ({', '.join(p(s.value) for s in OPEN_STAGES)})"
    where += p.scope("d.owner_id", owners)
    rows = await db.fetch(
        f"SELECT {key} AS {name}, d.currency AS currency, COUNT(*) AS n, "
        f"SUM({p.cents('d.amount')}) AS total FROM deals d WHERE {where} "
        f"GROUP BY {key}, d.currency",
        p.values,
    )
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row["currency"]] += p.amount(row["total"])
    return rows, totals, _main_currency(totals, currency)


async def funnel(actor: User, *, now: datetime, currency: str) -> Funnel:
    """Open deals by stage (count and amount) and stage-to-stage conversion over 90 days.

    Conversion from a stage is the share of the deals that entered it in the window and have
    since reached any later stage of the flow (lost deals count as not converted).
    """
    owners = (await scope_for(actor)).owner_ids
    p = db.Params()
    rows, totals, main = await _open_deals_by(p, "d.stage", "stage", owners, currency)
    counts: dict[str, int] = defaultdict(int)
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        counts[row["stage"]] += int(row["n"])
        if row["currency"] == main:
            amounts[row["stage"]] += p.amount(row["total"])
    stages = [StageFigures(s, counts[s.value], amounts[s.value]) for s in OPEN_STAGES]

    q = db.Params()
    since = now - timedelta(days=CONVERSION_DAYS)
    scope_sql = q.scope("d.owner_id", owners)
    moves = await db.fetch(
        "SELECT sc.deal_id AS deal_id, sc.to_stage AS stage, "
        f"CASE WHEN sc.at >= {q(since)} THEN 1 ELSE 0 END AS recent "
        "FROM deal_stage_changes sc JOIN deals d ON d.id = sc.deal_id "
        "WHERE sc.deal_id IN (SELECT c2.deal_id FROM deal_stage_changes c2 "
        f"WHERE c2.at >= {q(since)}){scope_sql}",
        q.values,
    )
    rank = {s.value: i for i, s in enumerate(FLOW)}
    entered: dict[int, set[int]] = defaultdict(set)  # deal → ranks entered in the window
    furthest: dict[int, int] = defaultdict(lambda: -1)  # deal → furthest rank ever reached
    for move in moves:
        r = rank.get(move["stage"])
        if r is None:
            continue
        if int(move["recent"]):
            entered[int(move["deal_id"])].add(r)
        furthest[int(move["deal_id"])] = max(furthest[int(move["deal_id"])], r)
    conversion: list[tuple[Stage, Stage, float | None]] = []
    for index in range(len(FLOW) - 1):
        came = [d for d, ranks in entered.items() if index in ranks]
        moved = sum(1 for d in came if furthest[d] > index)
        conversion.append((FLOW[index], FLOW[index + 1], moved / len(came) if came else None))
    others = {c: v for c, v in totals.items() if c != main}
    return Funnel(main, stages, conversion, others)


def week_starts(today: date, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last `weeks` weeks, this one last."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


async def visits_per_rep(actor: User, *, now: datetime, tz: ZoneInfo) -> VisitsPerRep:
    """Visits, calls and meetings logged per person per week over the last eight weeks."""
    owners = (await scope_for(actor)).owner_ids
    weeks = week_starts(now.astimezone(tz).date())
    start = datetime.combine(weeks[0], time(0), tzinfo=tz).astimezone(UTC)
    p = db.Params()
    at = p(start)
    if p.sqlite:
        week = f"CAST((julianday(v.at) - julianday({at})) / 7 AS INTEGER)"
    else:
        week = f"CAST(FLOOR(EXTRACT(EPOCH FROM (v.at - {at}::timestamptz)) / 604800) AS INTEGER)"
    where = f"v.at >= {p(start)} AND v.at < {p(now)}" + p.scope("v.user_id", owners)
    rows = await db.fetch(
        f"SELECT v.user_id AS user_id, u.name AS name, {week} AS week, COUNT(*) AS n "
        f"FROM visits v JOIN users u ON u.id = v.user_id WHERE {where} "
        f"GROUP BY v.user_id, u.name, {week}",
        p.values,
    )
    per: dict[tuple[int, str], list[int]] = {}
    for row in rows:
        index = int(row["week"])
        if 0 <= index < len(weeks):
            per.setdefault((int(row["user_id"]), row["name"]), [0] * len(weeks))[index] += int(
                row["n"]
            )
    ranked = sorted(per.items(), key=lambda item: (-sum(item[1]), item[0][1], item[0][0]))
    shown = [(name, counts) for (_, name), counts in ranked[:TOP_REPS]]
    rest = [counts for _, counts in ranked[TOP_REPS:]]
    others = [sum(week) for week in zip(*rest, strict=True)] if rest else None
    return VisitsPerRep(weeks, shown, others)


async def aging(actor: User, *, today: date, currency: str) -> AgingReport:
    """Open receivables per aging bucket (the same buckets as /receivables)."""
    per_currency = await receivables.aging(actor, today=today)
    totals = {a.currency: a.total for a in per_currency}
    main = _main_currency(totals, currency)
    zero = Decimal(0).quantize(money.CENT)
    buckets = dict.fromkeys(receivables.BUCKETS, zero)
    for a in per_currency:
        if a.currency == main:
            buckets = dict(a.buckets)
    return AgingReport(main, buckets, {c: v for c, v in totals.items() if c != main})


async def pipeline(actor: User, *, today: date, currency: str) -> Pipeline:
    """Open deals by the month they are expected to close, this month and the next eleven."""
    owners = (await scope_for(actor)).owner_ids
    p = db.Params()
    month = "substr(d.expected_close, 1, 7)" if p.sqlite else "to_char(d.expected_close, 'YYYY-MM')"
    rows, totals, main = await _open_deals_by(p, month, "month", owners, currency)
    first = today.replace(day=1)
    months = [_add_months(first, n) for n in range(MONTHS_AHEAD)]
    built: dict[str, Pipeline] = {}
    for code in [main, *sorted(c for c in totals if c != main)]:
        built[code] = _pipeline_of(code, [r for r in rows if r["currency"] == code], p, months)
    chart = built.pop(main)
    others = {c: v for c, v in totals.items() if c != main}
    return replace(chart, other_currencies=others, extra=list(built.values()))


def _pipeline_of(
    code: str, rows: list[dict[str, Any]], p: db.Params, months: list[date]
) -> Pipeline:
    """One currency's open deals by expected close month, earlier ones and undated apart."""
    first = months[0]
    keys = {m.strftime("%Y-%m"): i for i, m in enumerate(months)}
    amounts = [Decimal(0).quantize(money.CENT)] * len(months)
    counts = [0] * len(months)
    late, late_n = Decimal(0).quantize(money.CENT), 0
    undated, undated_n = Decimal(0).quantize(money.CENT), 0
    for row in rows:
        key, value, n = row["month"], p.amount(row["total"]), int(row["n"])
        if key is None:
            undated, undated_n = undated + value, undated_n + n
        elif key in keys:
            amounts[keys[key]] += value
            counts[keys[key]] += n
        elif key < first.strftime("%Y-%m"):
            late, late_n = late + value, late_n + n
    result = [(m, amounts[i], counts[i]) for i, m in enumerate(months)]
    return Pipeline(code, result, (late, late_n), (undated, undated_n))


def _add_months(day: date, n: int) -> date:
    index = day.month - 1 + n
    return date(day.year + index // 12, index % 12 + 1, 1)
