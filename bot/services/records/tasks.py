"""Tasks: a manager assigns a to-do with a due date; the assignee closes it with one tap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from bot.messages import Later
from bot.models import Role, Task, User
from bot.services import audit
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.notify import outbox
from bot.services.people.permissions import require_owner_visible, scope_for

MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class TaskView:
    """An open task as a list shows it."""

    id: int
    text: str
    due_at: datetime | None
    assignee_id: int
    assignee_name: str
    overdue: bool


def can_assign(actor: User) -> bool:
    """Managers assign to their team; admins to anyone."""
    return actor.role in (Role.MANAGER, Role.ADMIN)


async def assign(
    actor: User, assignee_id: int, text: str, *, due_at: datetime | None, now: datetime
) -> Task:
    """Create a task for someone in the actor's team and tell them."""
    if not can_assign(actor):
        raise PermissionDenied()
    text = " ".join((text or "").split())
    if not text:
        raise InvalidInput("task_empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput("task_too_long")
    if due_at is not None and due_at.tzinfo is None:
        raise InvalidInput("naive_datetime")
    assignee = await User.filter(id=assignee_id, active=True).first()
    if assignee is None:
        raise NotFound()
    await require_owner_visible(actor, assignee.id)
    async with in_transaction():
        task = await Task.create(
            assignee_id=assignee.id, created_by_id=actor.id, text=text, due_at=due_at
        )
        await audit.record(
            actor.id,
            "task.create",
            "task",
            task.id,
            after={"assignee_id": assignee.id, "text": text},
        )
        if assignee.id != actor.id:
            params = {
                "task_id": task.id,
                "from": actor.name,
                "text": text,
                "due_at": due_at.isoformat() if due_at is not None else None,
            }
            await outbox.notify(assignee.id, Later("task", params), f"task:{task.id}:new")
    return task


async def open_tasks(
    actor: User, *, now: datetime, limit: int = 8, offset: int = 0
) -> tuple[list[TaskView], int]:
    """The actor's own open tasks, due first (undated last)."""
    query = Task.filter(assignee_id=actor.id, done_at__isnull=True)
    total = await query.count()
    rows = await (
        query.order_by("due_at", "id")
        .offset(offset)
        .limit(limit)
        .values_list("id", "text", "due_at", "assignee_id", "assignee__name")
    )
    rows.sort(key=lambda r: (r[2] is None, r[2] or now, r[0]))
    return [
        TaskView(r[0], r[1], r[2], r[3], r[4], r[2] is not None and r[2] < now) for r in rows
    ], total


async def complete(actor: User, task_id: int, *, now: datetime) -> bool:
    """Mark done (the assignee, or whoever may see the assignee); False when it already was."""
    task = await Task.filter(id=task_id).first()
    if task is None:
        raise NotFound()
    if task.assignee_id != actor.id:
        scope = await scope_for(actor)
        if not scope.allows(task.assignee_id):
            raise NotFound()
    async with in_transaction():
        done = await Task.filter(id=task.id, done_at__isnull=True).update(done_at=now)
        if done:
            await audit.record(actor.id, "task.done", "task", task.id, after={"done_at": now})
    return bool(done)


async def due_for(user_ids: Sequence[int], *, until: datetime) -> dict[int, list[TaskView]]:
    """For the morning digest: open tasks due before `until`, per assignee (one query)."""
    if not user_ids:
        return {}
    rows = await (
        Task.filter(assignee_id__in=list(user_ids), done_at__isnull=True, due_at__lt=until)
        .order_by("due_at", "id")
        .values_list("id", "text", "due_at", "assignee_id", "assignee__name")
    )
    result: dict[int, list[TaskView]] = {}
    for r in rows:
        result.setdefault(r[3], []).append(TaskView(r[0], r[1], r[2], r[3], r[4], False))
    return result
