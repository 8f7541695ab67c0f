"""The public pool (公海): customers nobody has contacted for their tier's days go back to it by a
nightly rule; reps claim from it within a daily quota and a cap, managers assign from it.

A pooled customer has no owner (`owner_id` NULL), `pooled_at` set and `previous_owner_id` naming
who had it. Every move is a `PoolMove` row (the customer's history of hands, the count behind the
daily quota) and an audit event, written in the transaction of the move. Who wins a claim is
decided by the database: the UPDATE takes the customer only `WHERE owner_id IS NULL`, and the
claiming rep's user row is locked first, so two claims of one rep cannot both pass the quota.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from bot import db
from bot.clock import day_bounds, system_clock, zone
from bot.config import POOL_TIERS, UNTIERED, Settings
from bot.messages import Later
from bot.models import AuditEvent, Customer, PoolMove, PoolMoveKind, Role, Stage, User
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.notify import outbox
from bot.services.people.permissions import scope_for
from bot.services.records.matching import normalize_name

KEPT_BY = Stage.NEGOTIATION  # an open deal past the proposal stage keeps its customer
MAX_WARNED = 5


@dataclass(frozen=True, slots=True)
class PoolRules:
    """The pool's settings, read once: idle days per tier (absent: never), warning days, the
    daily claim quota, the cap of customers per rep (0: none) and the previous owner's cool-down.
    A customer without a tier follows `*` when given, else the longest of the tiers' days (so a
    missing tier never makes a customer go sooner)."""

    idle_days: dict[str, int]
    warning_days: int = 7
    claims_per_day: int = 5
    max_customers: int = 0
    cooldown_days: int = 30
    at: time = time(2, 0)
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_settings(cls, settings: Settings) -> PoolRules:
        return cls(
            dict(settings.pool_idle_days),
            settings.pool_warning_days,
            settings.pool_claims_per_day,
            settings.pool_max_customers,
            settings.pool_cooldown_days,
            settings.pool_time,
            settings.timezone,
        )

    @property
    def enabled(self) -> bool:
        return bool(self.idle_days)

    def days_by_tier(self) -> dict[str, int]:
        """{tier as stored ('' for none): idle days} for the tiers that ever go back."""
        days = {tier: self.idle_days[tier] for tier in POOL_TIERS if tier in self.idle_days}
        untiered = self.idle_days.get(UNTIERED) or max(days.values(), default=None)
        if untiered:
            days[""] = untiered
        return days


# --- idle customers --------------------------------------------------------------------------


def _idle_where(p: db.Params, rules: PoolRules, now: datetime, *, ahead_days: int = 0) -> str:
    """Customers with an owner, silent past their tier's days (less `ahead_days`: those about to
    be), with no open deal past the proposal stage. Silence counts from the last contact, or from
    the customer's creation when never contacted."""
    tiers = [
        f"(c.tier = {p(tier)} AND COALESCE(c.last_contact_at, c.created_at) < "
        f"{p(now - timedelta(days=days - ahead_days))})"
        for tier, days in rules.days_by_tier().items()
    ]
    return (
        f"c.owner_id IS NOT NULL AND ({' OR '.join(tiers)}) AND NOT EXISTS "
        f"(SELECT 1 FROM deals d WHERE d.customer_id = c.id AND d.stage = {p(KEPT_BY.value)})"
    )


def run_key(rules: PoolRules, now: datetime) -> str | None:
    """The night's key (`pool:<company date>`) once the company's `CRM_POOL_TIME` has come."""
    local = now.astimezone(ZoneInfo(rules.timezone))
    if local.time() < rules.at:
        return None
    return f"pool:{local.date().isoformat()}"


@dataclass(frozen=True, slots=True)
class Returned:
    """What one night's run sent back: (customer id, previous owner id) pairs."""

    key: str
    moved: list[tuple[int, int]]


async def return_idle(rules: PoolRules, *, now: datetime) -> Returned | None:
    """Send tonight's idle customers back to the pool, once across instances.

    The night's `JobRun` row is inserted in the same transaction as the moves: a second instance
    waits on its unique key and then finds it taken; a run that fails leaves no key behind and
    the next tick tries again. None when it is not time, the rule is off, or it already ran.
    """
    key = run_key(rules, now)
    if key is None or not rules.enabled:
        return None
    async with in_transaction():
        claimed = await db.fetch(
            "INSERT INTO job_runs (key, created_at) VALUES ($1, $2) "
            "ON CONFLICT (key) DO NOTHING RETURNING id",
            (key, _stamp(now)),
        )
        if not claimed:
            return None
        p = db.Params()
        stamp = p(now)
        where = _idle_where(p, rules, now)
        rows = await db.fetch(
            f"UPDATE customers SET previous_owner_id = owner_id, owner_id = NULL, "
            f"pooled_at = {stamp}, updated_at = {p(system_clock())} "
            f"WHERE id IN (SELECT c.id FROM customers c WHERE {where}) "
            f"RETURNING id, previous_owner_id",
            p.values,
        )
        moved = sorted((int(r["id"]), int(r["previous_owner_id"])) for r in rows)
        await _record(moved, PoolMoveKind.RETURNED, actor_id=None, now=now)
    return Returned(key, moved)


