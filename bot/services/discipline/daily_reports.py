"""The daily report (日报): what a rep did in a day, gathered for many reps at once, kept once per
rep and day, sent to the manager, commented on.

The bot drafts a report from the records (contacts logged, deals moved, money collected, the next
working day's follow-ups); the words are the dialogs', chosen per rep, so this module gathers
facts and keeps the rows. On Friday the report covers the week (周报). A report is one row per
rep and local day (unique), so two ticks or two instances never draft it twice; sending is a
conditional UPDATE (draft → sent), so two taps on Send deliver it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from bot import db
from bot.clock import day_bounds, zone
from bot.messages import Later
from bot.models import (
    DailyReport,
    DealStageChange,
    Payment,
    ReportComment,
    ReportStatus,
    Role,
    User,
    Visit,
)
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.finance import money
from bot.services.notify import outbox
from bot.services.people.permissions import scope_for

MAX_ITEMS = 12  # lines per section of a draft; the rest is counted
NOTE_CHARS = 80  # a contact's notes, cut to one short line
MAX_DRAFT = 3500  # a report as the rep edits it (fits one Telegram message with its header)
MAX_LINE = 1000  # a line the rep adds, typed or said
MAX_COMMENT = 1000
FRIDAY = 4


class Recipient(Protocol):
    """Whose report, for which local day (the scheduler's recipients fit this)."""

    @property
    def user_id(self) -> int: ...

    @property
    def timezone(self) -> str: ...

    @property
    def local_date(self) -> date: ...


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def covers(day: date) -> tuple[date, bool]:
    """The first day a report of `day` covers, and whether it is the week's (Friday: Mon–Fri)."""
    if day.weekday() == FRIDAY:
        return day - timedelta(days=FRIDAY), True
    return day, False


def next_working_day(day: date) -> date:
    step = day + timedelta(days=1)
    while not is_working_day(step):
        step += timedelta(days=1)
    return step


def previous_working_day(day: date) -> date:
    step = day - timedelta(days=1)
    while not is_working_day(step):
        step -= timedelta(days=1)
    return step


def _short(text: str, size: int = NOTE_CHARS) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


# --- the facts of a day ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contact:
    customer: str
    kind: str
    at: datetime
    notes: str


@dataclass(frozen=True, slots=True)
class Move:
    title: str
    customer: str
    from_stage: str | None
    to_stage: str


@dataclass(frozen=True, slots=True)
class Due:
    customer: str
    at: datetime


@dataclass(slots=True)
class DayFacts:
    """What a rep's report is drafted from; lists are cut to `MAX_ITEMS`, totals are whole."""

    user_id: int
    day: date
    first_day: date
    weekly: bool
    next_day: date
    contacts: list[Contact] = field(default_factory=list)
    contacts_total: int = 0
    moves: list[Move] = field(default_factory=list)
    moves_total: int = 0
    collected: dict[str, Decimal] = field(default_factory=dict)
    followups: list[Due] = field(default_factory=list)
    followups_total: int = 0

    @property
    def empty(self) -> bool:
        return not (self.contacts_total or self.moves_total or self.collected or self.followups)


async def gather(recipients: Sequence[Recipient]) -> dict[int, DayFacts]:
    """Every recipient's day (or week, on Friday) in four queries per chunk of reps."""
    facts: dict[int, DayFacts] = {}
    windows: dict[int, tuple[datetime, datetime]] = {}
    ahead: dict[int, tuple[datetime, datetime]] = {}
    for r in recipients:
        first, weekly = covers(r.local_date)
        following = next_working_day(r.local_date)
        facts[r.user_id] = DayFacts(r.user_id, r.local_date, first, weekly, following)
        windows[r.user_id] = (
            day_bounds(first, zone(r.timezone))[0],
            day_bounds(r.local_date, zone(r.timezone))[1],
        )
        ahead[r.user_id] = day_bounds(following, zone(r.timezone))
    if not facts:
        return facts
    since = min(start for start, _ in windows.values())
    until = max(end for _, end in windows.values())
    first_day = min(f.first_day for f in facts.values())
    last_day = max(f.day for f in facts.values())
    ahead_from = min(start for start, _ in ahead.values())
    ahead_to = max(end for _, end in ahead.values())
    for chunk in db.chunks(sorted(facts)):
        visits = (
            await Visit.filter(user_id__in=chunk, at__gte=since, at__lt=until)
            .order_by("at", "id")
            .values_list("user_id", "customer__name", "kind", "at", "notes")
        )
        for uid, name, kind, at, notes in visits:
            start, end = windows[uid]
            if not start <= at < end:
                continue
            day = facts[uid]
            day.contacts_total += 1
            if len(day.contacts) < MAX_ITEMS:
                day.contacts.append(Contact(name, str(kind), at, _short(notes)))
        moves = (
            await DealStageChange.filter(deal__owner_id__in=chunk, at__gte=since, at__lt=until)
            .order_by("at", "id")
            .values_list(
                "deal__owner_id",
                "deal__title",
                "deal__customer__name",
                "from_stage",
                "to_stage",
                "at",
            )
        )
        for uid, title, name, from_stage, to_stage, at in moves:
            start, end = windows[uid]
            if not start <= at < end:
                continue
            day = facts[uid]
            day.moves_total += 1
            if len(day.moves) < MAX_ITEMS:
                day.moves.append(
                    Move(title, name, str(from_stage) if from_stage else None, str(to_stage))
                )
        payments = await Payment.filter(
            customer__owner_id__in=chunk, paid_on__gte=first_day, paid_on__lte=last_day
        ).values_list("customer__owner_id", "paid_on", "amount", "currency")
        for uid, paid_on, amount, currency in payments:
            day = facts[uid]
            if day.first_day <= paid_on <= day.day:
                day.collected[currency] = day.collected.get(currency, Decimal(0)) + money.cents(
                    amount
                )
        due = (
            await Visit.filter(
                followup_owner_id__in=chunk,
                followup_done_at__isnull=True,
                next_followup_at__gte=ahead_from,
                next_followup_at__lt=ahead_to,
            )
            .order_by("next_followup_at", "id")
            .values_list("followup_owner_id", "customer__name", "next_followup_at")
        )
        for uid, name, at in due:
            start, end = ahead[uid]
            if not start <= at < end:
                continue
            day = facts[uid]
            day.followups_total += 1
            if len(day.followups) < MAX_ITEMS:
                day.followups.append(Due(name, at))
    return facts


async def languages(user_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(locale, time zone) per user: the draft is written in the rep's own words."""
    found: dict[int, tuple[str, str]] = {}
    for chunk in db.chunks(sorted(user_ids)):
        for uid, locale, tz in await User.filter(id__in=chunk).values_list(
            "id", "locale", "timezone"
        ):
            found[uid] = (locale, tz)
    return found


# --- the rows ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Report:
    """A stored report as the dialogs show it."""

    id: int
    user_id: int
    user_name: str
    day: date
    weekly: bool
    draft: str
    note: str
    status: ReportStatus
    sent_at: datetime | None

    @property
    def first_day(self) -> date:
        return covers(self.day)[0]

    @property
    def sent(self) -> bool:
        return self.status == ReportStatus.SENT

    def params(self) -> dict[str, Any]:
        """What a notification about this report carries (rendered in the reader's language)."""
        return {
            "report_id": self.id,
            "user_name": self.user_name,
            "day": self.day.isoformat(),
            "weekly": self.weekly,
            "draft": self.draft,
            "note": self.note,
        }


_FIELDS = ("id", "user_id", "user__name", "day", "weekly", "draft", "note", "status", "sent_at")


def _report(row: tuple[Any, ...]) -> Report:
    rid, uid, name, day, weekly, draft, note, status, sent_at = row
    return Report(rid, uid, name, day, bool(weekly), draft, note, ReportStatus(status), sent_at)


async def store_drafts(
    drafts: Mapping[int, tuple[date, bool, str]], *, now: datetime
) -> list[Report]:
    """Insert each rep's draft unless that rep's report of that day exists (kept as it is: the
    rep's own words are never overwritten); returns the stored rows, new or old."""
    if not drafts:
        return []
    rows = [
        DailyReport(user_id=uid, day=day, weekly=weekly, draft=text[:MAX_DRAFT], created_at=now)
        for uid, (day, weekly, text) in drafts.items()
    ]
    await DailyReport.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    wanted = {(uid, day) for uid, (day, _, _) in drafts.items()}
    days = sorted({day for _, day in wanted})
    found: list[Report] = []
    for chunk in db.chunks(sorted(drafts)):
        for row in await DailyReport.filter(user_id__in=chunk, day__in=days).values_list(*_FIELDS):
            report = _report(row)
            if (report.user_id, report.day) in wanted:
                found.append(report)
    return found


async def find(user_id: int, day: date) -> Report | None:
    row = await DailyReport.filter(user_id=user_id, day=day).values_list(*_FIELDS)
    return _report(row[0]) if row else None


async def create(user: User, day: date, text: str, *, now: datetime) -> Report:
    """The rep's report of `day` drafted now (`/daily` before the set time), or the one there."""
    _, weekly = covers(day)
    [report] = await store_drafts({user.id: (day, weekly, text)}, now=now)
    return report


async def get_visible(actor: User, report_id: int) -> Report:
    """A report its rep, their managers and admins may read; anyone else is told 'not found'."""
    row = await DailyReport.filter(id=report_id).values_list(*_FIELDS)
    if not row:
        raise NotFound()
    report = _report(row[0])
    if report.user_id != actor.id and (
        actor.role not in (Role.MANAGER, Role.ADMIN)
        or not (await scope_for(actor)).allows(report.user_id)
    ):
        raise NotFound()
    return report


async def own_draft(actor: User, report_id: int) -> Report:
    """The actor's own report, still a draft: only then may lines be added or it be edited."""
    report = await get_visible(actor, report_id)
    if report.user_id != actor.id:
        raise PermissionDenied()
    if report.sent:
        raise InvalidInput("report_sent")
    return report


async def add_line(actor: User, report_id: int, line: str) -> Report:
    """Append the rep's own line (typed or said) to an unsent report, in one statement."""
    text = " ".join(line.split())[:MAX_LINE]
    async with in_transaction():
        report = await own_draft(actor, report_id)
        note = f"{report.note}\n{text}" if report.note else text
        changed = await DailyReport.filter(
            id=report_id, status=ReportStatus.DRAFT, note=report.note
        ).update(note=note)
        if not changed:
            raise InvalidInput("report_sent")
    return await get_visible(actor, report_id)


async def replace_draft(actor: User, report_id: int, text: str) -> Report:
    """The rep's own version of the drafted part (their added lines stay as they are)."""
    changed = await DailyReport.filter(
        id=(await own_draft(actor, report_id)).id, status=ReportStatus.DRAFT
    ).update(draft=text.strip()[:MAX_DRAFT])
    if not changed:
        raise InvalidInput("report_sent")
    return await get_visible(actor, report_id)


@dataclass(frozen=True, slots=True)
class Sent:
    """Who got a sent report (names), or that it had been sent already."""

    report: Report
    readers: tuple[str, ...]
    already: bool = False


async def readers_of(user: User) -> list[tuple[int, str]]:
    """The rep's manager; a rep without one reports to the company's admins."""
    if user.manager_id is not None:
        boss = await User.filter(id=user.manager_id, active=True).values_list("id", "name")
        if boss:
            return list(boss)
    return list(
        await User.filter(role=Role.ADMIN, active=True)
        .exclude(id=user.id)
        .order_by("id")
        .values_list("id", "name")
    )


async def send(actor: User, report_id: int, *, now: datetime) -> Sent:
    """draft → sent once (a conditional UPDATE), and the manager's copy queued with it."""
    async with in_transaction():
        report = await get_visible(actor, report_id)
        if report.user_id != actor.id:
            raise PermissionDenied()
        changed = await DailyReport.filter(id=report.id, status=ReportStatus.DRAFT).update(
            status=ReportStatus.SENT, sent_at=now
        )
        if not changed:
            return Sent(report, (), already=True)
        readers = await readers_of(actor)
        sent = await get_visible(actor, report_id)
        for reader_id, _ in readers:
            await outbox.notify(
                reader_id, Later("daily_report", sent.params()), f"dreport:{report.id}:{reader_id}"
            )
    return Sent(sent, tuple(name for _, name in readers))


@dataclass(frozen=True, slots=True)
class Comment:
    author: str
    text: str
    at: datetime


async def comments(report_id: int) -> list[Comment]:
    rows = (
        await ReportComment.filter(report_id=report_id)
        .order_by("at", "id")
        .values_list("author_id", "text", "at")
    )
    names = dict(
        await User.filter(id__in=sorted({a for a, _, _ in rows if a})).values_list("id", "name")
    )
    return [Comment(names.get(author or 0, ""), text, at) for author, text, at in rows]


async def comment(actor: User, report_id: int, text: str, *, now: datetime) -> Report:
    """A manager's (or admin's) comment on a sent report, queued back to its rep."""
    report = await get_visible(actor, report_id)
    if report.user_id == actor.id or actor.role not in (Role.MANAGER, Role.ADMIN):
        raise PermissionDenied()
    if not report.sent:
        raise InvalidInput("report_not_sent")
    body = text.strip()[:MAX_COMMENT]
    async with in_transaction():
        made = await ReportComment.create(
            report_id=report.id, author_id=actor.id, text=body, at=now
        )
        params = {
            "report_id": report.id,
            "day": report.day.isoformat(),
            "weekly": report.weekly,
            "author": actor.name,
            "text": body,
        }
        await outbox.notify(
            report.user_id, Later("daily_report_comment", params), f"dreport-comment:{made.id}"
        )
    return report


async def team_reports(actor: User, *, since: date, limit: int) -> list[Report]:
    """Sent reports of the people a manager leads (an admin: everyone), newest first."""
    scope = await scope_for(actor)
    query = DailyReport.filter(status=ReportStatus.SENT, day__gte=since).exclude(user_id=actor.id)
    if scope.owner_ids is not None:
        query = query.filter(user_id__in=sorted(scope.owner_ids))
    rows = await query.order_by("-day", "-sent_at", "-id").limit(limit).values_list(*_FIELDS)
    return [_report(row) for row in rows]


# --- who sent none -----------------------------------------------------------------------------


async def unsent(
    teams: Mapping[int, Sequence[int]], recipients: Sequence[Recipient]
) -> dict[int, tuple[date, list[int]]]:
    """Per manager, their previous working day and the people of their team whose report of that
    day was drafted but never sent: one query for all managers (per chunk of people).

    A rep with no report row that day was not due (a day off the bot, a rep who joined since),
    so only an unsent draft counts as "sent none".
    """
    wanted = {r.user_id: previous_working_day(r.local_date) for r in recipients}
    people = sorted({uid for r in recipients for uid in teams.get(r.user_id, ())})
    days = sorted(set(wanted.values()))
    missing: set[tuple[int, date]] = set()
    for chunk in db.chunks(people):
        missing.update(
            await DailyReport.filter(
                Q(user_id__in=chunk) & Q(day__in=days) & Q(status=ReportStatus.DRAFT)
            ).values_list("user_id", "day")
        )
    result: dict[int, tuple[date, list[int]]] = {}
    for manager, day in wanted.items():
        late = [uid for uid in teams.get(manager, ()) if (uid, day) in missing]
        if late:
            result[manager] = (day, late)
    return result


def due_today(recipients: Sequence[Recipient]) -> list[Recipient]:
    """Reports are drafted on working days only (Monday to Friday in the rep's zone)."""
    return [r for r in recipients if is_working_day(r.local_date)]
