"""The outbox's way to WeChat and WeCom: text pushed through the platform's message API.

Official Accounts push with the customer-service API, which only works within 48 hours of the
person's last message (45015 otherwise): that chat is marked unreachable with the reason, and
becomes reachable again when the person writes. WeCom apps push with the app message API.
"""

from __future__ import annotations

from typing import Any

from bot.dialogs.messages import OutFile, Reply
from bot.handlers.wechat.api import Api, ApiError, Unavailable
from bot.handlers.wechat.render import render
from bot.scheduler.senders import Permanent, Retryable

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

    async def send(self, external_id: str, reply: Reply) -> None:
        platform = self.api.platform
        for part in render([reply], None):
            await self._post(external_id, platform.text_message(external_id, part))
        if reply.file is not None and reply.file.content:
            await self.send_file(external_id, reply.file)

    async def send_file(self, external_id: str, file: OutFile) -> None:
        """A chart as an image message, a spreadsheet as a file message (uploaded first); where
        the platform sends no documents (the core does not offer them there), a failure."""
        platform = self.api.platform
        kind = "image" if file.mime in IMAGE_TYPES else "file"
        if kind == "file" and not platform.sends_files:
            raise Permanent(
                f"an Official Account cannot send documents ({file.name})", unreachable=False
            )
        try:
            media_id = await self.api.upload(kind, file.name, file.content, file.mime)
        except ApiError as refused:
            raise _failure(refused) from refused
        except Unavailable as down:
            raise Retryable(f"network: {down}") from down
        await self._post(external_id, platform.media_message(external_id, kind, media_id))

    async def _post(self, external_id: str, body: dict[str, Any]) -> None:
        try:
            answer = await self.api.post(self.api.platform.send_path, body)
        except ApiError as refused:
            raise _failure(refused) from refused
        except Unavailable as down:
            raise Retryable(f"network: {down}") from down
        _check_delivered(answer, external_id)


def _failure(refused: ApiError) -> Exception:
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
