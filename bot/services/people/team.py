"""Running the team from the chat: who a manager or admin sees, and the changes an admin makes.

The rules match the command line's (`crmbot invite`, `crmbot users deactivate`): invites and
handovers go through `bot.services.people.users`, so both paths write the same audit events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from bot.models import ChannelIdentity, Customer, Role, User, Visit
from bot.services import audit
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.people import users
from bot.services.people.permissions import team_ids


@dataclass(frozen=True, slots=True)
class Member:
    """One person as the team list and a person's card show them."""

    id: int
    name: str
    role: str
    manager_id: int | None
    manager_name: str
    channels: tuple[str, ...]
    visits_this_week: int
    active: bool
    customers: int = 0


def invite_roles(actor: User) -> tuple[Role, ...]:
    """The roles the actor may invite (the same rule `users.create_invite` enforces)."""
    if actor.role == Role.ADMIN:
        return (Role.REP, Role.MANAGER, Role.FINANCE, Role.ADMIN)
    if actor.role == Role.MANAGER:
        return (Role.REP,)
    return ()


async def _visible_ids(actor: User) -> frozenset[int] | None:
    """Whom the actor may list: everyone for an admin (None), a manager's tree, else nobody."""
    if actor.role == Role.ADMIN:
        return None
    if actor.role == Role.MANAGER:
        return await team_ids(actor.id)
    raise PermissionDenied()


_MEMBER_FIELDS = ("id", "name", "role", "active", "manager_id", "manager__name")


async def members(
    actor: User, *, week_start: datetime, offset: int = 0, limit: int = 8
) -> tuple[list[Member], int]:
    """A page of the people the actor may see, active first, with this week's visit count.

    The page, its channels and its visit counts are one set-based query each: no query per
    person.
    """
    visible = await _visible_ids(actor)
    query = User.all() if visible is None else User.filter(id__in=sorted(visible))
    total = await query.count()
    rows = (
        await query.order_by("-active", "name", "id")
        .offset(offset)
        .limit(limit)
        .values(*_MEMBER_FIELDS)
    )
    return await _complete(rows, week_start), total


async def _complete(rows: list[dict[str, Any]], week_start: datetime) -> list[Member]:
    """Members for these user rows, with channels and visits since `week_start` (two queries)."""
    page_ids = [row["id"] for row in rows]
    channels: dict[int, list[str]] = {}
    for user_id, channel in (
        await ChannelIdentity.filter(user_id__in=page_ids)
        .order_by("id")
        .values_list("user_id", "channel")
    ):
        if channel not in channels.setdefault(user_id, []):
            channels[user_id].append(channel)
    visits = dict(
        await Visit.filter(user_id__in=page_ids, at__gte=week_start)
        .annotate(n=Count("id"))
        .group_by("user_id")
        .values_list("user_id", "n")
    )
    return [
        Member(
            id=row["id"],
            name=row["name"],
            role=str(row["role"]),
            manager_id=row["manager_id"],
            manager_name=row["manager__name"] or "",
            channels=tuple(channels.get(row["id"], ())),
            visits_this_week=int(visits.get(row["id"], 0)),
            active=bool(row["active"]),
        )
        for row in rows
    ]


async def member(actor: User, user_id: int, *, week_start: datetime) -> Member:
    """One person's card, if the actor may see them (NotFound otherwise), with their customers."""
    visible = await _visible_ids(actor)
    if visible is not None and user_id not in visible:
        raise NotFound()
    rows = await User.filter(id=user_id).values(*_MEMBER_FIELDS)
    if not rows:
        raise NotFound()
    found = (await _complete(rows, week_start))[0]
    owned = await Customer.filter(owner_id=user_id).count()
    return replace(found, customers=owned)


def can_manage(actor: User) -> bool:
    """Changing roles and managers and deactivating people is an admin's job."""
    return actor.role == Role.ADMIN


async def colleagues(
    actor: User, *, exclude: int, managers_only: bool = False, offset: int = 0, limit: int = 8
) -> tuple[list[tuple[int, str, str]], int]:
    """Active people the actor may pick (as a manager or a successor): (id, name, role)."""
    if not can_manage(actor):
        raise PermissionDenied()
    query = User.filter(active=True).exclude(id=exclude)
    if managers_only:
        query = query.filter(role__in=[Role.MANAGER, Role.ADMIN])
    total = await query.count()
    rows = (
        await query.order_by("name", "id")
        .offset(offset)
        .limit(limit)
        .values_list("id", "name", "role")
    )
    return [(uid, name, str(role)) for uid, name, role in rows], total


async def set_role(actor: User, user_id: int, role: Role) -> tuple[str, str]:
    """Change a person's role (admin only, not their own); returns (before, after), audited."""
    if not can_manage(actor):
        raise PermissionDenied()
    if user_id == actor.id:
        raise InvalidInput("own_role")
    async with in_transaction():
        person = await User.filter(id=user_id, active=True).select_for_update().first()
        if person is None:
            raise NotFound()
        before = str(person.role)
        person.role = role
        await person.save(update_fields=["role"])
        await audit.record(
            actor.id, "user.role", "user", user_id, before={"role": before}, after={"role": role}
        )
    return before, str(role)


async def check_manager(user_id: int, manager_id: int | None) -> None:
    """Refuse, before anything is asked further, a manager who is in the person's own team."""
    if manager_id is not None and manager_id in await team_ids(user_id):
        raise InvalidInput("manager_cycle")


async def set_manager(actor: User, user_id: int, manager_id: int | None) -> None:
    """Put a person under another manager (admin only); nobody may end up managing themselves."""
    if not can_manage(actor):
        raise PermissionDenied()
    await check_manager(user_id, manager_id)
    async with in_transaction():
        person = await User.filter(id=user_id, active=True).select_for_update().first()
        if person is None:
            raise NotFound()
        if manager_id is not None and not await User.filter(id=manager_id, active=True).exists():
            raise InvalidInput("unknown_manager")
        before = person.manager_id
        person.manager_id = manager_id
        await person.save(update_fields=["manager_id"])
        await audit.record(
            actor.id,
            "user.manager",
            "user",
            user_id,
            before={"manager_id": before},
            after={"manager_id": manager_id},
        )


async def deactivate(
    actor: User, user_id: int, *, handover_to: int | None, now: datetime, to_pool: bool = False
) -> users.HandoverResult:
    """Deactivate a leaver with a handover (or their customers to the public pool), through the
    same audited service as the CLI."""
    if not can_manage(actor):
        raise PermissionDenied()
    if user_id == actor.id:
        raise InvalidInput("deactivate_self")
    return await users.deactivate(
        user_id, handover_to=handover_to, actor_id=actor.id, now=now, to_pool=to_pool
    )
