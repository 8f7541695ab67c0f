"""The follow-up ladder: an overdue follow-up climbs from the rep to the manager to "at risk".

1. From its first day overdue it is in the rep's morning digest (`bot.services.notify.digests`).
2. From `CRM_LADDER_MANAGER_DAYS` days overdue the manager's evening summary lists it, with
   Nudge (a reminder to the rep) and Reassign (another rep of the team takes it).
3. From `CRM_LADDER_RISK_DAYS` days overdue its customer is at risk: on the card, in
   `/followups`, in the manager's summary and in the customers export.

Nothing is stored for a step: each is read from the open follow-ups at the moment it is shown, so
logging the contact (which closes the follow-up) takes the customer off the ladder at once, and
no nightly job can be late or run twice. Days overdue are whole days in the reader's time zone: a
follow-up due yesterday is one day overdue today, whatever the hour.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.functions import Min
from tortoise.transactions import in_transaction

from bot import db
from bot.messages import Later
from bot.models import Role, User, Visit
from bot.services import audit
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.notify import outbox
from bot.services.people.permissions import can_reassign, require_owner_visible, scope_for
from bot.services.records import customers

MAX_LISTED = 8  # escalated follow-ups a summary lists by name (the rest are counted)


def overdue_since(today: date, tz: ZoneInfo, days: int) -> datetime:
    """The moment before which an open follow-up is at least `days` whole days overdue on the
    local `today`: the start of the local day `days - 1` days ago, as UTC."""
    day = today - timedelta(days=days - 1)
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def days_overdue(due: datetime, today: date, tz: ZoneInfo) -> int:
    """Whole local days between the follow-up's day and `today` (0: due today or later)."""
    return max(0, (today - due.astimezone(tz).date()).days)


# --- step 2: the manager's summary -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Escalated:
    """An open follow-up overdue long enough for the manager to hear of it."""

    visit_id: int
    rep_id: int
    rep_name: str
    customer_id: int
    customer_name: str
    days: int
    at_risk: bool

    def params(self) -> list[Any]:
        return [
            self.visit_id,
            self.rep_id,
            self.rep_name,
            self.customer_id,
            self.customer_name,
            self.days,
            self.at_risk,
        ]


async def escalated(
    teams: dict[int, Sequence[int]],
    days: dict[int, tuple[date, ZoneInfo]],
    *,
    manager_days: int,
    risk_days: int,
) -> dict[int, dict[str, Any]]:
    """For each manager (`teams`: manager → reps, `days`: manager → local day and zone), their
    reps' follow-ups at least `manager_days` overdue, oldest first: `{"total": n, "items": [...]}`.

    One query (chunked) over every rep of every manager, cut at the latest of the managers'
    thresholds; each manager's own threshold is applied to the rows in memory.
    """
    reps = sorted({rep for team in teams.values() for rep in team})
    out: dict[int, dict[str, Any]] = {}
    if not reps or not teams:
        return out
    cutoffs = {m: overdue_since(day, tz, manager_days) for m, (day, tz) in days.items()}
    latest = max(cutoffs.values())
    rows: list[dict[str, Any]] = []
    for chunk in db.chunks(reps):
        rows += (
            await Visit.filter(
                followup_done_at__isnull=True,
                followup_owner_id__in=chunk,
                next_followup_at__lt=latest,
            )
            .order_by("next_followup_at", "id")
            .values(
                "id",
                "followup_owner_id",
                "followup_owner__name",
                "customer_id",
                "customer__name",
                "next_followup_at",
            )
        )
    by_rep: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_rep[row["followup_owner_id"]].append(row)
    for manager, team in teams.items():
        today, tz = days[manager]
        cutoff = cutoffs[manager]
        rows_of_team = (row for rep in team for row in by_rep.get(rep, ()))
        mine = sorted(
            (row for row in rows_of_team if row["next_followup_at"] < cutoff),
            key=lambda row: (row["next_followup_at"], row["id"]),
        )
        if not mine:
            continue
        items = []
        for row in mine[:MAX_LISTED]:
            late = days_overdue(row["next_followup_at"], today, tz)
            items.append(
                Escalated(
                    row["id"],
                    row["followup_owner_id"],
                    row["followup_owner__name"] or "",
                    row["customer_id"],
                    row["customer__name"],
                    late,
                    late >= risk_days,
                ).params()
            )
        out[manager] = {"total": len(mine), "items": items}
    return out


# --- step 3: customers at risk ---------------------------------------------------------------


async def at_risk(customer_ids: Sequence[int], *, before: datetime) -> dict[int, datetime]:
    """Of these customers, those with an open follow-up due before `before`, with the oldest
    such due date: one grouped query per chunk of ids."""
    ids = sorted(set(customer_ids))
    found: dict[int, datetime] = {}
    for chunk in db.chunks(ids):
        found.update(
            await Visit.filter(
                customer_id__in=chunk,
                followup_done_at__isnull=True,
                next_followup_at__lt=before,
            )
            .annotate(due=Min("next_followup_at"))
            .group_by("customer_id")
            .values_list("customer_id", "due")
        )
    return found


