"""What the bot says first, as data: morning digests, evening summaries, follow-up reminders.

Everything is computed set-based for many people at once: a handful of queries for all reps (one
per query kind, chunked), never a query per rep. Results are JSON-able so the outbox stores them
and the dialog layer renders them in each recipient's language at send time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from bot import db
from bot.clock import day_bounds, zone
from bot.models import Customer, CustomerStatus, Role, User, Visit
from bot.services.discipline import daily_reports, ladder, pool, targets
from bot.services.finance import approvals, deals, receivables
from bot.services.records import tasks

MAX_FOLLOWUPS = 6
MAX_DORMANT = 3
MAX_POOLED = 8
DATE_ONLY = time(9, 0)  # the date parser's time for "friday": such follow-ups are date-only


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who gets a scheduled message, and the local day it is for."""

    user_id: int
    timezone: str
    local_date: date


# --- who is due ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueRun:
    """People whose local firing time passed within the grace window, and those it missed."""

    due: list[Recipient]
    missed: list[Recipient]


async def due_recipients(
    roles: Sequence[Role],
    *,
    at: time,
    now: datetime,
    grace: timedelta,
    only: Sequence[int] | None = None,
) -> DueRun:
    """Active users of `roles` whose local `at` today (or yesterday) is in (now - grace, now].

    Firings older than the grace window (the bot was down) are returned as missed, so the
    caller can log and record them instead of sending a stale digest.
    """
    query = User.filter(active=True, role__in=[str(r) for r in roles])
    if only is not None:
        query = query.filter(id__in=list(only))
    due: list[Recipient] = []
    missed: list[Recipient] = []
    by_zone: dict[str, list[int]] = defaultdict(list)
    for uid, tz in await query.values_list("id", "timezone"):
        by_zone[tz].append(uid)
    for tz_name, ids in by_zone.items():
        tz = zone(tz_name)
        today = now.astimezone(tz).date()
        for day in (today - timedelta(days=1), today):
            fire = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
            if fire > now:
                continue
            target = due if now - fire <= grace else missed
            if target is missed and day != today:
                continue  # yesterday's run, long gone: only today's miss is worth a log line
            target.extend(Recipient(uid, tz_name, day) for uid in ids)
    return DueRun(due, missed)


async def recipients_now(user_ids: Sequence[int], *, now: datetime) -> list[Recipient]:
    """Users as recipients for their local today (the command line's "send it now")."""
    rows = await User.filter(id__in=list(user_ids)).values_list("id", "timezone")
    return [Recipient(uid, tz, now.astimezone(zone(tz)).date()) for uid, tz in rows]


# --- the morning digest ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """One customer to act on, with when it was due or last contacted (ISO, UTC)."""

    customer_id: int
    name: str
    when: str | None
    overdue: bool = False


