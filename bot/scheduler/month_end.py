"""The month-end summary: on the last day of each person's month, at their evening summary
time, a rep with targets gets their final attainment and a manager the team's.

A tick like the others (`bot.scheduler.jobs`): who is due is computed set-based, the messages
go into the outbox under `month_end:<user>:<YYYY-MM>` (insert-or-ignore), so restarts and
several instances never send one twice; firings missed beyond the grace are recorded as done.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from bot.config import Settings
from bot.messages import Later
from bot.models import Role
from bot.services.discipline import targets
from bot.services.notify import digests, outbox
from bot.services.notify.digests import Recipient

log = logging.getLogger(__name__)


def month_end_key(user_id: int, local_date: str) -> str:
    return f"month_end:{user_id}:{local_date[:7]}"


def _last_day(recipient: Recipient) -> bool:
    day = recipient.local_date
    return day == targets.last_day(targets.month_of(day))


async def queue_month_end(settings: Settings, *, now: datetime) -> int:
    """Queue the month-end summaries due now; returns how many were queued."""
    grace = timedelta(hours=settings.misfire_grace_hours)
    run = await digests.due_recipients(
        [Role.REP, Role.MANAGER], at=settings.summary_time, now=now, grace=grace
    )
    due = [r for r in run.due if _last_day(r)]
    missed = [r for r in run.missed if _last_day(r)]
    if not due and not missed:
        return 0
    keys = {id(r): month_end_key(r.user_id, r.local_date.isoformat()) for r in due + missed}
    taken = await outbox.existing_keys(sorted(set(keys.values())))
    todo = [r for r in due if keys[id(r)] not in taken]
    reps, managers = await targets.month_end_people(todo)
    figures = await targets.rep_attainment([r for r in todo if r.user_id in reps])
    leading = [r for r in todo if r.user_id in managers]
    boards = await targets.team_attainment(
        leading, await targets.team_members([r.user_id for r in leading])
    )
    queue: list[tuple[int, Later, str]] = []
    nothing: list[str] = []
    for r in todo:
        month = targets.month_of(r.local_date).isoformat()
        if figures.get(r.user_id):
            params = {"month": month, "figures": [f.params() for f in figures[r.user_id]]}
        elif r.user_id in boards and not boards[r.user_id].empty:
            params = {"month": month, "board": boards[r.user_id].params()}
        else:
            nothing.append(keys[id(r)])
            continue
        queue.append((r.user_id, Later("month_end", params), keys[id(r)]))
    skipped = sorted({keys[id(r)] for r in missed} - taken)
    async with in_transaction():
        queued = await outbox.notify_many(queue)
        await outbox.mark_done(nothing + skipped)
    if skipped:
        log.warning("%d month-end summaries missed (the bot was down) were skipped", len(skipped))
    if queued:
        log.info("queued %d month-end summaries", queued)
    return queued
