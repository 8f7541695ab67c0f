"""/tasks: my open to-dos, done with one tap; /task: a manager assigns one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.dialogs.base import Answer, Ctx, Dialog, Done, Invalid, Question, Step, Transition
from bot.dialogs.common import action, text_of
from bot.dialogs.feature import EVERYONE, LEADS, Command, Feature
from bot.dialogs.widgets import confirmed
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.models import User
from bot.services import tasks
from bot.services.dates import parse_when
from bot.services.permissions import scope_for


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
    if not arg.isdigit():
        return [Reply(ctx._("That button is not valid any more."))]
    if await tasks.complete(ctx.user, int(arg), now=ctx.now):
        return [Reply("✅ " + ctx._("Done. Nice."))]
    return [Reply(ctx._("That task was already done."))]


async def begin_task(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    if not tasks.can_assign(ctx.user):
        return [Reply(ctx._("Only managers assign tasks. Your own list: /tasks"))]
    return {}


async def ask_assignee(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    scope = await scope_for(ctx.user)
    query = User.filter(active=True)
    if scope.owner_ids is not None:
        query = query.filter(id__in=list(scope.owner_ids))
    people = await query.order_by("name").limit(12).values_list("id", "name")
    return Question(
        ctx._("For whom? Tap a name."), [(f"u:{uid}", name) for uid, name in people], columns=2
    )


async def answer_assignee(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if not answer.choice or not answer.choice.startswith("u:"):
        raise Invalid(ctx._("Please tap a name."))
    user = await User.get(id=int(answer.choice[2:]))
    data["assignee_id"], data["assignee_name"] = user.id, user.name
    return None


async def ask_text(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(ctx._("What should {name} do?").format(name=data["assignee_name"]))


async def answer_text(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    data["text"] = text_of(answer, ctx, max_len=tasks.MAX_TEXT, what=ctx._("Please type the task."))
    return None


async def ask_due(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(
        ctx._("Due when? e.g. “friday 5pm”, “明天下午” (or skip)."),
        [("tomorrow 6pm", ctx._("Tomorrow")), ("next friday 6pm", ctx._("Next Friday"))],
        columns=2,
    )


async def answer_due(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    text = answer.choice or text_of(answer, ctx, max_len=100, what=ctx._("Please type a date."))
    when = parse_when(text, now=ctx.now, tz=ctx.t.timezone, prefer="future")
    if when is None or when <= ctx.now:
        raise Invalid(ctx._("I could not read that as a future date. Try “friday 5pm”."))
    data["due"] = when.isoformat()
    return None


async def ask_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    lines = [ctx._("Assign this task?"), f"👤 {data['assignee_name']}", f"📌 {data['text']}"]
    if data.get("due"):
        lines.append(
            ctx._("Due {when}").format(when=ctx.t.datetime(datetime.fromisoformat(data["due"])))
        )
    return Question("\n".join(lines), [("save", ctx._("✅ Save"))])


async def answer_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if not confirmed(answer):
        raise Invalid(ctx._("Tap Save to keep it, or Cancel to drop it."))
    await tasks.assign(
        ctx.user,
        int(data["assignee_id"]),
        data["text"],
        due_at=datetime.fromisoformat(data["due"]) if data.get("due") else None,
        now=ctx.now,
    )
    return Done(
        [Reply("✅ " + ctx._("Task assigned to {name}.").format(name=data["assignee_name"]))]
    )


TASK = Dialog(
    name="task",
    title=N_("Assign a task"),
    begin=begin_task,
    steps=(
        Step("assignee", ask_assignee, answer_assignee),
        Step("text", ask_text, answer_text),
        Step("due", ask_due, answer_due, optional=True),
        Step("confirm", ask_confirm, answer_confirm),
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
