"""How a notification reaches a person: one `Sender` per channel, registered by channel name.

A port beside `bot.messages`: channels implement it, the outbox dispatcher uses it, and both
import it from here, so no channel depends on the scheduler.

A sender renders nothing itself beyond its channel's needs (keyboards, numbering); it sends one
neutral Reply to one chat and says how it failed in two typed ways the dispatcher understands.
A Reply may go out as several messages (a long text split at line ends): a failure says how many
parts were delivered before it, and the next attempt skips them, so no part arrives twice.
A sender never waits out a rate limit itself: it raises `Retryable` with the wait, and the
dispatcher pauses every send and reschedules the row, under a claim it keeps renewing.
"""

from __future__ import annotations

from typing import Protocol

from bot.messages import Reply


class SendError(Exception):
    """A delivery that did not happen; `sent` parts of the Reply were delivered before it."""

    sent: int = 0


class Retryable(SendError):
    """Try again later: network trouble, a 5xx, or a 429 with the wait the messenger asked for."""

    def __init__(self, reason: str, retry_after: float | None = None, *, sent: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.sent = sent


class Permanent(SendError):
    """Never going to work for this chat (blocked, deleted, chat not found): stop using it."""

    def __init__(self, reason: str, *, unreachable: bool = True, sent: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unreachable = unreachable
        self.sent = sent


class Sender(Protocol):
    """Send one Reply to one chat of this channel, or raise Retryable / Permanent.

    `skip` parts were delivered by an earlier attempt: send the rest only.
    """

    async def send(self, external_id: str, reply: Reply, *, skip: int = 0) -> None: ...