@dataclass(slots=True)
class Digest:
    """A rep's morning: follow-ups due today and overdue, and customers gone quiet."""

    user_id: int
    local_date: str
    due_today: int = 0
    overdue: int = 0
    dormant: int = 0
    dormant_days: int = 30
    followups: list[Item] = field(default_factory=list)
    quiet: list[Item] = field(default_factory=list)
    # Money side: {currency: [due within 7 days, overdue]} as decimal strings (JSON params).
    receivables: dict[str, list[str]] = field(default_factory=dict)
    tasks_due: int = 0
    tasks: list[list[Any]] = field(default_factory=list)  # [task_id, text, due ISO or None]
    approvals_waiting: int = 0
    # Going back to the public pool soon: {"count": n, "items": [[id, name, returns ISO], ...]}.
    pool_warnings: dict[str, Any] = field(default_factory=dict)
    targets: list[list[Any]] = field(default_factory=list)  # this month's attainment (Figure)

    @property
    def empty(self) -> bool:
        return not (
            self.due_today
            or self.overdue
            or self.dormant
            or self.receivables
            or self.tasks_due
            or self.approvals_waiting
            or self.pool_warnings
            or self.targets
        )

    def params(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Digest:
        values = dict(params)
        values["followups"] = [Item(**i) for i in values.get("followups", [])]
        values["quiet"] = [Item(**i) for i in values.get("quiet", [])]
        return cls(**values)


async def build_digests(
    recipients: Sequence[Recipient],
    *,
    now: datetime,
    dormant_days: int,
    pool_rules: pool.PoolRules | None = None,
) -> dict[int, Digest]:
    """Every recipient's digest in a few queries (open follow-ups, quiet customers, names)."""
    digests = {r.user_id: Digest(r.user_id, r.local_date.isoformat()) for r in recipients}
    if not recipients:
        return digests
    bounds = {r.user_id: day_bounds(r.local_date, zone(r.timezone)) for r in recipients}
    latest_end = max(end for _, end in bounds.values())
    ids = sorted(digests)
    shown: dict[int, list[tuple[int, datetime, bool]]] = defaultdict(list)
    listed: set[int] = set()  # customers with a follow-up due: not "quiet" on the same page
    for chunk in db.chunks(ids):
        rows = (
            await Visit.filter(
                followup_done_at__isnull=True,
                followup_owner_id__in=chunk,
                next_followup_at__lt=latest_end,
            )
            .order_by("next_followup_at", "id")
            .values_list("followup_owner_id", "customer_id", "next_followup_at")
        )
        for owner, customer_id, due in rows:
            start, end = bounds[owner]
            if due >= end:
                continue
            listed.add(customer_id)
            digest = digests[owner]
            overdue = due < start
            if overdue:
                digest.overdue += 1
            else:
                digest.due_today += 1
            if len(shown[owner]) < MAX_FOLLOWUPS:
                shown[owner].append((customer_id, due, overdue))
    cutoff = now - timedelta(days=dormant_days)
    quiet: dict[int, list[tuple[int, datetime | None]]] = defaultdict(list)
    never: dict[int, list[tuple[int, datetime | None]]] = defaultdict(list)
    for chunk in db.chunks(ids):
        dormant = Customer.filter(
            Q(owner_id__in=chunk)
            & ~Q(status=CustomerStatus.INACTIVE)
            & (Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True))
        )
        # The longest-silent few per rep: never-contacted first (on every database), then the
        # oldest contact; one pass over the rows, ordered by the database.
        rows = await dormant.order_by("last_contact_at", "id").values_list(
            "owner_id", "id", "last_contact_at"
        )
        for owner, customer_id, last in rows:
            if customer_id in listed:
                continue
            digests[owner].dormant += 1
            bucket = never[owner] if last is None else quiet[owner]
            if len(bucket) < MAX_DORMANT:
                bucket.append((customer_id, last))
    for owner, silent in never.items():
        quiet[owner] = (silent + quiet[owner])[:MAX_DORMANT]
    for digest in digests.values():
        digest.dormant_days = dormant_days
    wanted = {c for items in shown.values() for c, _, _ in items}
    wanted |= {c for items in quiet.values() for c, _ in items}
    names = await _names(wanted)
    for owner, items in shown.items():
        digests[owner].followups = [
            Item(c, names.get(c, "?"), due.isoformat(), overdue) for c, due, overdue in items
        ]
    for owner, items in quiet.items():
        digests[owner].quiet = [
            Item(c, names.get(c, "?"), last.isoformat() if last else None) for c, last in items
        ]
    await _add_money(digests, recipients, latest_end)
    if pool_rules is not None:
        for owner, (count, soon) in (await pool.warnings(ids, pool_rules, now=now)).items():
            items = [[w.customer_id, w.name, w.returns_at.isoformat()] for w in soon]
            digests[owner].pool_warnings = {"count": count, "items": items}
    for uid, figures in (await targets.rep_attainment(recipients)).items():
        digests[uid].targets = [f.params() for f in figures]
    return digests


async def _add_money(
    digests: dict[int, Digest], recipients: Sequence[Recipient], until: datetime
) -> None:
    """Receivables due this week and overdue, due tasks, approvals waiting: one query each."""

    ids = sorted(digests)
    today = min(r.local_date for r in recipients)
    for owner, per_currency in (await receivables.digest_amounts(ids, today=today)).items():
        digests[owner].receivables = {
            cur: [str(v["due_week"]), str(v["overdue"])] for cur, v in per_currency.items()
        }
    for assignee, due in (await tasks.due_for(ids, until=until)).items():
        digests[assignee].tasks_due = len(due)
        digests[assignee].tasks = [
            [task.id, task.text, task.due_at.isoformat() if task.due_at else None]
            for task in due[:MAX_FOLLOWUPS]
        ]
    for approver, count in (await approvals.waiting_counts(ids)).items():
        digests[approver].approvals_waiting = count


