"""The outbox's way to WeChat and WeCom: text pushed through the platform's message API.

Official Accounts push with the customer-service API, which only works within 48 hours of the
person's last message (45015 otherwise): that chat is marked unreachable with the reason, and
becomes reachable again when the person writes. WeCom apps push with the app message API.

Frequency and quota limits (45009 and kin) are not waited out here: they go back to the
dispatcher as a `Retryable` with a wait, which pauses the platform and reschedules the row.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.handlers.wechat.api import Api, ApiError, Unavailable
from bot.handlers.wechat.render import render
from bot.messages import OutFile, Reply
from bot.scheduler.senders import Permanent, Retryable, SendError

IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})
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
        parts = render([reply], None)
        for index, part in enumerate(parts):
            if index < skip:
                continue
            await self._post(external_id, platform.text_message(external_id, part), sent=index)
        if reply.file is not None and reply.file.content:
            await self.send_file(external_id, reply.file, sent=len(parts))

    async def send_file(self, external_id: str, file: OutFile, *, sent: int = 0) -> None:
        """A chart as an image message, a spreadsheet as a file message (uploaded first); where
        the platform sends no documents (the core does not offer them there), a failure."""
        platform = self.api.platform
        kind = "image" if file.mime in IMAGE_TYPES else "file"
        if kind == "file" and not platform.sends_files:
            raise Permanent(
                f"an Official Account cannot send documents ({file.name})",
                unreachable=False,
                sent=sent,
            )
        async with _counted(sent):
            media_id = await self.api.upload(kind, file.name, file.content, file.mime)
        message = platform.media_message(external_id, kind, media_id)
        await self._post(external_id, message, sent=sent)

    async def _post(self, external_id: str, body: dict[str, Any], *, sent: int) -> None:
        """One push; a failure carries `sent`, the parts of the message delivered before it."""
        async with _counted(sent):
            answer = await self.api.post(self.api.platform.send_path, body)
            _check_delivered(answer, external_id)


@asynccontextmanager
async def _counted(sent: int) -> AsyncIterator[None]:
    """A platform call's failure as the outbox understands it, with the parts already sent."""
    try:
        yield
    except ApiError as refused:
        failure = _failure(refused)
        failure.sent = sent
        raise failure from refused
    except Unavailable as down:
        raise Retryable(f"network: {down}", sent=sent) from down
    except Permanent as refused:
        refused.sent = sent
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
