"""Durable intake: an update is stored (its payload with its claim) before the platform is told
it arrived, and handled from the database, by whichever instance takes it, once and in order.

The claim row of `bot.services.updates` carries the payload. `take` leases, in one statement,
the earliest pending update of each chat whose previous update is handled and finished, so one
chat's updates go one at a time, in the platform's order, across instances; different chats go
side by side. A lease that runs out (its instance died) lets another instance take the update
again; the chat's turn marks it handled in the same transaction as what it changed, and a turn
that finds it handled already does nothing, so nothing is handled twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import db
from bot.services import updates

# The earliest pending update of each chat whose earlier stored updates are all handled and
# finished (a handled one still leased is still sending its answers), not leased by a live
# instance. A claim without a payload (kept in memory by a release before this one) never blocks.
_TAKE = """
UPDATE processed_updates SET taken_until = $1
WHERE id IN (
    SELECT p.id FROM processed_updates p
    WHERE p.channel = $2 AND p.payload IS NOT NULL AND NOT p.handled
      AND (p.taken_until IS NULL OR p.taken_until < $3)
      AND NOT EXISTS (
          SELECT 1 FROM processed_updates e
          WHERE e.channel = p.channel AND e.chat = p.chat AND e.seq < p.seq
            AND e.payload IS NOT NULL AND (NOT e.handled OR e.taken_until >= $3)
      )
    ORDER BY p.seq
    LIMIT $4
)
AND NOT handled AND (taken_until IS NULL OR taken_until < $3)
RETURNING id, chat, seq, payload
"""
_FINISH = "UPDATE processed_updates SET handled = TRUE, taken_until = NULL WHERE id = $1"
_RELEASE = "UPDATE processed_updates SET taken_until = NULL WHERE id = $1"
_PENDING = """
SELECT count(*) AS n FROM processed_updates
WHERE channel = $1 AND payload IS NOT NULL AND NOT handled
"""


@dataclass(frozen=True, slots=True)
class Stored:
    """One update taken from the database to handle: its claim id, chat, order and payload."""

    id: int
    chat: str | None
    seq: int | None
    payload: str


async def store(channel: str, key: str, payload: str, *, chat: str | None, seq: int | None) -> bool:
    """Keep the update before acknowledging it; False when it was stored before (a redelivery)."""
    return await updates.claim(channel, key, chat=chat, seq=seq, payload=payload)


async def take(channel: str, *, now: datetime, lease: timedelta, limit: int) -> list[Stored]:
    """Lease up to `limit` updates that may be handled now (see the module's docstring)."""
    rows = await db.fetch(_TAKE, (_at(now + lease), channel, _at(now), limit))
    return sorted(
        (Stored(row["id"], row["chat"], row["seq"], row["payload"]) for row in rows),
        key=lambda stored: (stored.seq is None, stored.seq or 0),
    )


async def finish(stored: Stored) -> None:
    """Handled and answered: the chat's next update may go (and one the engine did not see,
    such as a group message, is marked handled here)."""
    await db.execute(_FINISH, (stored.id,))


async def release(stored: Stored) -> None:
    """Give an update back untouched (this instance is stopping): another may take it at once."""
    await db.execute(_RELEASE, (stored.id,))


async def pending(channel: str) -> int:
    """Updates stored and not handled yet: the backlog, in the database."""
    rows = await db.fetch(_PENDING, (channel,))
    return int(rows[0]["n"])


def _at(moment: datetime) -> Any:
    """A moment as the ORM keeps it: ISO text on SQLite, a timestamp on PostgreSQL."""
    return moment.isoformat(sep=" ") if db.dialect() == "sqlite" else moment
