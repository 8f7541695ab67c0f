"""Monthly targets and attainment: what was expected of a rep or a team, and what they did.

A target is one number for one month and one metric: deals won (an amount), money collected
(an amount), or visits (a count of contacts logged). Managers set them for their team's reps
and for their team, admins for anyone; setting one again replaces it (one row per scope,
person, month and metric, the database's unique key).

Attainment is measured set-based for many people at once, each in their own time zone's month:

- won: deals whose stage is won and whose `closed_at` falls in the month, by owner, per currency;
- collected: payments received (`paid_on`) in the month from the customers the rep owns,
  per currency;
- visits: visits, calls, messages and meetings the rep logged (`at`) in the month.

Amounts in different currencies are never added up: a target in CNY is measured against deals
and payments in CNY, and what came in other currencies is carried alongside to be named.
A team's figure is the sum over everyone below its manager.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from bot import db
from bot.clock import zone
from bot.models import Role, Stage, Target, TargetMetric, TargetScope, User, Visit
from bot.services import audit
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.language.amounts import MAX_AMOUNT, parse_money
from bot.services.language.dates import parse_when
from bot.services.people.permissions import scope_for

MAX_VISITS = 100_000
METRICS = (TargetMetric.WON, TargetMetric.COLLECTED, TargetMetric.VISITS)
AMOUNT_METRICS = (TargetMetric.WON, TargetMetric.COLLECTED)
BOARD_SIZE = 20  # reps on the leaderboard: a phone shows this many bars legibly

# {user_id: {metric: {currency ('' for visits): amount}}}
Results = dict[int, dict[str, dict[str, Decimal]]]


# --- months ---------------------------------------------------------------------------------


def month_of(day: date) -> date:
    """The first day of `day`'s month: how a target's month is stored."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def last_day(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def month_bounds(month: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The month in a time zone as a UTC half-open interval."""
    start = datetime.combine(month_of(month), time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(next_month(month_of(month)), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


_YEAR_MONTH = re.compile(r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*月?\s*$")


def read_month(text: str, *, now: datetime, tz: ZoneInfo) -> date | None:
    """A month as people write it: "2027-01", "2027年1月", "next month", "下个月", "一月",
    "January", "this month". A month name means the coming one, unless it is the current
    month ("12月" in December is this December); a date in it means its month."""
    typed = " ".join(text.split())[:60]
    if not typed:
        return None
    exact = _YEAR_MONTH.match(typed)
    if exact:
        year, month = int(exact.group(1)), int(exact.group(2))
        return date(year, month, 1) if 1 <= month <= 12 and 2000 <= year <= 2100 else None
    this_month = month_of(now.astimezone(tz).date())
    recent = parse_when(typed, now=now, tz=tz, prefer="past")
    if recent is not None and month_of(recent.astimezone(tz).date()) == this_month:
        return this_month
    coming = parse_when(typed, now=now, tz=tz, prefer="future")
    moment = coming or recent
    return month_of(moment.astimezone(tz).date()) if moment is not None else None


# --- who may set what ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assignee:
    """Someone a target can be set for: a rep, or a manager's team."""

    scope: TargetScope
    user_id: int
    name: str


def can_set_targets(actor: User) -> bool:
    """Managers set their team's targets, admins anybody's."""
    return actor.role in (Role.MANAGER, Role.ADMIN) and actor.active


async def assignees(actor: User) -> list[Assignee]:
    """Whom `actor` may set targets for: the teams they lead (their own, and the managers'
    below them; an admin: every manager's) first, then the reps, by name."""
    if not can_set_targets(actor):
        return []
    scope = await scope_for(actor)
    query = User.filter(active=True, role__in=[Role.REP, Role.MANAGER])
    if scope.owner_ids is not None:
        query = query.filter(id__in=sorted(scope.owner_ids))
    people = await query.order_by("name", "id").values_list("id", "name", "role")
    teams = [
        Assignee(TargetScope.TEAM, uid, name) for uid, name, role in people if role == "manager"
    ]
    reps = [Assignee(TargetScope.REP, uid, name) for uid, name, role in people if role == "rep"]
    return teams + reps


async def _check_assignee(actor: User, scope: TargetScope, user_id: int) -> User:
    """The person the target is for, once `actor` may set it (else PermissionDenied/NotFound)."""
    if not can_set_targets(actor):
        raise PermissionDenied()
    person = await User.filter(id=user_id, active=True).first()
    if person is None:
        raise NotFound()
    if not (await scope_for(actor)).allows(person.id):
        raise PermissionDenied()
    wanted = Role.REP if scope == TargetScope.REP else Role.MANAGER
    if person.role != wanted:
        raise InvalidInput("target_wrong_person", person.name)
    return person


def clean_amount(metric: TargetMetric, amount: Decimal, currency: str) -> tuple[Decimal, str]:
    """An amount target above zero in a three-letter currency, or a whole count of visits."""
    if metric == TargetMetric.VISITS:
        if amount != amount.to_integral_value() or not 0 < amount <= MAX_VISITS:
            raise InvalidInput("target_visits_invalid")
        return amount.quantize(Decimal(1)), ""
    if not 0 < amount < MAX_AMOUNT:
        raise InvalidInput("target_amount_invalid")
    code = currency.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise InvalidInput("currency_invalid", currency)
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), code


@dataclass(frozen=True, slots=True)
class Saved:
    """A target as set, and the amount it replaced (None when it is new)."""

    target: Target
    before: Decimal | None
    before_currency: str = ""


async def set_target(
    actor: User,
    scope: TargetScope,
    user_id: int,
    month: date,
    metric: TargetMetric,
    amount: Decimal,
    currency: str,
    *,
    now: datetime,
) -> Saved:
    """Set (or replace) one target, audited. Two people setting the same one at once: the
    unique key keeps one row, and the later write wins."""
    await _check_assignee(actor, scope, user_id)
    amount, currency = clean_amount(metric, amount, currency)
    month = month_of(month)
    key = {"scope": scope, "user_id": user_id, "month": month, "metric": metric}
    values = {"amount": amount, "currency": currency, "set_by_id": actor.id, "updated_at": now}
    async with in_transaction():
        existing = await Target.filter(**key).select_for_update().first()
        if existing is None:
            try:
                async with in_transaction():  # a savepoint: a concurrent insert is not fatal
                    target = await Target.create(**key, **values)
            except IntegrityError:
                existing = await Target.filter(**key).select_for_update().first()
                if existing is None:
                    raise
        if existing is not None:
            before, before_currency = existing.amount, existing.currency
            await Target.filter(id=existing.id).update(**values)
            target = await Target.get(id=existing.id)
        else:
            before, before_currency = None, ""
        await audit.record(
            actor.id,
            "target.set",
            "target",
            target.id,
            before=None if before is None else {"amount": before, "currency": before_currency},
            after={
                "scope": scope,
                "user_id": user_id,
                "month": month,
                "metric": metric,
                "amount": amount,
                "currency": currency,
            },
        )
    return Saved(target, None if before is None else Decimal(before), before_currency)


# --- attainment ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """One metric's attainment: the target, what was done in its currency, and what was done
    in other currencies (named, never added)."""

    metric: str
    currency: str
    target: Decimal
    actual: Decimal
    others: tuple[tuple[str, Decimal], ...] = ()

    @property
    def percent(self) -> int:
        if not self.target:
            return 0
        return int((self.actual * 100 / self.target).to_integral_value(rounding=ROUND_HALF_UP))

    def params(self) -> list[Any]:
        """JSON for the outbox: [metric, currency, target, actual, [[currency, amount], …]]."""
        return [
            self.metric,
            self.currency,
            str(self.target),
            str(self.actual),
            [[c, str(v)] for c, v in self.others],
        ]

    @classmethod
    def from_params(cls, values: Sequence[Any]) -> Figure:
        metric, currency, target, actual, others = values
        return cls(
            str(metric),
            str(currency),
            Decimal(target),
            Decimal(actual),
            tuple((str(c), Decimal(v)) for c, v in others),
        )


async def results(months: Mapping[int, tuple[str, date]]) -> Results:
    """What each person did in their month ({user: (time zone, month)}): deals won, money
    collected, visits logged; one grouped query per kind per (zone, month) and chunk of ids."""
    found: Results = defaultdict(lambda: defaultdict(dict))
    groups: dict[tuple[str, date], list[int]] = defaultdict(list)
    for user_id, (tz_name, month) in months.items():
        groups[(tz_name, month_of(month))].append(user_id)
    for (tz_name, month), members in groups.items():
        start, end = month_bounds(month, zone(tz_name))
        for chunk in db.chunks(sorted(members)):
            await _won(found, chunk, start, end)
            await _collected(found, chunk, month, last_day(month))
            counts = (
                await Visit.filter(user_id__in=chunk, at__gte=start, at__lt=end)
                .annotate(n=Count("id"))
                .group_by("user_id")
                .values_list("user_id", "n")
            )
            for user_id, n in counts:
                found[user_id][TargetMetric.VISITS.value][""] = Decimal(n)
    return found


async def _won(found: Results, owners: list[int], start: datetime, end: datetime) -> None:
    sql = db.Params()
    amount = sql.cents("d.amount")
    query = (
        f"SELECT d.owner_id AS owner_id, d.currency AS currency, SUM({amount}) AS total "
        f"FROM deals d WHERE d.stage = {sql(Stage.WON.value)} "
        f"AND d.owner_id IN ({sql.ids(owners)}) "
        f"AND d.closed_at >= {sql(start)} AND d.closed_at < {sql(end)} "
        f"GROUP BY d.owner_id, d.currency"
    )
    for row in await db.fetch(query, sql.values):
        found[row["owner_id"]][TargetMetric.WON.value][row["currency"]] = sql.amount(row["total"])


async def _collected(found: Results, owners: list[int], first: date, last: date) -> None:
    sql = db.Params()
    amount = sql.cents("p.amount")
    query = (
        f"SELECT c.owner_id AS owner_id, p.currency AS currency, SUM({amount}) AS total "
        f"FROM payments p JOIN customers c ON c.id = p.customer_id "
        f"WHERE c.owner_id IN ({sql.ids(owners)}) "
        f"AND p.paid_on >= {sql(first)} AND p.paid_on <= {sql(last)} "
        f"GROUP BY c.owner_id, p.currency"
    )
    for row in await db.fetch(query, sql.values):
        metric = TargetMetric.COLLECTED.value
        found[row["owner_id"]][metric][row["currency"]] = sql.amount(row["total"])


async def targets_of(
    scope: TargetScope, months: Mapping[int, date]
) -> dict[int, dict[str, tuple[Decimal, str]]]:
    """The targets set for these people's months ({user: month}): {user: {metric: (amount,
    currency)}}, one query per month (usually one) and chunk of ids."""
    by_month: dict[date, list[int]] = defaultdict(list)
    for uid, month in months.items():
        by_month[month_of(month)].append(uid)
    found: dict[int, dict[str, tuple[Decimal, str]]] = defaultdict(dict)
    for month, members in by_month.items():
        for chunk in db.chunks(sorted(members)):
            rows = await Target.filter(scope=scope, user_id__in=chunk, month=month).values_list(
                "user_id", "metric", "amount", "currency"
            )
            for user_id, metric, amount, currency in rows:
                found[user_id][str(metric)] = (Decimal(str(amount)), currency)
    return found


def figures(
    targets: Mapping[str, tuple[Decimal, str]], done: Mapping[str, Mapping[str, Decimal]]
) -> list[Figure]:
    """Attainment per metric that has a target, in the order won, collected, visits."""
    shown = []
    for metric in METRICS:
        if metric.value not in targets:
            continue
        amount, currency = targets[metric.value]
        sums = done.get(metric.value, {})
        others = tuple(sorted((c, v) for c, v in sums.items() if c != currency and v))
        shown.append(Figure(metric.value, currency, amount, sums.get(currency, Decimal(0)), others))
    return shown


def _added(results: Results, members: Iterable[int]) -> dict[str, dict[str, Decimal]]:
    total: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for uid in members:
        for metric, sums in results.get(uid, {}).items():
            for currency, value in sums.items():
                total[metric][currency] = total[metric].get(currency, Decimal(0)) + value
    return total


class Dated(Protocol):
    """Someone whose attainment is asked for: their zone and the day it is for them (a
    digest's or summary's recipient)."""

    @property
    def user_id(self) -> int: ...

    @property
    def timezone(self) -> str: ...

    @property
    def local_date(self) -> date: ...


@dataclass(frozen=True, slots=True)
class Person:
    """A `Dated` made by hand (the month-end job, the command line)."""

    user_id: int
    timezone: str
    local_date: date


async def rep_attainment(people: Sequence[Dated]) -> dict[int, list[Figure]]:
    """For the morning digest: each person's figures for their own month (only the metrics
    with a target; people without any are absent). A few queries for any number of people."""
    months = {p.user_id: month_of(p.local_date) for p in people}
    targets = await targets_of(TargetScope.REP, months)
    if not targets:
        return {}
    zones = {
        p.user_id: (p.timezone, month_of(p.local_date)) for p in people if p.user_id in targets
    }
    done = await results(zones)
    return {uid: figures(targets[uid], done.get(uid, {})) for uid in zones}


@dataclass(slots=True)
class TeamBoard:
    """A manager's month: the team's figures (if it has targets) and each rep's that has."""

    team: list[Figure] = field(default_factory=list)
    reps: list[tuple[int, str, list[Figure]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.team and not self.reps

    def params(self) -> dict[str, Any]:
        return {
            "team": [f.params() for f in self.team],
            "reps": [[uid, name, [f.params() for f in figs]] for uid, name, figs in self.reps],
        }

    @classmethod
    def from_params(cls, values: Mapping[str, Any] | None) -> TeamBoard:
        values = values or {}
        return cls(
            [Figure.from_params(f) for f in values.get("team", [])],
            [
                (int(uid), str(name), [Figure.from_params(f) for f in figs])
                for uid, name, figs in values.get("reps", [])
            ],
        )


async def team_attainment(
    managers: Sequence[Dated], teams: Mapping[int, Sequence[int]]
) -> dict[int, TeamBoard]:
    """For the managers' summaries: per manager the team's attainment and every rep's with a
    target, each measured in the rep's own zone for the manager's month. Set-based: one
    users query, the targets, and one `results` for everyone involved."""
    members = sorted({u for m in managers for u in teams.get(m.user_id, ())})
    people = {uid: (name, tz) for uid, name, tz in await _people_named(members)}
    month_for: dict[int, date] = {}
    for m in managers:
        for uid in teams.get(m.user_id, ()):
            month_for.setdefault(uid, month_of(m.local_date))
    rep_targets = await targets_of(TargetScope.REP, month_for)
    team_targets = await targets_of(
        TargetScope.TEAM, {m.user_id: month_of(m.local_date) for m in managers}
    )
    anything = bool(rep_targets) or bool(team_targets)
    measured = {uid: (people.get(uid, ("", "UTC"))[1], m) for uid, m in month_for.items()}
    done = await results(measured) if anything else {}
    boards: dict[int, TeamBoard] = {}
    for m in managers:
        board = TeamBoard()
        team = teams.get(m.user_id, ())
        if m.user_id in team_targets:
            board.team = figures(team_targets[m.user_id], _added(done, team))
        for uid in team:
            if uid in rep_targets:
                name = people.get(uid, ("?", ""))[0]
                board.reps.append((uid, name, figures(rep_targets[uid], done.get(uid, {}))))
        boards[m.user_id] = board
    return boards


async def _people_named(ids: Sequence[int]) -> list[tuple[int, str, str]]:
    rows: list[tuple[int, str, str]] = []
    for chunk in db.chunks(list(ids)):
        rows += await User.filter(id__in=chunk).values_list("id", "name", "timezone")
    return rows


async def team_members(manager_ids: Sequence[int]) -> dict[int, list[int]]:
    """Everyone active below each manager at any depth, from one users query."""
    reports: dict[int, list[int]] = defaultdict(list)
    active: set[int] = set()
    for uid, boss, is_active in await User.all().values_list("id", "manager_id", "active"):
        if is_active:
            active.add(uid)
        if boss is not None:
            reports[boss].append(uid)
    teams: dict[int, list[int]] = {}
    for manager in manager_ids:
        seen: set[int] = set()
        stack = list(reports[manager])
        while stack:
            uid = stack.pop()
            if uid in seen or uid == manager:
                continue
            seen.add(uid)
            stack.extend(reports[uid])
        teams[manager] = sorted(seen & active)
    return teams


# --- the leaderboard -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Standing:
    """One rep on the leaderboard: what they did this month per metric (in the board's
    currency for amounts) and their targets (None where none is set)."""

    user_id: int
    name: str
    done: dict[str, Decimal]
    targets: dict[str, Decimal | None]

    def share(self, metric: str) -> float:
        target = self.targets.get(metric)
        return float(self.done.get(metric, 0) / target) if target else -1.0


@dataclass(frozen=True, slots=True)
class Board:
    """The month's leaderboard of the reps an actor may see, the best first."""

    month: date
    currency: str
    standings: list[Standing]
    total: int  # reps in scope (the board shows the best BOARD_SIZE)
    on_target: int = 0  # reps in scope at or above their target for deals won
    other_currencies: dict[str, Decimal] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(
            any(s.done.values()) or any(v for v in s.targets.values()) for s in self.standings
        )


async def leaderboard(actor: User, *, now: datetime, tz: ZoneInfo, currency: str) -> Board:
    """Reps in `actor`'s scope (a rep: themselves) ranked by deals won against their target
    this month (then by amount won), with collected and visits; amounts in `currency`, what
    was won or collected in other currencies summed apart for the caption."""
    month = month_of(now.astimezone(tz).date())
    scope = await scope_for(actor)
    query = User.filter(active=True, role=Role.REP)
    if scope.owner_ids is not None:
        query = query.filter(id__in=sorted(scope.owner_ids))
    people = await query.values_list("id", "name", "timezone")
    months = {uid: month for uid, _, _ in people}
    targets = await targets_of(TargetScope.REP, months)
    done = await results({uid: (zone, month) for uid, _, zone in people})
    others: dict[str, Decimal] = defaultdict(Decimal)
    standings = []
    for uid, name, _ in people:
        mine = done.get(uid, {})
        amounts: dict[str, Decimal] = {}
        for metric in METRICS:
            key = "" if metric == TargetMetric.VISITS else currency
            amounts[metric.value] = mine.get(metric.value, {}).get(key, Decimal(0))
            if metric in AMOUNT_METRICS:
                for code, value in mine.get(metric.value, {}).items():
                    if code != currency and value:
                        others[code] += value
        wanted: dict[str, Decimal | None] = {}
        for metric in METRICS:
            set_to = targets.get(uid, {}).get(metric.value)
            matches = set_to is not None and (
                metric == TargetMetric.VISITS or set_to[1] == currency
            )
            wanted[metric.value] = set_to[0] if set_to is not None and matches else None
        standings.append(Standing(uid, name, amounts, wanted))
    standings.sort(
        key=lambda s: (
            -s.share(TargetMetric.WON.value),
            -s.done[TargetMetric.WON.value],
            -s.done[TargetMetric.VISITS.value],
            s.name,
        )
    )
    on = sum(1 for s in standings if s.share(TargetMetric.WON.value) >= 1)
    return Board(month, currency, standings[:BOARD_SIZE], len(standings), on, dict(others))


# --- the month's end -------------------------------------------------------------------------


async def month_end_people(candidates: Sequence[Dated]) -> tuple[set[int], set[int]]:
    """Of people whose local day is their month's last, the reps with a target and the
    managers whose team (or one of its reps) has one: who gets the month-end summary."""
    last = [p for p in candidates if p.local_date == last_day(month_of(p.local_date))]
    if not last:
        return set(), set()
    roles = dict(await User.filter(id__in=[p.user_id for p in last]).values_list("id", "role"))
    months = {p.user_id: month_of(p.local_date) for p in last}
    reps = {u for u in months if roles.get(u) == Role.REP}
    managers = {u for u in months if roles.get(u) == Role.MANAGER}
    with_target = set(await targets_of(TargetScope.REP, {u: months[u] for u in reps}))
    teams = await team_members(sorted(managers))
    team_targets = set(await targets_of(TargetScope.TEAM, {u: months[u] for u in managers}))
    member_months = {u: months[m] for m in managers for u in teams[m]}
    member_targets = set(await targets_of(TargetScope.REP, member_months))
    leading = {m for m in managers if m in team_targets or member_targets & set(teams[m])}
    return with_target, leading


# --- a spreadsheet of targets ------------------------------------------------------------------


COLUMNS: dict[str, tuple[str, ...]] = {
    "rep": ("rep", "name", "user", "user_id", "id", "销售", "业务员", "姓名", "负责人", "人员"),
    "month": ("month", "月份", "月", "年月"),
    "won": ("won", "deals_won", "成交", "成交额", "成交金额", "赢单", "赢单金额"),
    "collected": ("collected", "collections", "回款", "回款额", "回款金额"),
    "visits": ("visits", "拜访", "拜访次数", "拜访量"),
    "currency": ("currency", "币种", "货币"),
}


@dataclass(frozen=True, slots=True)
class RowResult:
    """One row of a target file: its line, whom it named, how many targets it set, or why it
    was skipped (a refusal code and its detail)."""

    line: int
    who: str
    set: int = 0
    reason: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ImportReport:
    rows: list[RowResult]

    @property
    def targets_set(self) -> int:
        return sum(r.set for r in self.rows)

    @property
    def skipped(self) -> list[RowResult]:
        return [r for r in self.rows if r.reason]


def _columns(cells: Sequence[Any]) -> dict[str, int]:
    names = [str(c or "").strip().lower().replace(" ", "_").lstrip("*") for c in cells]
    found: dict[str, int] = {}
    for key, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases and key not in found:
                found[key] = index
    missing = [k for k in ("rep", "month") if k not in found]
    if missing:
        raise InvalidInput("columns_missing", ", ".join(missing))
    if not {"won", "collected", "visits"} & set(found):
        raise InvalidInput("columns_missing", "won / collected / visits")
    return found


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return " ".join(str(value).split())


def _cell_month(value: Any, *, now: datetime, tz: ZoneInfo) -> date | None:
    if isinstance(value, datetime):
        return month_of(value.date())
    if isinstance(value, date):
        return month_of(value)
    text = _text(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return month_of(date.fromisoformat(text))
    return read_month(text, now=now, tz=tz)


def _cell_amount(value: Any, currency: str) -> tuple[Decimal, str]:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value)), currency
    amount, named = parse_money(_text(value))
    return amount, named or currency


def _cell_count(value: Any) -> Decimal:
    text = _text(value).replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation as bad:
        raise InvalidInput("target_visits_invalid") from bad


async def import_targets(
    actor: User,
    table: Sequence[Sequence[Any]],
    *,
    now: datetime,
    tz: ZoneInfo,
    currency: str,
) -> ImportReport:
    """Set the targets a spreadsheet lists (a header row, then one row per person and month:
    rep by name or id, month, won, collected, visits, currency), row by row: a row with any
    bad value is skipped whole with its reason, the others are set (replacing what was there).
    A manager named in the rep column sets their team's target."""
    if not table:
        raise InvalidInput("file_empty")
    if not can_set_targets(actor):
        raise PermissionDenied()
    columns = _columns(table[0])
    may = await assignees(actor)
    by_id = {a.user_id: a for a in may}
    by_name: dict[str, list[Assignee]] = defaultdict(list)
    for a in may:
        by_name[" ".join(a.name.split()).casefold()].append(a)

    def cell(cells: Sequence[Any], key: str) -> Any:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    rows: list[RowResult] = []
    writes: dict[tuple[TargetScope, int, date, TargetMetric], tuple[Decimal, str]] = {}
    for line, cells in enumerate(table[1:], start=2):
        if not any(_text(c) for c in cells):
            continue
        who = _text(cell(cells, "rep"))
        found = _assignee(who, by_id, by_name)
        if isinstance(found, str):
            rows.append(RowResult(line, who, reason=found, detail=who))
            continue
        raw_month = cell(cells, "month")
        month = _cell_month(raw_month, now=now, tz=tz)
        if month is None:
            rows.append(RowResult(line, who, reason="month_invalid", detail=_text(raw_month)))
            continue
        code = _text(cell(cells, "currency")).upper() or currency
        wanted: list[tuple[TargetMetric, Decimal, str]] = []
        try:
            for metric in METRICS:
                raw = cell(cells, metric.value)
                if not _text(raw):
                    continue
                if metric == TargetMetric.VISITS:
                    amount, cur = _cell_count(raw), ""
                else:
                    amount, cur = _cell_amount(raw, code)
                wanted.append((metric, *clean_amount(metric, amount, cur)))
        except InvalidInput as bad:
            reason = "target_amount_invalid" if bad.code.startswith("amount") else bad.code
            rows.append(RowResult(line, who, reason=reason, detail=bad.detail))
            continue
        if not wanted:
            rows.append(RowResult(line, who, reason="target_row_empty"))
            continue
        for metric, amount, cur in wanted:  # a later row for the same target wins
            writes[(found.scope, found.user_id, month, metric)] = (amount, cur)
        rows.append(RowResult(line, who, set=len(wanted)))
    await _write_many(actor, writes, now=now)
    return ImportReport(rows)


async def _write_many(
    actor: User,
    writes: Mapping[tuple[TargetScope, int, date, TargetMetric], tuple[Decimal, str]],
    *,
    now: datetime,
) -> None:
    """Many targets in one transaction: the existing rows locked and updated in bulk, the new
    ones created in bulk, one audit event for them all."""
    if not writes:
        return
    users = sorted({uid for _, uid, _, _ in writes})
    months = sorted({m for _, _, m, _ in writes})
    async with in_transaction():
        existing: dict[tuple[str, int, date, str], Target] = {}
        for chunk in db.chunks(users):
            for row in await Target.filter(user_id__in=chunk, month__in=months).select_for_update():
                existing[(str(row.scope), row.user_id, row.month, str(row.metric))] = row
        changed: list[Target] = []
        new: list[Target] = []
        for (scope, uid, month, metric), (amount, cur) in writes.items():
            row = existing.get((scope.value, uid, month, metric.value))
            if row is None:
                row = Target(scope=scope, user_id=uid, month=month, metric=metric)
                new.append(row)
            else:
                changed.append(row)
            row.amount, row.currency, row.set_by_id, row.updated_at = amount, cur, actor.id, now
        if changed:
            await Target.bulk_update(
                changed, fields=["amount", "currency", "set_by_id", "updated_at"], batch_size=500
            )
        if new:
            await Target.bulk_create(new, batch_size=500)
        await audit.record(
            actor.id,
            "target.import",
            "target",
            None,
            after={"created": len(new), "replaced": len(changed)},
        )


def _assignee(
    who: str, by_id: Mapping[int, Assignee], by_name: Mapping[str, list[Assignee]]
) -> Assignee | str:
    """The person a row names (an id, or a name among those the importer may set for), or
    the reason it names nobody usable."""
    if not who:
        return "target_person_missing"
    if who.isdigit():
        return by_id.get(int(who)) or "target_person_unknown"
    named = by_name.get(who.casefold(), [])
    if len(named) > 1:
        return "target_person_ambiguous"
    return named[0] if named else "target_person_unknown"


# --- what /target shows ----------------------------------------------------------------------


async def month_board(actor: User, *, month: date) -> TeamBoard:
    """The month's targets an actor looks after, with attainment: a manager's team and its
    reps, an admin's every rep with a target (the team line is a manager's own)."""
    if actor.role == Role.ADMIN:
        everyone = await User.filter(active=True).exclude(id=actor.id).values_list("id", flat=True)
        teams: dict[int, list[int]] = {actor.id: sorted(everyone)}
    else:
        teams = await team_members([actor.id])
    me = Person(actor.id, actor.timezone, month)
    return (await team_attainment([me], teams))[actor.id]


async def attainment_of(scope: TargetScope, user_id: int, month: date) -> list[Figure]:
    """One rep's or one team's figures for a month (after a target is set)."""
    person = await User.get(id=user_id)
    me = Person(user_id, person.timezone, month)
    if scope == TargetScope.REP:
        return (await rep_attainment([me])).get(user_id, [])
    return (await team_attainment([me], await team_members([user_id])))[user_id].team


async def current_target(
    scope: TargetScope, user_id: int, month: date, metric: TargetMetric
) -> tuple[Decimal, str] | None:
    """The target already set (amount, currency), which a new one would replace."""
    row = await Target.filter(
        scope=scope, user_id=user_id, month=month_of(month), metric=metric
    ).first()
    return (Decimal(str(row.amount)), row.currency) if row is not None else None