# --- Nudge and Reassign ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenFollowUp:
    """An open follow-up as the manager's buttons act on it."""

    visit_id: int
    customer_id: int
    customer_name: str
    rep_id: int
    rep_name: str
    due_at: datetime
    notes: str


async def open_followup(actor: User, visit_id: int) -> OpenFollowUp:
    """A follow-up of the actor's team that is still open; NotFound for closed, missing and not
    visible alike; only managers and admins act on other people's follow-ups."""
    if not can_reassign(actor):
        raise PermissionDenied()
    rows = await Visit.filter(
        id=visit_id, followup_done_at__isnull=True, followup_owner_id__isnull=False
    ).values(
        "id",
        "customer_id",
        "customer__name",
        "followup_owner_id",
        "followup_owner__name",
        "next_followup_at",
        "notes",
    )
    if not rows or rows[0]["next_followup_at"] is None:
        raise NotFound()
    row = rows[0]
    await require_owner_visible(actor, row["followup_owner_id"])
    return OpenFollowUp(
        row["id"],
        row["customer_id"],
        row["customer__name"],
        row["followup_owner_id"],
        row["followup_owner__name"] or "",
        row["next_followup_at"],
        row["notes"] or "",
    )


def nudge_key(visit_id: int, actor_id: int, today: date) -> str:
    """One nudge per follow-up, manager and day: a second tap (or the same tap delivered twice,
    on any instance) finds the key taken."""
    return f"nudge:{visit_id}:{actor_id}:{today.isoformat()}"


async def nudge(
    actor: User, visit_id: int, *, today: date, tz: ZoneInfo
) -> tuple[OpenFollowUp, bool]:
    """Queue a reminder to the follow-up's rep through the outbox; False when this manager
    nudged this follow-up today already (the unique dedupe key decides, across instances)."""
    item = await open_followup(actor, visit_id)
    params = {
        "visit_id": item.visit_id,
        "customer_id": item.customer_id,
        "name": item.customer_name,
        "due_at": item.due_at.astimezone(UTC).isoformat(),
        "days": days_overdue(item.due_at, today, tz),
        "manager": actor.name,
        "notes": item.notes[:200],
    }
    async with in_transaction():
        queued = await outbox.notify(
            item.rep_id, Later("nudge", params), nudge_key(visit_id, actor.id, today)
        )
        if queued:
            await audit.record(
                actor.id, "followup.nudge", "visit", visit_id, after={"rep_id": item.rep_id}
            )
    return item, queued


async def team_reps(actor: User, *, leaving_out: int | None = None) -> list[tuple[int, str]]:
    """Active reps the actor leads (an admin: every rep), by name: who may take a follow-up."""
    scope = await scope_for(actor)
    query = User.filter(active=True, role=Role.REP)
    if scope.owner_ids is not None:
        query = query.filter(id__in=list(scope.owner_ids))
    if leaving_out is not None:
        query = query.exclude(id=leaving_out)
    return list(await query.order_by("name", "id").values_list("id", "name"))


async def reassign(
    actor: User, visit_id: int, rep_id: int, *, with_customer: bool, now: datetime
) -> OpenFollowUp:
    """Give an open follow-up to another rep of the actor's team, and the customer too when
    `with_customer` (then every open follow-up of the customer moves with it, as any owner
    change does). Audited; the new rep is told through the outbox, once per reassignment.

    The follow-up's row is locked first, so two managers reassigning at once go one after the
    other, and the second acts on what the first left (or finds it closed: NotFound).
    """
    async with in_transaction():
        locked = (
            await Visit.filter(id=visit_id, followup_done_at__isnull=True)
            .select_for_update()
            .first()
        )
        if locked is None:
            raise NotFound()
        item = await open_followup(actor, visit_id)
        if rep_id == item.rep_id:
            raise InvalidInput("same_rep")
        await require_owner_visible(actor, rep_id)
        if not await User.filter(id=rep_id, active=True, role=Role.REP).exists():
            raise InvalidInput("owner_invalid")
        if with_customer:
            await customers.reassign(actor, item.customer_id, rep_id)
        await Visit.filter(id=visit_id, followup_done_at__isnull=True).update(
            followup_owner_id=rep_id
        )
        event = await audit.record(
            actor.id,
            "followup.reassign",
            "visit",
            visit_id,
            before={"followup_owner_id": item.rep_id},
            after={"followup_owner_id": rep_id, "with_customer": with_customer},
        )
        params = {
            "visit_id": item.visit_id,
            "customer_id": item.customer_id,
            "name": item.customer_name,
            "due_at": item.due_at.astimezone(UTC).isoformat(),
            "manager": actor.name,
            "previous": item.rep_name,
            "with_customer": with_customer,
            "notes": item.notes[:200],
        }
        await outbox.notify(rep_id, Later("followup_given", params), f"fugiven:{event.id}")
    return item
