"""Scheduled jobs: thin module-level functions of (settings, now[, user id]) that fill the outbox.

Every job is a tick, run each minute on every instance: it computes set-based who is due now and
inserts notifications under unique dedupe keys (insert-or-ignore), so a restart mid-run, a late
tick, or a second instance on the same database can never send anything twice. Firings the bot
missed by more than `CRM_MISFIRE_GRACE` are recorded as done (a `job_runs` row) and logged.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from bot.config import Settings
from bot.dialogs.notices import TITLE
from bot.messages import Later
from bot.models import DialogState, Role
from bot.scheduler import daily_reports
from bot.scheduler.month_end import queue_month_end
from bot.services.discipline.pool import PoolRules, return_idle
from bot.services.finance import approvals
from bot.services.notify import digests, outbox
from bot.services.notify.digests import Recipient

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TickResult:
    """What one tick did: queued messages, firings with nothing to say, firings missed."""

    queued: int = 0
    nothing: int = 0
    missed: int = 0


def digest_key(user_id: int, local_date: str) -> str:
    return f"digest:{user_id}:{local_date}"


def summary_key(user_id: int, local_date: str) -> str:
    return f"summary:{user_id}:{local_date}"


def _grace(settings: Settings) -> timedelta:
    return timedelta(hours=settings.misfire_grace_hours)


async def _build(kind: str, recipients: list[Recipient], settings: Settings, now: datetime) -> Any:
    if kind == "digest":
        rules = PoolRules.from_settings(settings)
        return await digests.build_digests(
            recipients,
            now=now,
            dormant_days=settings.dormant_days,
            pool_rules=rules if rules.enabled else None,
        )
    return await digests.build_summaries(
        recipients,
        now=now,
        manager_days=settings.ladder_manager_days,
        risk_days=settings.ladder_risk_days,
    )


def _key(kind: str, recipient: Recipient) -> str:
    date = recipient.local_date.isoformat()
    return (
        digest_key(recipient.user_id, date)
        if kind == "digest"
        else summary_key(recipient.user_id, date)
    )


async def _daily(kind: str, settings: Settings, now: datetime) -> TickResult:
    """Queue today's digest (or summary) for everyone whose local time for it has come."""
    roles = [Role.REP] if kind == "digest" else [Role.MANAGER]
    at = settings.digest_time if kind == "digest" else settings.summary_time
    run = await digests.due_recipients(roles, at=at, now=now, grace=_grace(settings))
    keys = {id(r): _key(kind, r) for r in run.due + run.missed}
    taken = await outbox.existing_keys(sorted(set(keys.values())))
    todo = [r for r in run.due if keys[id(r)] not in taken]
    missed = sorted({keys[id(r)] for r in run.missed} - taken)
    built = await _build(kind, todo, settings, now)
    queue: list[tuple[int, Later, str]] = []
    nothing: list[str] = []
    for recipient in todo:
        item = built[recipient.user_id]
        skip_empty = kind == "summary" or settings.digest_when_empty == "skip"
        if item.empty and skip_empty:
            nothing.append(keys[id(recipient)])
        else:
            queue.append((recipient.user_id, Later(kind, item.params()), keys[id(recipient)]))
    async with in_transaction():
        queued = await outbox.notify_many(queue)
        await outbox.mark_done(nothing + missed)
    if missed:
        log.warning(
            "%d %s(s) missed by more than %s h (the bot was down) were skipped: %s",
            len(missed),
            kind,
            settings.misfire_grace_hours,
            ", ".join(missed[:10]) + (" …" if len(missed) > 10 else ""),
        )
    if queued:
        log.info("queued %d %s(s)", queued, kind)
    return TickResult(queued, len(nothing), len(missed))


async def digest_tick(settings: Settings, *, now: datetime) -> TickResult:
    """Morning digests for reps whose local `CRM_DIGEST_TIME` has come today."""
    return await _daily("digest", settings, now)


async def summary_tick(settings: Settings, *, now: datetime) -> TickResult:
    """Evening summaries for managers whose local `CRM_SUMMARY_TIME` has come today."""
    return await _daily("summary", settings, now)


async def reminder_tick(settings: Settings, *, now: datetime) -> TickResult:
    """A ping at a follow-up's own time of day (date-only ones are in the digest instead)."""
    reminders = await digests.due_reminders(now=now, grace=_grace(settings))
    queued = await outbox.notify_many(
        [(r.user_id, Later("reminder", r.params()), r.key) for r in reminders]
    )
    return TickResult(queued)


