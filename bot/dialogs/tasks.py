"""/tasks: my open to-dos, done with one tap; /task: a manager assigns one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.dialogs.base import Ctx, Dialog, Done, Invalid, Transition
from bot.dialogs.common import action
from bot.dialogs.convert import to_id
from bot.dialogs.feature import EVERYONE, LEADS, Command, Feature
from bot.dialogs.widgets import Confirm, Option, PickFrom, Text, When
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.models import User
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.people.permissions import scope_for
from bot.services.records import tasks


async def list_tasks(ctx: Ctx, arg: str) -> list[Reply]:
    """/tasks: the user's open tasks, each with a Done button."""
    items, total = await tasks.open_tasks(ctx.user, now=ctx.now, limit=ctx.settings.page_size)
    if not total:
        return [Reply(ctx._("No open tasks. 🎉"))]
    lines = [ctx.ngettext("{count} open task", "{count} open tasks", total).format(count=total)]
    rows: list[tuple[Button, ...]] = []
    for number, item in enumerate(items, 1):
        line = f"{'⚠️' if item.overdue else '•'} {number}. {item.text}"
        if item.due_at:
            line += " — " + ctx.t.datetime(item.due_at)
        lines.append(line)
        rows.append((action(ctx._("✅ Done: {n}").format(n=number), "tdone", item.id),))
    return [Reply("\n".join(lines), tuple(rows))]


async def done_button(ctx: Ctx, arg: str) -> list[Reply]:
    """Action 'tdone:<id>': close a task."""
    task_id = to_id(arg)
    if task_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    if await tasks.complete(ctx.user, task_id, now=ctx.now):
        return [Reply("✅ " + ctx._("Done. Nice."))]
    return [Reply(ctx._("That task was already done."))]


async def begin_task(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    if not tasks.can_assign(ctx.user):
        return [Reply(ctx._("Only managers assign tasks. Your own list: /tasks"))]
    return {}


async def team_members(ctx: Ctx, data: dict[str, Any]) -> list[Option]:
    """The active people the manager leads (an admin: everyone), by name."""
    scope = await scope_for(ctx.user)
    query = User.filter(active=True)
    if scope.owner_ids is not None:
        query = query.filter(id__in=list(scope.owner_ids))
    people = await query.order_by("name").limit(12).values_list("id", "name")
    return [Option(f"u:{uid}", name) for uid, name in people]


async def assignee_chosen(ctx: Ctx, data: dict[str, Any]) -> Transition:
    user_id = to_id(data["assignee"].removeprefix("u:"))
    user = await User.filter(id=user_id, active=True).first() if user_id else None
    if user is None:
        raise Invalid(ctx._("Please tap a name."))
    data["assignee_id"], data["assignee_name"] = user.id, user.name
    return None


def text_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    return ctx._("What should {name} do?").format(name=data.get("assignee_name", ""))


def task_summary(ctx: Ctx, data: dict[str, Any]) -> str:
    lines = [ctx._("Assign this task?"), f"👤 {data['assignee_name']}", f"📌 {data['text']}"]
    if data.get("due"):
        lines.append(
            ctx._("Due {when}").format(when=ctx.t.datetime(datetime.fromisoformat(data["due"])))
        )
    return "\n".join(lines)


REFUSALS = {
    "task_empty": N_("Please type the task."),
    "task_too_long": N_("That task is too long (at most 500 characters). Please shorten it."),
    "naive_datetime": N_("I could not tell the due time's time zone. Please type it again."),
}


async def assign_task(ctx: Ctx, data: dict[str, Any]) -> Transition:
    try:
        await tasks.assign(
            ctx.user,
            int(data["assignee_id"]),
            data["text"],
            due_at=datetime.fromisoformat(data["due"]) if data.get("due") else None,
            now=ctx.now,
        )
    except InvalidInput as refused:
        line = REFUSALS.get(refused.code, N_("The task could not be saved. Please try again."))
        return Done([Reply(ctx._(line))])
    except (NotFound, PermissionDenied):
        return Done(
            [
                Reply(
                    ctx._("{name} is not in your team any more.").format(name=data["assignee_name"])
                )
            ]
        )
    return Done(
        [Reply("✅ " + ctx._("Task assigned to {name}.").format(name=data["assignee_name"]))]
    )


TASK = Dialog(
    name="task",
    title=N_("Assign a task"),
    begin=begin_task,
    steps=(
        PickFrom(
            key="assignee",
            prompt=N_("For whom? Tap a name."),
            load=team_members,
            columns=2,
            invalid=N_("Please tap a name."),
            then=assignee_chosen,
        ),
        Text(
            key="text",
            prompt=text_prompt,
            max_len=tasks.MAX_TEXT,
            empty=N_("Please type the task."),
        ),
        When(
            key="due",
            prompt=N_("Due when? e.g. “friday 5pm”, “明天下午” (or skip)."),
            optional=True,
            shortcuts=(
                Option("tomorrow 6pm", N_("Tomorrow")),
                Option("next friday 6pm", N_("Next Friday")),
            ),
            columns=2,
            rule="future",
            invalid=N_("I could not read that as a future date. Try “friday 5pm”."),
        ),
        Confirm(prompt=task_summary, save=assign_task),
    ),
)


FEATURE = Feature(
    name="tasks",
    commands=(
        Command("tasks", N_("your open tasks"), EVERYONE, run=list_tasks),
        Command("task", N_("assign a task (managers)"), LEADS, dialog=TASK),
    ),
    actions={"tdone": done_button},
)
