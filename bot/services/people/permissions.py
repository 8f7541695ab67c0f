"""Who may see and change whose records: own for reps, the team below for managers, all else.

Every service asks here before it reads or writes a customer-owned record, so no channel and no
dialog can forget a check.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bot.models import Role, User
from bot.services.errors import NotFound


@dataclass(frozen=True, slots=True)
class Scope:
    """The owners whose records an actor may see; `None` means the whole company."""

    owner_ids: frozenset[int] | None

    @property
    def everything(self) -> bool:
        return self.owner_ids is None

    def allows(self, owner_id: int | None) -> bool:
        return self.owner_ids is None or owner_id in self.owner_ids


async def team_ids(manager_id: int) -> frozenset[int]:
    """The manager and everyone below them at any depth (one query over users, then a walk)."""
    reports: dict[int, list[int]] = defaultdict(list)
    for user_id, boss_id in await User.all().values_list("id", "manager_id"):
        if boss_id is not None:
            reports[boss_id].append(user_id)
    seen = {manager_id}
    stack = [manager_id]
    while stack:
        for child in reports[stack.pop()]:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return frozenset(seen)


async def scope_for(actor: User) -> Scope:
    """What `actor` may see; finance and admin see all, managers their tree, reps themselves."""
    if actor.role in (Role.ADMIN, Role.FINANCE):
        return Scope(None)
    if actor.role == Role.MANAGER:
        return Scope(await team_ids(actor.id))
    return Scope(frozenset({actor.id}))


async def require_owner_visible(actor: User, owner_id: int | None) -> None:
    """Refuse as 'not found' so a rep cannot even learn that another rep's record exists."""
    # A customer in the public pool (no owner) shows this way only to those who see everything;
    # reps and managers see the pool through `/pool`.
    if not (await scope_for(actor)).allows(owner_id):
        raise NotFound()


def can_reassign(actor: User) -> bool:
    """Reassigning an owner is an admin or manager action."""
    return actor.role in (Role.ADMIN, Role.MANAGER)
