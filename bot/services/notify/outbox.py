"""The outbox: `notify` writes a row with the change that caused it; dispatchers claim and deliver.

A row is pending until sent, or failed with a reason (a blocked bot, too many network errors).
Payloads are channel-neutral JSON, either a ready Reply (`{"text", "buttons"}`) or a spec to
render later in the recipient's language (`{"params": {...}}`, rendered by its `kind`).
Delivery is at-least-once at the messenger boundary: a dispatcher that dies between sending and
recording may leave a row that another sends again after its lease; everything before that is
exactly once (unique dedupe key, claims under `FOR UPDATE SKIP LOCKED` on PostgreSQL). A claim
is a lease that its dispatcher renews while the row is in its hands (`renew`), so a slow send or
a long rate-limit pause never lets another dispatcher take the row and send it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.functions import Count, Min
from tortoise.transactions import in_transaction

from bot.messages import Button, ButtonKind, Later, Reply
from bot.models import ChannelIdentity, JobRun, Notification, NotificationStatus, User

LEASE = timedelta(seconds=60)
MAX_ERROR = 300
SENT_PARTS = "sent_parts"  # payload key: parts of a split message already delivered


def reply_to_payload(reply: Reply) -> dict[str, Any]:
    """A neutral Reply as JSON (files are not stored in the outbox)."""
    return {
        "text": reply.text,
        "buttons": [
            [{"label": b.label, "data": b.data, "kind": str(b.kind)} for b in row]
            for row in reply.buttons
        ],
    }


def payload_to_reply(payload: dict[str, Any]) -> Reply:
    """The Reply a stored `{"text", "buttons"}` payload describes."""
    rows = tuple(
        tuple(
            Button(b["label"], b["data"], ButtonKind(b.get("kind", ButtonKind.ACTION))) for b in row
        )
        for row in payload.get("buttons", [])
    )
    return Reply(str(payload.get("text", "")), rows)


def _values(
    recipient: int | User, message: Reply | Later, dedupe_key: str, channel: str
) -> dict[str, Any]:
    recipient_id = recipient if isinstance(recipient, int) else recipient.id
    if isinstance(message, Later):
        kind, payload = message.kind, {"params": message.params}
    else:
        kind, payload = "message", reply_to_payload(message)
    return {
        "recipient_id": recipient_id,
        "dedupe_key": dedupe_key[:191],
        "kind": kind[:32],
        "payload": payload,
        "channel": channel[:16],
    }


async def notify(
    recipient: int | User, message: Reply | Later, dedupe_key: str, *, channel: str = ""
) -> bool:
    """Queue one message in the caller's transaction; False when the key was already queued.

    The insert runs in a savepoint, so a duplicate key leaves the caller's transaction usable
    (PostgreSQL aborts a transaction on a failed statement otherwise). `channel` prefers an
    identity on that channel (a dialog's own chat) when it is reachable.
    """
    values = _values(recipient, message, dedupe_key, channel)
    if await Notification.filter(dedupe_key=values["dedupe_key"]).exists():
        return False
    try:
        async with in_transaction():
            await Notification.create(**values)
    except IntegrityError:
        return False
    return True


async def notify_many(items: Iterable[tuple[int, Reply | Later, str]]) -> int:
    """Queue many at once, insert-or-ignore on the dedupe key; returns how many are new."""
    rows = [Notification(**_values(uid, message, key, "")) for uid, message, key in items]
    if not rows:
        return 0
    keys = [row.dedupe_key for row in rows]
    before = await Notification.filter(dedupe_key__in=keys).count()
    await Notification.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return await Notification.filter(dedupe_key__in=keys).count() - before


async def mark_done(keys: Sequence[str]) -> None:
    """Remember job firings that produced nothing to send (insert-or-ignore on the key)."""
    if keys:
        await JobRun.bulk_create(
            [JobRun(key=key[:191]) for key in keys], batch_size=500, ignore_conflicts=True
        )


async def existing_keys(keys: Sequence[str]) -> set[str]:
    """Which of these keys are taken already: queued notifications or recorded job firings."""
    if not keys:
        return set()
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        found.update(
            await Notification.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True)
        )
        found.update(await JobRun.filter(key__in=chunk).values_list("key", flat=True))
    return found


# --- claiming ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    """One claimed notification, with its recipient's language and reachable chats."""

    id: int
    recipient_id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    preferred_channel: str
    identities: tuple[tuple[str, str], ...]  # (channel, external_id), most recent first
    locale: str
    timezone: str

    @property
    def sent_parts(self) -> int:
        """Parts of this message an earlier attempt delivered (a long text split in several)."""
        return int(self.payload.get(SENT_PARTS, 0))

    def route(self, channels: Iterable[str]) -> tuple[str, str] | None:
        """The chat to use: the preferred channel's, else the most recent one we can push to."""
        usable = [i for i in self.identities if i[0] in set(channels)]
        preferred = [i for i in usable if i[0] == self.preferred_channel]
        return (preferred or usable or [None])[0]


def new_worker_id() -> str:
    return uuid.uuid4().hex[:16]


_CLAIM_PG = """
UPDATE notifications SET claimed_by = $1, claimed_until = $2
WHERE id IN (
    SELECT n.id FROM notifications n
    WHERE n.status = 'pending'
      AND (n.next_attempt_at IS NULL OR n.next_attempt_at <= $3)
      AND (n.claimed_until IS NULL OR n.claimed_until < $3)
      AND NOT EXISTS (
          SELECT 1 FROM notifications p
          WHERE p.recipient_id = n.recipient_id AND p.status = 'pending' AND p.id < n.id)
    ORDER BY n.id
    LIMIT $4
    FOR UPDATE SKIP LOCKED)
RETURNING id
"""


async def claim(
    worker: str, *, now: datetime, limit: int = 100, lease: timedelta = LEASE
) -> list[Claimed]:
    """Take up to `limit` due rows, at most the oldest pending one per recipient (keeps order).

    PostgreSQL: one UPDATE over a `FOR UPDATE SKIP LOCKED` subquery, so concurrent dispatchers
    never take the same row. SQLite: one writer at a time, so select-then-update-where-unclaimed
    in a transaction is enough. A claim is a lease: a crashed worker's rows come back after it.
    """
    until = now + lease
    conn = Notification._meta.db
    if conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict(_CLAIM_PG, [worker, until, now, limit])
        ids = [int(row["id"]) for row in rows]
    else:
        async with in_transaction():
            candidates = await _sqlite_candidates(now, limit)
            if candidates:
                await Notification.filter(
                    Q(id__in=candidates)
                    & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
                ).update(claimed_by=worker, claimed_until=until)
            ids = candidates
        ids = list(
            await Notification.filter(id__in=ids, claimed_by=worker).values_list("id", flat=True)
        )
    if not ids:
        return []
    return await _describe(sorted(ids))


async def _sqlite_candidates(now: datetime, limit: int) -> list[int]:
    """Per recipient, the oldest pending row, if it is due and not leased."""
    firsts = (
        await Notification.filter(status=NotificationStatus.PENDING)
        .group_by("recipient_id")
        .annotate(first=Min("id"))
        .values_list("first", flat=True)
    )
    if not firsts:
        return []
    ids: list[int] = []
    for start in range(0, len(firsts), 900):
        chunk = firsts[start : start + 900]
        ids += await Notification.filter(
            Q(id__in=chunk)
            & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        ).values_list("id", flat=True)
    return sorted(ids)[:limit]


async def _describe(ids: list[int]) -> list[Claimed]:
    """The claimed rows with their recipient's language and reachable identities."""
    rows = await Notification.filter(id__in=ids).values(
        "id", "recipient_id", "kind", "payload", "attempts", "channel"
    )
    people = {row["recipient_id"] for row in rows}
    prefs = {
        uid: (locale, tz)
        for uid, locale, tz in await User.filter(id__in=people).values_list(
            "id", "locale", "timezone"
        )
    }
    identities: dict[int, list[tuple[str, str]]] = {}
    for uid, channel, external_id in (
        await ChannelIdentity.filter(user_id__in=people, unreachable_at__isnull=True)
        .order_by("-id")
        .values_list("user_id", "channel", "external_id")
    ):
        identities.setdefault(uid, []).append((channel, external_id))
    claimed = []
    for row in sorted(rows, key=lambda r: r["id"]):
        uid = row["recipient_id"]
        locale, tz = prefs.get(uid, ("en", "UTC"))
        claimed.append(
            Claimed(
                row["id"],
                uid,
                row["kind"],
                dict(row["payload"] or {}),
                row["attempts"],
                row["channel"],
                tuple(identities.get(uid, ())),
                locale,
                tz,
            )
        )
    return claimed


async def renew(
    ids: Iterable[int], worker: str, *, now: datetime, lease: timedelta = LEASE
) -> set[int]:
    """Extend this worker's leases on rows it is still delivering; returns the rows among them
    that another worker has claimed since (our lease ran out unnoticed): those are not taken
    back, and their delivery must not go ahead here."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    pending = Q(id__in=wanted, status=NotificationStatus.PENDING)
    # A row whose outcome was just recorded (no lease any more) is not leased again.
    mine = Q(claimed_by=worker, claimed_until__isnull=False)
    await Notification.filter(pending & mine).update(claimed_until=now + lease)
    return set(
        await Notification.filter(pending & ~Q(claimed_by=worker)).values_list("id", flat=True)
    )


# --- outcomes ---------------------------------------------------------------------------------


async def mark_sent(notification_id: int, worker: str, channel: str, *, now: datetime) -> None:
    await Notification.filter(id=notification_id).update(
        status=NotificationStatus.SENT,
        sent_at=now,
        channel=channel,
        attempts=_attempts_plus_one(),
        claimed_until=None,
        last_error="",
    )


def _attempts_plus_one() -> Any:
    return F("attempts") + 1


async def mark_retry(
    notification_id: int,
    reason: str,
    *,
    at: datetime,
    count_attempt: bool = True,
    progress: tuple[dict[str, Any], int] | None = None,
) -> None:
    """Back to pending, due again at `at` (a 429's wait does not count as an attempt).

    `progress` is the row's payload and how many parts of it are delivered now: the next
    attempt sends the rest only.
    """
    values: dict[str, Any] = {
        "next_attempt_at": at,
        "claimed_until": None,
        "last_error": reason[:MAX_ERROR],
    }
    if count_attempt:
        values["attempts"] = _attempts_plus_one()
    if progress is not None and progress[1] > int(progress[0].get(SENT_PARTS, 0)):
        values["payload"] = {**progress[0], SENT_PARTS: progress[1]}
    await Notification.filter(id=notification_id).update(**values)


async def mark_failed(notification_id: int, reason: str, *, count_attempt: bool = True) -> None:
    """Given up for good; the reason stays for `crmbot outbox`."""
    values: dict[str, Any] = {
        "status": NotificationStatus.FAILED,
        "claimed_until": None,
        "last_error": reason[:MAX_ERROR],
    }
    if count_attempt:
        values["attempts"] = _attempts_plus_one()
    await Notification.filter(id=notification_id).update(**values)


async def mark_unreachable(channel: str, external_id: str, reason: str, *, now: datetime) -> None:
    """The person blocked the bot (or the chat is gone): stop using this identity."""
    await ChannelIdentity.filter(
        channel=channel, external_id=external_id, unreachable_at__isnull=True
    ).update(unreachable_at=now, unreachable_reason=reason[:200])


async def mark_reachable(channel: str, external_id: str) -> None:
    """The person wrote again (or followed again): the chat can be pushed to again."""
    await ChannelIdentity.filter(
        channel=channel, external_id=external_id, unreachable_at__isnull=False
    ).update(unreachable_at=None, unreachable_reason="")


# --- what `crmbot outbox` shows ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxState:
    """Counts per status, the oldest pending row, recent failures, unreachable identities."""

    counts: dict[str, int]
    oldest_pending: datetime | None
    retrying: int
    failures: list[dict[str, Any]]
    unreachable: list[dict[str, Any]]


async def state(*, limit: int = 20) -> OutboxState:
    counts = {str(s): 0 for s in NotificationStatus}
    for status, n in (
        await Notification.all()
        .group_by("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    ):
        counts[str(status)] = n
    oldest = (
        await Notification.filter(status=NotificationStatus.PENDING)
        .order_by("id")
        .first()
        .values_list("created_at", flat=True)
    )
    retrying = await Notification.filter(status=NotificationStatus.PENDING, attempts__gt=0).count()
    failures = (
        await Notification.filter(status=NotificationStatus.FAILED)
        .order_by("-id")
        .limit(limit)
        .values("id", "recipient_id", "kind", "dedupe_key", "attempts", "last_error", "created_at")
    )
    unreachable = await (
        ChannelIdentity.filter(unreachable_at__isnull=False)
        .order_by("-unreachable_at")
        .limit(limit)
        .values("user_id", "channel", "external_id", "unreachable_at", "unreachable_reason")
    )
    return OutboxState(counts, oldest, retrying, list(failures), list(unreachable))


@dataclass(frozen=True, slots=True)
class PendingFigures:
    """What monitoring watches: the queue's length, its failures, how long the oldest waits."""

    pending: int
    failed: int
    oldest_pending_seconds: float


async def pending_figures(*, now: datetime) -> PendingFigures:
    """One grouped query over the pending and failed rows (the status index; sent rows unread)."""
    rows = await (
        Notification.filter(status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED])
        .group_by("status")
        .annotate(n=Count("id"), oldest=Min("created_at"))
        .values_list("status", "n", "oldest")
    )
    pending = failed = 0
    age = 0.0
    for status, n, oldest in rows:
        if status == NotificationStatus.PENDING:
            pending = n
            if oldest is not None:
                if isinstance(oldest, str):  # SQLite hands an aggregate back as stored text
                    oldest = datetime.fromisoformat(oldest)
                age = max(0.0, (now - oldest).total_seconds())
        else:
            failed = n
    return PendingFigures(pending, failed, age)
