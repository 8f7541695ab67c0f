"""The outbox's way to WeChat and WeCom: text pushed through the platform's message API.

Official Accounts push with the customer-service API, which only works within 48 hours of the
person's last message (45015 otherwise): that chat is marked unreachable with the reason, and
becomes reachable again when the person writes. WeCom apps push with the app message API.

Frequency and quota limits (45009 and kin) are not waited out here: they go back to the
dispatcher as a `Retryable` with a wait, which pauses the platform and reschedules the row.
"""

from __future__ import annotations

from typing import Any

from bot.dialogs.messages import Reply
from bot.handlers.wechat.api import Api, ApiError, Unavailable
from bot.handlers.wechat.render import render
from bot.scheduler.senders import Permanent, Retryable, SendError

OUTSIDE_WINDOW = 45015
BUSY = frozenset({-1, 45009, 45011, 45033, 45047})  # system busy, frequency and quota limits
BUSY_WAIT = 60.0
GONE = frozenset({40003, 43004, 60111, 81013, 60102})  # no such person, unfollowed, left


class WeChatSender:
    """Implements `bot.scheduler.senders.Sender` for one platform ("wechat" or "wecom")."""

    __slots__ = ("api",)

    def __init__(self, api: Api) -> None:
        self.api = api

    async def send(self, external_id: str, reply: Reply, *, skip: int = 0) -> None:
        """Push the parts from `skip` on; a failure says how many were delivered before it."""
        platform = self.api.platform
        for index, part in enumerate(render([reply], None)):
            if index < skip:
                continue
            try:
                answer = await self.api.post(
                    platform.send_path, platform.text_message(external_id, part)
                )
                _check_delivered(answer, external_id)
            except ApiError as refused:
                failure = _failure(refused)
                failure.sent = index
                raise failure from refused
            except Unavailable as down:
                raise Retryable(f"network: {down}", sent=index) from down
            except Permanent as refused:
                refused.sent = index
                raise


def _failure(refused: ApiError) -> SendError:
    if refused.code == OUTSIDE_WINDOW:
        return Permanent(
            f"45015: outside the 48-hour window (the person has not written for two days): "
            f"{refused.message}"
        )
    if refused.code in BUSY:
        return Retryable(f"{refused.code}: {refused.message}", retry_after=BUSY_WAIT)
    if refused.code in GONE:
        return Permanent(f"{refused.code}: {refused.message}")
    return Permanent(f"{refused.code}: {refused.message}", unreachable=False)


def _check_delivered(answer: dict[str, Any], external_id: str) -> None:
    """WeCom answers errcode 0 yet lists people it could not reach."""
    invalid = str(answer.get("invaliduser", "") or "")
    if external_id in invalid.split("|"):
        raise Permanent("81013: not a member of the app's visible range (invaliduser)")