def _stamp(now: datetime) -> Any:
    return now.isoformat(sep=" ") if db.dialect() == "sqlite" else now


async def _record(
    moved: Sequence[tuple[int, int]], kind: PoolMoveKind, *, actor_id: int | None, now: datetime
) -> None:
    """The moves' rows and audit events, and the open follow-ups of customers gone to the pool
    (nobody owns them now: no digest nags the rep who lost them)."""
    if not moved:
        return
    await PoolMove.bulk_create(
        [
            PoolMove(customer_id=c, kind=kind, user_id=u, actor_id=actor_id, at=now)
            for c, u in moved
        ],
        batch_size=500,
    )
    await AuditEvent.bulk_create(
        [
            AuditEvent(
                actor_id=actor_id,
                action=f"customer.pool.{kind.value}",
                entity="customer",
                entity_id=c,
                before={"owner_id": u},
                after={"owner_id": None, "pooled_at": now.isoformat()},
                at=now,
            )
            for c, u in moved
        ],
        batch_size=500,
    )
    ids = [c for c, _ in moved]
    for chunk in db.chunks(ids):
        slots = ", ".join(f"${n}" for n in range(1, len(chunk) + 1))
        await db.execute(
            f"UPDATE visits SET followup_owner_id = NULL WHERE followup_done_at IS NULL "
            f"AND next_followup_at IS NOT NULL AND customer_id IN ({slots})",
            chunk,
        )


async def release_all(user_id: int, *, actor_id: int | None, now: datetime) -> list[int]:
    """Every customer of a leaver back to the pool (in the caller's transaction)."""
    rows = await db.fetch(
        "UPDATE customers SET previous_owner_id = owner_id, owner_id = NULL, pooled_at = $1, "
        "updated_at = $2 WHERE owner_id = $3 RETURNING id",
        (_stamp(now), _stamp(system_clock()), user_id),
    )
    moved = sorted((int(r["id"]), user_id) for r in rows)
    await _record(moved, PoolMoveKind.RELEASED, actor_id=actor_id, now=now)
    return [c for c, _ in moved]


# --- the morning warning and the evening list --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Warning:
    """A customer of the rep that goes back to the pool on `returns_on` unless contacted."""

    customer_id: int
    name: str
    returns_at: datetime


async def warnings(
    owner_ids: Sequence[int], rules: PoolRules, *, now: datetime
) -> dict[int, tuple[int, list[Warning]]]:
    """Per owner: how many customers go back within the warning days, and the soonest few.

    One query per chunk of owners; the return moment is the silence's start plus its tier's days.
    """
    found: dict[int, tuple[int, list[Warning]]] = {}
    if not rules.enabled or not owner_ids:
        return found
    days = rules.days_by_tier()
    for chunk in db.chunks(sorted(owner_ids)):
        p = db.Params()
        where = _idle_where(p, rules, now, ahead_days=rules.warning_days)
        rows = await db.fetch(
            f"SELECT c.owner_id, c.id, c.name, c.tier, COALESCE(c.last_contact_at, c.created_at) "
            f"AS quiet_since FROM customers c WHERE c.owner_id IN ({p.ids(chunk)}) AND {where} "
            f"ORDER BY quiet_since, c.id",
            p.values,
        )
        for row in rows:
            since = _when(row["quiet_since"])
            returns = since + timedelta(days=days[row["tier"]])
            count, shown = found.get(row["owner_id"], (0, []))
            if len(shown) < MAX_WARNED:
                shown.append(Warning(row["id"], row["name"], returns))
            found[row["owner_id"]] = (count + 1, shown)
    return found


