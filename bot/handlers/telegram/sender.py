"""The outbox's way to Telegram: a neutral Reply sent with python-telegram-bot's `Bot`.

Rendering is the channel's (`render.plan`: text parts within limits, inline keyboards); this
only maps Telegram's answers onto the dispatcher's two failure kinds.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.dialogs.messages import Reply
from bot.handlers.telegram import render
from bot.scheduler.senders import Permanent, Retryable

GONE = ("chat not found", "user is deactivated", "bot was kicked", "peer_id_invalid")


class TelegramSender:
    """Implements `bot.scheduler.senders.Sender` for the "telegram" channel."""

    __slots__ = ("bot",)

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, external_id: str, reply: Reply) -> None:
        chat_id = int(external_id)
        try:
            for out in render.plan(reply):
                await self.bot.send_message(chat_id, out.text, reply_markup=out.markup)
        except RetryAfter as flood:
            wait = flood.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise Retryable(f"429: {flood.message}", retry_after=seconds) from flood
        except Forbidden as blocked:
            raise Permanent(f"blocked: {blocked.message}") from blocked
        except BadRequest as bad:
            gone = any(marker in bad.message.lower() for marker in GONE)
            raise Permanent(f"refused: {bad.message}", unreachable=gone) from bad
        except NetworkError as down:  # timeouts and 5xx answers too
            raise Retryable(f"network: {down.message}") from down
        except TelegramError as other:
            raise Retryable(f"telegram: {other.message}") from other
