"""The daily report's tick: at `CRM_DAILY_REPORT_AT` in each rep's zone, on working days, draft
every due rep's report from their day and send it to them to finish.

Once per rep and day across instances: the report row is unique per (rep, day) and inserted
with insert-or-ignore, and the push to the rep goes under the key `dailyreport:<rep>:<day>`;
a second tick or a second instance finds the key taken and does nothing. A rep who sent the
day's report early (`/daily`) gets no push; one who opened a draft early is sent that draft as
it stands (their words are never redrafted).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from bot.config import Settings
from bot.dialogs.report_words import draft_text
from bot.i18n import Translator
from bot.messages import Later
from bot.models import Role
from bot.services.discipline import daily_reports
from bot.services.notify import digests, outbox
from bot.services.notify.digests import Recipient

log = logging.getLogger(__name__)


def report_key(user_id: int, local_date: str) -> str:
    return f"dailyreport:{user_id}:{local_date}"


async def draft_due(settings: Settings, now: datetime) -> tuple[int, int, int]:
    """Draft and push the reports that are due now: (queued, nothing to send, missed)."""
    at = settings.daily_report_at
    if at is None:
        return 0, 0, 0
    grace = timedelta(hours=settings.misfire_grace_hours)
    run = await digests.due_recipients([Role.REP], at=at, now=now, grace=grace)
    due = daily_reports.due_today(run.due)
    late = daily_reports.due_today(run.missed)

    def key(r: Recipient) -> str:
        return report_key(r.user_id, r.local_date.isoformat())

    taken = await outbox.existing_keys(sorted({key(r) for r in due + late}))
    todo = [r for r in due if key(r) not in taken]
    missed = sorted({key(r) for r in late} - taken)
    facts = await daily_reports.gather(todo)
    words = await daily_reports.languages([r.user_id for r in todo])
    drafts = {}
    for r in todo:
        locale, tz = words.get(r.user_id, ("en", r.timezone))
        t = Translator.for_user(locale, tz, now=now)
        fact = facts[r.user_id]
        drafts[r.user_id] = (r.local_date, fact.weekly, draft_text(t, fact))
    stored = await daily_reports.store_drafts(drafts, now=now)
    queue = [
        (
            report.user_id,
            Later("daily_report_draft", report.params()),
            report_key(report.user_id, report.day.isoformat()),
        )
        for report in stored
        if not report.sent
    ]
    sent_early = [
        report_key(report.user_id, report.day.isoformat()) for report in stored if report.sent
    ]
    async with in_transaction():
        queued = await outbox.notify_many(queue)
        await outbox.mark_done(sent_early + missed)
    if missed:
        log.warning(
            "%d daily report(s) missed by more than %s h (the bot was down) were not drafted",
            len(missed),
            settings.misfire_grace_hours,
        )
    if queued:
        log.info("drafted %d daily report(s)", queued)
    return queued, len(sent_early), len(missed)
