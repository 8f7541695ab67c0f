"""A chat's updates in the platform's order, across instances (the pipeline's first step).

Each update the engine handles was claimed with its chat and its place in the platform's order
(`bot.services.updates`); an instance holding a later update waits while an earlier one is
claimed and not yet handled, and marks its own handled inside the chat's turn.
"""

from __future__ import annotations

import asyncio
import logging

from bot.messages import Incoming
from bot.services import updates

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
WAIT_SECONDS = 5.0


async def after_earlier(msg: Incoming, *, wait: float = WAIT_SECONDS) -> None:
    """Let an earlier update of this chat, taken by another instance, go first.

    Bounded: an instance that died holding one must not stall the chat for good; after `wait`
    seconds the earlier ones are given up, so nobody waits for them again.
    """
    if msg.seq is None:
        return
    waited = 0.0
    while await updates.earlier_pending(msg.channel, msg.external_id, msg.seq):
        if waited >= wait:
            log.warning(
                "update %s of %s:%s went ahead of an earlier one still pending",
                msg.seq,
                msg.channel,
                msg.external_id,
            )
            await updates.abandon_earlier(msg.channel, msg.external_id, msg.seq)
            return
        await asyncio.sleep(POLL_SECONDS)
        waited += POLL_SECONDS


async def taken(msg: Incoming) -> bool:
    """Inside the chat's turn: this update is handled (commits with what it changed); False
    when another turn handled it already, which must then change nothing."""
    if msg.seq is None:
        return True
    return await updates.mark_handled(msg.channel, msg.external_id, msg.seq)
