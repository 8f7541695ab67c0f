"""Tasks: a manager assigns, the rep sees and closes it with one tap, reps cannot assign."""

from __future__ import annotations

from bot.buttons import Action, pack
from bot.models import Task
from tests.conftest import Team
from tests.money.helpers import outbox_for


async def test_manager_assigns_and_rep_closes_with_one_tap(team: Team) -> None:
    mia, li = team.chats["Mia"], team.chats["Li Wei"]
    reply = await li.say("/task")
    assert "Only managers assign tasks" in reply
    reply = await mia.say("/task")
    assert "Olga" not in reply
    await mia.tap("Li Wei")
    await mia.say("Call Acme about the overdue invoice")
    reply = await mia.say("明天下午3点")
    assert "Assign this task?" in reply and "Due Nov 19, 15:00" in reply
    reply = await mia.tap("Save")
    assert "Task assigned to Li Wei." in reply
    note = (await outbox_for(team, "Li Wei"))[-1]
    assert "New task from Mia" in note.text
    reply = await li.say("/tasks")
    assert "1 open task" in reply and "Call Acme" in reply
    reply = await li.tap("Done")
    assert "Done. Nice." in reply
    task = await Task.get(assignee_id=team.users["Li Wei"].id)
    assert task.done_at is not None
    assert "already done" in await li.send(button=pack(Action("tdone", f"{task.id}")))
    assert "No open tasks" in await li.say("/tasks")
    assert "Not found" in await team.chats["Olga"].send(button=pack(Action("tdone", f"{task.id}")))