async def expiry_tick(settings: Settings, *, now: datetime) -> TickResult:
    """End idle dialogs and tell the person through the outbox, in one transaction per chat.

    The update is conditional on the row still holding that dialog and deadline, so a message
    the engine handled meanwhile wins; once ended here, the engine has no notice left to show.
    """
    rows = await DialogState.filter(dialog__isnull=False, expires_at__lte=now).values(
        "id", "channel", "external_id", "user_id", "dialog", "expires_at", "data"
    )
    queued = 0
    for row in rows:
        async with in_transaction():
            ended = await DialogState.filter(
                id=row["id"], dialog=row["dialog"], expires_at=row["expires_at"]
            ).update(dialog=None, step=None, token="", data={}, buttons=[], expires_at=None)
            if ended and row["user_id"]:
                stamp = f"{row['expires_at']:%Y%m%d%H%M%S}"
                key = f"expired:{row['channel']}:{row['external_id']}:{stamp}"
                params = {
                    "dialog": row["dialog"],
                    "title": _title_of(row["data"]),
                    "minutes": settings.dialog_timeout_minutes,
                }
                queued += await outbox.notify(
                    row["user_id"], Later("dialog_expired", params), key, channel=row["channel"]
                )
    return TickResult(queued)


async def approvals_tick(settings: Settings, *, now: datetime) -> TickResult:
    """Remind approvers past the SLA once, then escalate one level (conditional updates)."""
    done = await approvals.remind_and_escalate(now, sla_hours=settings.approval_sla_hours)
    return TickResult(queued=sum(done.values()))


async def daily_report_tick(settings: Settings, *, now: datetime) -> TickResult:
    """Daily reports drafted at each rep's local `CRM_DAILY_REPORT_AT` on working days."""
    return TickResult(*await daily_reports.draft_due(settings, now))


async def pool_tick(settings: Settings, *, now: datetime) -> TickResult:
    """Once a night (`CRM_POOL_TIME`, company zone): idle customers back to the public pool."""
    done = await return_idle(PoolRules.from_settings(settings), now=now)
    if done is not None:
        log.info("%s: %d customer(s) back to the public pool", done.key, len(done.moved))
    return TickResult()


async def month_end_tick(settings: Settings, *, now: datetime) -> TickResult:
    """Final attainment on the month's last day, at the evening summary time."""
    return TickResult(queued=await queue_month_end(settings, now=now))


JOBS = {
    "digest": digest_tick,
    "summary": summary_tick,
    "reminders": reminder_tick,
    "expiry": expiry_tick,
    "approvals": approvals_tick,
    "daily_reports": daily_report_tick,
    "pool": pool_tick,
    "month_end": month_end_tick,
}


# --- one person now (the command line) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OneOff:
    """A user's digest or summary for their today: its key, data, and whether it was queued."""

    key: str
    data: digests.Digest | digests.Summary | None
    queued: bool
    already: bool


async def for_user(
    kind: str, user_id: int, settings: Settings, *, now: datetime, dry_run: bool
) -> OneOff:
    """Build one user's message for today; queue it under the job's key unless `dry_run`.

    Sharing the key with the scheduled job makes "send it now" count as today's: neither the
    job nor a second call sends it again.
    """
    recipients = await digests.recipients_now([user_id], now=now)
    if not recipients:
        raise LookupError(user_id)
    recipient = recipients[0]
    key = _key(kind, recipient)
    already = bool(await outbox.existing_keys([key]))
    data = (await _build(kind, [recipient], settings, now))[user_id]
    if dry_run or already:
        return OneOff(key, data, False, already)
    skip_empty = kind == "summary" or settings.digest_when_empty == "skip"
    if data.empty and skip_empty:
        return OneOff(key, data, False, False)
    queued = await outbox.notify(user_id, Later(kind, data.params()), key)
    return OneOff(key, data, queued, not queued)


def _title_of(data: Any) -> str:
    """The ended dialog's title (a catalog id), which its state carries for this notice."""
    if isinstance(data, str | bytes):
        data = json.loads(data or "{}")
    title = data.get(TITLE) if isinstance(data, dict) else None
    return title if isinstance(title, str) else ""
