"""The outbox's way to Telegram, the one push to a chat outside an update: a neutral Reply sent
with python-telegram-bot's `Bot`.

Rendering is the channel's (`render.plan`: text parts within limits, inline keyboards, files);
`send_part` sends one part (the adapter's answers to updates use it too), and the sender maps
Telegram's answers onto the dispatcher's two failure kinds. The Bot must not retry by
itself (no `AIORateLimiter`): a 429 goes back to the dispatcher at once, which pauses sending
for `retry_after` and reschedules the row; a send that waited out the 429 inside would outlive
its claim, and another dispatcher would send the same message again.
"""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from telegram import Bot, InputFile, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.handlers.telegram import parse, render
from bot.messages import Reply
from bot.sending import Permanent, Retryable, SendError

GONE = ("chat not found", "user is deactivated", "bot was kicked", "peer_id_invalid")


class TelegramSender:
    """Implements `bot.sending.Sender` for the "telegram" channel."""

    __slots__ = ("bot",)

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, external_id: str, reply: Reply, *, skip: int = 0) -> None:
        chat_id = int(external_id)
        for index, out in enumerate(render.plan(reply)):
            if index < skip:
                continue
            try:
                await send_part(self.bot, chat_id, out)
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


async def send_part(bot: Bot, chat_id: int, out: render.Outgoing) -> Message:
    """One planned part: a text message, or a photo / document (resent by its id when Telegram
    holds it) with its caption and keyboard."""
    if out.file is None:
        return await bot.send_message(chat_id, out.text, reply_markup=out.markup)
    caption = out.text or None
    prefix = f"{parse.CHANNEL}:"
    if out.file.ref.startswith(prefix):  # Telegram resends a file it holds by its id
        file_id = out.file.ref[len(prefix) :]
        if out.is_photo:
            return await bot.send_photo(chat_id, file_id, caption=caption, reply_markup=out.markup)
        return await bot.send_document(chat_id, file_id, caption=caption, reply_markup=out.markup)
    upload = InputFile(BytesIO(out.file.content), filename=out.file.name)
    if out.is_photo:
        return await bot.send_photo(chat_id, upload, caption=caption, reply_markup=out.markup)
    return await bot.send_document(chat_id, upload, caption=caption, reply_markup=out.markup)
