"""Inbound updates taken once, and a chat's updates taken in order across instances.

Inserting the claim row, before any processing, is the claim. A claim that names its chat and
its place in the platform's order (`seq`) stays pending until the chat's turn marks it handled;
an instance holding a later update of that chat waits for the earlier one while it is pending.
"""

from __future__ import annotations

from datetime import datetime

from tortoise import connections
from tortoise.exceptions import IntegrityError

from bot import db
from bot.models import ProcessedUpdate

MAX_KEY = 128
MAX_CHAT = 64

_EARLIER = """
SELECT 1 FROM processed_updates
WHERE channel = $1 AND chat = $2 AND seq < $3 AND NOT handled LIMIT 1
"""
_HANDLED = """
UPDATE processed_updates SET handled = TRUE
WHERE channel = $1 AND chat = $2 AND seq = $3 AND NOT handled
"""
_ABANDON = """
UPDATE processed_updates SET handled = TRUE
WHERE channel = $1 AND chat = $2 AND seq < $3 AND NOT handled
"""


def ordered_in_database() -> bool:
    """Whether a chat's order must be kept through the database: where several instances share
    it (PostgreSQL). SQLite serves one instance, whose channel keeps each chat's updates in
    order by itself (Telegram's per-chat lock), so the extra read and write per message buy
    nothing there."""
    return connections.get("default").capabilities.dialect == "postgres"


async def claim(
    channel: str,
    key: str,
    *,
    chat: str | None = None,
    seq: int | None = None,
    payload: str | None = None,
) -> bool:
    """True for the first delivery of an update; False for a redelivery, which must do nothing.

    The unique (channel, key) pair makes the insert atomic across tasks, processes and restarts.
    `chat` and `seq` are given for updates the dialog engine will handle, so they keep order.
    """
    ordered = chat is not None and seq is not None and len(chat) <= MAX_CHAT
    try:
        await ProcessedUpdate.create(
            channel=channel,
            key=key[:MAX_KEY],
            chat=chat if ordered else None,
            seq=seq if ordered else None,
            payload=payload,
        )
    except IntegrityError:
        return False
    return True


async def earlier_pending(channel: str, chat: str, seq: int) -> bool:
    """Whether an earlier update of this chat was claimed and is not handled yet."""
    return bool(await db.fetch(_EARLIER, (channel, chat, seq)))


async def mark_handled(channel: str, chat: str, seq: int) -> bool:
    """Called in the chat's turn, so it commits with what the update changed; False when the
    update was handled already (a stored one taken again after its lease ran out)."""
    return await db.execute(_HANDLED, (channel, chat, seq)) > 0


async def abandon_earlier(channel: str, chat: str, seq: int) -> None:
    """Stop waiting for earlier updates of the chat (their instance died holding them), so no
    later update waits for them again."""
    await db.execute(_ABANDON, (channel, chat, seq))


async def prune(channel: str, before: datetime) -> int:
    """Forget claims older than any redelivery could be, so the table stays small."""
    return await ProcessedUpdate.filter(channel=channel, created_at__lt=before).delete()
