"""The outbox's way to Telegram: a neutral Reply sent with python-telegram-bot's `Bot`.

Rendering is the channel's (`render.plan`: text parts within limits, inline keyboards); this
only maps Telegram's answers onto the dispatcher's two failure kinds. The Bot must not retry by
itself (no `AIORateLimiter`): a 429 goes back to the dispatcher at once, which pauses sending
for `retry_after` and reschedules the row; a send that waited out the 429 inside would outlive
its claim, and another dispatcher would send the same message again.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.handlers.telegram import render
from bot.messages import Reply
from bot.scheduler.senders import Permanent, Retryable, SendError

GONE = ("chat not found", "user is deactivated", "bot was kicked", "peer_id_invalid")


class TelegramSender:
    """Implements `bot.scheduler.senders.Sender` for the "telegram" channel."""

    __slots__ = ("bot",)

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, external_id: str, reply: Reply, *, skip: int = 0) -> None:
        chat_id = int(external_id)
        for index, out in enumerate(render.plan(reply)):
            if index < skip:
                continue
            try:
                await self.bot.send_message(chat_id, out.text, reply_markup=out.markup)
            except TelegramError as error:
                failure = _failure(error)
                failure.sent = index
                raise failure from error


def _failure(error: TelegramError) -> SendError:
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return Retryable(f"429: {error.message}", retry_after=seconds)
    if isinstance(error, Forbidden):
        return Permanent(f"blocked: {error.message}")
    if isinstance(error, BadRequest):
        gone = any(marker in error.message.lower() for marker in GONE)
        return Permanent(f"refused: {error.message}", unreachable=gone)
    if isinstance(error, NetworkError):  # timeouts and 5xx answers too
        return Retryable(f"network: {error.message}")
    return Retryable(f"telegram: {error.message}")
