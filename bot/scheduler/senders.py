"""How the dispatcher reaches a person: one `Sender` per channel, registered by channel name.

A sender renders nothing itself beyond its channel's needs (keyboards, numbering); it sends one
neutral Reply to one chat and says how it failed in two typed ways the dispatcher understands.
"""

from __future__ import annotations

from typing import Protocol

from bot.dialogs.messages import Reply


class SendError(Exception):
    """A delivery that did not happen."""


class Retryable(SendError):
    """Try again later: network trouble, a 5xx, or a 429 with the wait the messenger asked for."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Permanent(SendError):
    """Never going to work for this chat (blocked, deleted, chat not found): stop using it."""

    def __init__(self, reason: str, *, unreachable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unreachable = unreachable


class Sender(Protocol):
    """Send one Reply to one chat of this channel, or raise Retryable / Permanent."""

    async def send(self, external_id: str, reply: Reply) -> None: ...