async def _names(customer_ids: set[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for chunk in db.chunks(sorted(customer_ids)):
        names.update(await Customer.filter(id__in=chunk).values_list("id", "name"))
    return names


# --- the evening summary ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepDay:
    """One rep's day as the manager sees it."""

    user_id: int
    name: str
    visits: int
    new_customers: int
    missed: int
    far: int = 0  # check-ins marked as far from the customer's known place
    rushed: int = 0  # check-ins after a journey too fast to be real
    far_out: int = 0  # check-outs far from the customer's known place
    minutes: int = 0  # minutes on site over the day's checked-out visits


@dataclass(slots=True)
class Summary:
    """A manager's evening: per rep visits, new customers and follow-ups missed today."""

    user_id: int
    local_date: str
    reps: list[RepDay] = field(default_factory=list)
    approvals_waiting: int = 0
    # {"created"|"moved"|"won"|"lost": [count, [[currency, amount], ...]]}, amounts as strings.
    deals: dict[str, list[Any]] = field(default_factory=dict)
    # {previous working day ISO: names of the team who sent no daily report for it}
    no_report: dict[str, list[str]] = field(default_factory=dict)
    # Gone back to the public pool today from the team: {"count": n, "items": [[id, name,
    # previous owner's name], ...]} (the first few).
    pooled: dict[str, Any] = field(default_factory=dict)
    # Follow-ups overdue past the ladder's manager step: {"total": n, "items": [...]}.
    ladder: dict[str, Any] = field(default_factory=dict)
    targets: dict[str, Any] = field(default_factory=dict)  # the month's attainment (TeamBoard)

    @property
    def empty(self) -> bool:
        return not self.reps and not self.approvals_waiting and not self.pooled

    def params(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Summary:
        values = dict(params)
        values["reps"] = [RepDay(**r) for r in values.get("reps", [])]
        return cls(**values)


async def build_summaries(
    recipients: Sequence[Recipient],
    *,
    now: datetime,
    manager_days: int = 2,
    risk_days: int = 4,
) -> dict[int, Summary]:
    """Every manager's summary: the team tree from one users query, then grouped counts;
    `manager_days` and `risk_days` are the follow-up ladder's steps (`ladder`)."""
    summaries = {r.user_id: Summary(r.user_id, r.local_date.isoformat()) for r in recipients}
    if not recipients:
        return summaries
    people = await User.all().values_list("id", "name", "manager_id", "active")
    reports: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    active: set[int] = set()
    for uid, name, boss, is_active in people:
        names[uid] = name
        if is_active:
            active.add(uid)
        if boss is not None:
            reports[boss].append(uid)
    teams: dict[int, list[int]] = {}
    for r in recipients:
        seen: list[int] = []
        stack = list(reports[r.user_id])
        while stack:
            uid = stack.pop()
            if uid in seen or uid == r.user_id:
                continue
            seen.append(uid)
            stack.extend(reports[uid])
        teams[r.user_id] = sorted(u for u in seen if u in active)
    # Managers in one time zone share a day: one set of grouped counts per (zone, day).
    groups: dict[tuple[str, date], list[Recipient]] = defaultdict(list)
    for r in recipients:
        groups[(r.timezone, r.local_date)].append(r)
    for (tz_name, day), members in groups.items():
        start, end = day_bounds(day, zone(tz_name))
        team = sorted({u for m in members for u in teams[m.user_id]})
        visits: dict[int, int] = {}
        created: dict[int, int] = {}
        missed: dict[int, int] = {}
        far: dict[int, int] = {}
        rushed: dict[int, int] = {}
        far_out: dict[int, int] = {}
        on_site: dict[int, int] = {}
        for chunk in db.chunks(team):
            on_site.update(
                await Visit.filter(
                    user_id__in=chunk, at__gte=start, at__lt=end, minutes_on_site__isnull=False
                )
                .annotate(n=Sum("minutes_on_site"))
                .group_by("user_id")
                .values_list("user_id", "n")
            )
            for marked, flag in ((far, "far"), (rushed, "too_fast"), (far_out, "checkout_far")):
                marked.update(
                    await Visit.filter(user_id__in=chunk, at__gte=start, at__lt=end, **{flag: True})
                    .annotate(n=Count("id"))
                    .group_by("user_id")
                    .values_list("user_id", "n")
                )
            visits.update(
                await Visit.filter(user_id__in=chunk, at__gte=start, at__lt=end)
                .annotate(n=Count("id"))
                .group_by("user_id")
                .values_list("user_id", "n")
            )
            created.update(
                await Customer.filter(owner_id__in=chunk, created_at__gte=start, created_at__lt=end)
                .annotate(n=Count("id"))
                .group_by("owner_id")
                .values_list("owner_id", "n")
            )
            missed.update(
                await Visit.filter(
                    followup_owner_id__in=chunk,
                    followup_done_at__isnull=True,
                    next_followup_at__gte=start,
                    next_followup_at__lt=min(end, now),
                )
                .annotate(n=Count("id"))
                .group_by("followup_owner_id")
                .values_list("followup_owner_id", "n")
            )
        for m in members:
            summaries[m.user_id].reps = [
                RepDay(
                    u,
                    names[u],
                    visits.get(u, 0),
                    created.get(u, 0),
                    missed.get(u, 0),
                    far.get(u, 0),
                    rushed.get(u, 0),
                    far_out.get(u, 0),
                    int(on_site.get(u) or 0),
                )
                for u in teams[m.user_id]
            ]

        moves = await deals.stage_moves(team, since=start, until=end)
        for m in members:
            summaries[m.user_id].deals = deals.tally(moves, set(teams[m.user_id]))
        returned = await pool.returned_between(team, since=start, until=end)
        for m in members:
            mine = [[c, name, who] for c, name, owner, who in returned if owner in teams[m.user_id]]
            if mine:
                summaries[m.user_id].pooled = {"count": len(mine), "items": mine[:MAX_POOLED]}

    for approver, count in (await approvals.waiting_counts(sorted(summaries))).items():
        summaries[approver].approvals_waiting = count
    for boss, (day, late) in (await daily_reports.unsent(teams, recipients)).items():
        summaries[boss].no_report = {day.isoformat(): [names[u] for u in late]}
    days = {r.user_id: (r.local_date, zone(r.timezone)) for r in recipients}
    late = await ladder.escalated(teams, days, manager_days=manager_days, risk_days=risk_days)
    for manager, listed in late.items():
        summaries[manager].ladder = listed
    for manager, board in (await targets.team_attainment(recipients, teams)).items():
        summaries[manager].targets = board.params() if not board.empty else {}
    return summaries


# --- reminders at the follow-up's time -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reminder:
    """A follow-up with a time of day that has come."""

    visit_id: int
    user_id: int
    customer_id: int
    name: str
    due_at: str
    notes: str

    @property
    def key(self) -> str:
        return f"remind:{self.visit_id}:{self.due_at[:16]}"

    def params(self) -> dict[str, Any]:
        return asdict(self)


async def due_reminders(*, now: datetime, grace: timedelta) -> list[Reminder]:
    """Open follow-ups due in (now - grace, now] whose local time is not the date-only 09:00."""
    rows = await Visit.filter(
        followup_done_at__isnull=True,
        next_followup_at__gt=now - grace,
        next_followup_at__lte=now,
        followup_owner__active=True,
    ).values(
        "id",
        "followup_owner_id",
        "customer_id",
        "customer__name",
        "next_followup_at",
        "notes",
        "followup_owner__timezone",
    )
    reminders = []
    for row in rows:
        due: datetime = row["next_followup_at"]
        local = due.astimezone(zone(row["followup_owner__timezone"]))
        if local.time() == DATE_ONLY:
            continue  # a date-only follow-up: it is in the morning digest, no separate ping
        reminders.append(
            Reminder(
                row["id"],
                row["followup_owner_id"],
                row["customer_id"],
                row["customer__name"],
                due.astimezone(UTC).isoformat(),
                (row["notes"] or "")[:200],
            )
        )
    return reminders
