"""Inbound updates taken once: inserting the claim row, before any processing, is the claim."""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError

from bot.models import ProcessedUpdate

MAX_KEY = 128


async def claim(channel: str, key: str) -> bool:
    """True for the first delivery of an update; False for a redelivery, which must do nothing.

    The unique (channel, key) pair makes the insert atomic across tasks, processes and restarts.
    """
    try:
        await ProcessedUpdate.create(channel=channel, key=key[:MAX_KEY])
    except IntegrityError:
        return False
    return True


async def prune(channel: str, before: datetime) -> int:
    """Forget claims older than any redelivery could be, so the table stays small."""
    return await ProcessedUpdate.filter(channel=channel, created_at__lt=before).delete()