def _when(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def returned_between(
    owner_ids: Sequence[int], *, since: datetime, until: datetime
) -> list[tuple[int, str, int | None, str]]:
    """Customers of these people that went to the pool in [since, until): (customer id, name,
    previous owner id, previous owner's name), newest first; one query per chunk."""
    found: list[tuple[int, str, int | None, str]] = []
    for chunk in db.chunks(sorted(owner_ids)):
        rows = (
            await PoolMove.filter(
                user_id__in=chunk,
                kind__in=[PoolMoveKind.RETURNED, PoolMoveKind.RELEASED],
                at__gte=since,
                at__lt=until,
            )
            .order_by("-at", "-id")
            .values_list("customer_id", "customer__name", "user_id")
        )
        found += [(c, name, u, "") for c, name, u in rows]
    names = dict(await User.filter(id__in={u for _, _, u, _ in found}).values_list("id", "name"))
    return [(c, name, u, names.get(u, "")) for c, name, u, _ in found]


# --- /pool: search, claim, assign --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PoolLine:
    """One pooled customer as `/pool` lists it: never its notes."""

    id: int
    name: str
    industry: str
    address: str
    last_contact_at: datetime | None
    pooled_at: datetime | None
    previous_owner: str


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search(text: str, *, offset: int = 0, limit: int = 8) -> tuple[list[PoolLine], int]:
    """A page of the pool, newest in it first, matching the text in name, industry or address
    (the address holds the city); everyone may look. Two queries (the page, its count)."""
    p = db.Params()
    where = "c.owner_id IS NULL"
    words = " ".join(text.split())[:100]
    if words:
        raw = p(_like(words))
        key = normalize_name(words)
        named = f"c.normalized_name LIKE {p(_like(key))} ESCAPE '\\' OR " if key else ""
        where += (
            f" AND ({named}UPPER(c.name) LIKE UPPER({raw}) ESCAPE '\\' "
            f"OR UPPER(c.industry) LIKE UPPER({raw}) ESCAPE '\\' "
            f"OR UPPER(c.address) LIKE UPPER({raw}) ESCAPE '\\')"
        )
    values = list(p.values)
    rows = await db.fetch(
        "SELECT c.id, c.name, c.industry, c.address, c.last_contact_at, c.pooled_at, "
        f"u.name AS previous FROM customers c LEFT JOIN users u ON u.id = c.previous_owner_id "
        f"WHERE {where} ORDER BY c.pooled_at DESC, c.id DESC "
        f"LIMIT {int(limit)} OFFSET {int(offset)}",
        values,
    )
    if len(rows) < limit and (rows or not offset):
        total = offset + len(rows)
    else:
        counted = await db.fetch(f"SELECT count(*) AS n FROM customers c WHERE {where}", values)
        total = int(counted[0]["n"])
    return [
        PoolLine(
            r["id"],
            r["name"],
            r["industry"] or "",
            r["address"] or "",
            _when(r["last_contact_at"]) if r["last_contact_at"] else None,
            _when(r["pooled_at"]) if r["pooled_at"] else None,
            r["previous"] or "",
        )
        for r in rows
    ], total


class Refused(InvalidInput):
    """A claim or assignment the rules refuse; `code` says why, `until` when it may be tried."""

    def __init__(self, code: str, until: datetime | None = None, limit: int = 0) -> None:
        super().__init__(code)
        self.until = until
        self.limit = limit


def _local_day_start(now: datetime, tz: str) -> datetime:
    local = zone(tz)
    return day_bounds(now.astimezone(local).date(), local)[0]


async def _take(
    customer_id: int,
    rep: User,
    rules: PoolRules,
    *,
    now: datetime,
    kind: PoolMoveKind,
    actor_id: int,
) -> Customer:
    """The shared take: the rep's row locked, the rules checked, the conditional UPDATE."""
    if db.dialect() != "sqlite":  # one claim of a rep at a time: the quota and cap hold
        await db.fetch("SELECT id FROM users WHERE id = $1 FOR UPDATE", (rep.id,))
    customer = await Customer.filter(id=customer_id).first()
    if customer is None:
        raise NotFound()
    if customer.owner_id is not None:
        raise Refused("pool_taken")
    if kind is PoolMoveKind.CLAIMED:
        if (
            rules.cooldown_days
            and customer.previous_owner_id == rep.id
            and customer.pooled_at is not None
        ):
            until = customer.pooled_at + timedelta(days=rules.cooldown_days)
            if now < until:
                raise Refused("pool_cooldown", until=until)
        claimed = await PoolMove.filter(
            user_id=rep.id,
            kind=PoolMoveKind.CLAIMED,
            at__gte=_local_day_start(now, rep.timezone),
        ).count()
        if claimed >= rules.claims_per_day:
            raise Refused("pool_quota", limit=rules.claims_per_day)
    if rules.max_customers and (
        await Customer.filter(owner_id=rep.id).count() >= rules.max_customers
    ):
        raise Refused("pool_cap", limit=rules.max_customers)
    p = db.Params()
    taken = await db.execute(
        f"UPDATE customers SET owner_id = {p(rep.id)}, pooled_at = NULL, "
        f"updated_at = {p(system_clock())} WHERE id = {p(customer_id)} AND owner_id IS NULL",
        p.values,
    )
    if not taken:
        raise Refused("pool_taken")
    await db.execute(
        "UPDATE visits SET followup_owner_id = $1 WHERE customer_id = $2 "
        "AND followup_done_at IS NULL AND next_followup_at IS NOT NULL",
        (rep.id, customer_id),
    )
    await db.execute(
        "UPDATE deals SET owner_id = $1 WHERE customer_id = $2 AND stage NOT IN ($3, $4)",
        (rep.id, customer_id, Stage.WON.value, Stage.LOST.value),
    )
    await PoolMove.create(
        customer_id=customer_id, kind=kind, user_id=rep.id, actor_id=actor_id, at=now
    )
    await AuditEvent.create(
        actor_id=actor_id,
        action=f"customer.pool.{kind.value}",
        entity="customer",
        entity_id=customer_id,
        before={"owner_id": None, "previous_owner_id": customer.previous_owner_id},
        after={"owner_id": rep.id},
        at=now,
    )
    customer.owner_id = rep.id
    customer.pooled_at = None
    return customer


async def claim(actor: User, customer_id: int, rules: PoolRules, *, now: datetime) -> Customer:
    """A rep takes a pooled customer: exactly one of two simultaneous claims wins; refused with
    the reason (taken, quota reached today, cap reached, cool-down until a date)."""
    if not can_claim(actor):
        raise PermissionDenied()
    async with in_transaction():
        return await _take(
            customer_id, actor, rules, now=now, kind=PoolMoveKind.CLAIMED, actor_id=actor.id
        )


def can_claim(actor: User) -> bool:
    """Reps (and managers, who may sell too) claim; finance and admins give instead."""
    return actor.role in (Role.REP, Role.MANAGER)


def can_assign(actor: User) -> bool:
    return actor.role in (Role.MANAGER, Role.ADMIN)


async def assignees(actor: User, *, limit: int = 24) -> list[tuple[int, str]]:
    """The active reps a manager (their team) or an admin (everyone) may give a customer to."""
    if not can_assign(actor):
        raise PermissionDenied()
    scope = await scope_for(actor)
    query = User.filter(active=True, role__in=[Role.REP, Role.MANAGER])
    if scope.owner_ids is not None:
        query = query.filter(id__in=sorted(scope.owner_ids))
    return list(await query.order_by("name", "id").limit(limit).values_list("id", "name"))


async def assign(
    actor: User, customer_id: int, rep_id: int, rules: PoolRules, *, now: datetime
) -> Customer:
    """A manager (to a rep of their team) or an admin gives a pooled customer to a rep. The cap
    holds; the daily quota and the cool-down are for claims, not for a manager's decision."""
    if not can_assign(actor):
        raise PermissionDenied()
    scope = await scope_for(actor)
    if not scope.allows(rep_id):
        raise NotFound()
    async with in_transaction():
        rep = await User.filter(id=rep_id, active=True).first()
        if rep is None:
            raise NotFound()
        customer = await _take(
            customer_id, rep, rules, now=now, kind=PoolMoveKind.ASSIGNED, actor_id=actor.id
        )
        if rep.id != actor.id:  # the rep hears of it in the same transaction as the move
            params = {"customer_id": customer.id, "name": customer.name, "by": actor.name}
            await outbox.notify(
                rep, Later("pool_assigned", params), f"poolassign:{customer.id}:{now.isoformat()}"
            )
        return customer


async def pooled_brief(customer_id: int) -> PoolLine | None:
    """One pooled customer's line (None when it has an owner again, or is gone)."""
    rows = await db.fetch(
        "SELECT c.id, c.name, c.industry, c.address, c.last_contact_at, c.pooled_at, "
        "u.name AS previous FROM customers c LEFT JOIN users u ON u.id = c.previous_owner_id "
        "WHERE c.id = $1 AND c.owner_id IS NULL",
        (customer_id,),
    )
    if not rows:
        return None
    r = rows[0]
    return PoolLine(
        r["id"],
        r["name"],
        r["industry"] or "",
        r["address"] or "",
        _when(r["last_contact_at"]) if r["last_contact_at"] else None,
        _when(r["pooled_at"]) if r["pooled_at"] else None,
        r["previous"] or "",
    )


async def claimed_today(user: User, *, now: datetime) -> int:
    return await PoolMove.filter(
        user_id=user.id, kind=PoolMoveKind.CLAIMED, at__gte=_local_day_start(now, user.timezone)
    ).count()


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz or "UTC")).date()
