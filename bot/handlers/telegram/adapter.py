"""The Telegram adapter: parse a stored update, ask the core, send its answer back.

Only answers to an update go out here (through the Application's bot, which waits out a 429);
a push to a chat outside an update is the outbox's (`sender.TelegramSender`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from telegram import Bot, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.dialogs.engine import Engine
from bot.handlers.telegram import parse, render
from bot.handlers.telegram.sender import send_part
from bot.messages import Incoming, Reply
from bot.metrics import IGNORED, NO_METRICS, Metrics

log = logging.getLogger(__name__)

CHANNEL = parse.CHANNEL


class TelegramAdapter:
    """As thin as the console: everything the bot says comes from the core, except two lines."""

    __slots__ = ("engine", "metrics")

    def __init__(self, engine: Engine, metrics: Metrics = NO_METRICS) -> None:
        self.engine = engine
        self.metrics = metrics

    async def handle(self, update: Update, bot: Bot) -> None:
        """One stored update (`bot.services.intake` took it once): private chats go to the core,
        groups get one line when addressed, the rest is ignored; a failure is apologised for."""
        private = parse.is_private(update)
        incoming = parse.incoming(update) if private else None
        if incoming is not None:  # the turn marks it handled with what it changed
            incoming = replace(incoming, seq=update.update_id)
        chat, user = update.effective_chat, update.effective_user
        with self.metrics.handling(
            CHANNEL,
            update_id=update.update_id,
            chat=chat.id if chat else None,
            user=user.id if user else None,
        ) as handling:
            # A tap's spinner stops at once, whatever the core answers; in parallel with the core.
            answering = asyncio.ensure_future(_answer(update)) if update.callback_query else None
            try:
                if not private:
                    await self._group(update, bot)
                    handling.outcome = IGNORED
                elif incoming is None:
                    handling.outcome = IGNORED
                else:
                    await self._process(update, bot, incoming)
            except Exception as error:
                await self.failed(update, bot, error)
            finally:
                if answering is not None:
                    await answering

    async def _process(self, update: Update, bot: Bot, incoming: Incoming) -> None:
        """Private chats go to the core; a tapped question then shows its answer, no buttons."""
        incoming = await self._with_audio(bot, incoming)
        incoming = await self._with_file(bot, incoming)
        incoming = await self._with_photo(bot, incoming)
        replies = await self.engine.handle(incoming)
        query = update.callback_query
        if query is not None and render.is_choice(query.data):
            await self._show_choice(update)
        await _reply(bot, int(incoming.external_id), replies)

    async def _with_audio(self, bot: Bot, incoming: Incoming) -> Incoming:
        """Fetch a voice note's bytes through the configured Bot API server, if the core wants them.

        A failed download leaves the note without bytes; the core then asks to type it instead.
        """
        audio = incoming.audio
        if audio is None or not self.engine.wants_audio_bytes(audio):
            return incoming
        data = await _fetched(bot, audio.ref, "voice note")
        return incoming if data is None else replace(incoming, audio=replace(audio, data=data))

    async def _with_file(self, bot: Bot, incoming: Incoming) -> Incoming:
        """Fetch a sent spreadsheet's bytes when the core reads it; a failed download leaves
        it without bytes, and the core says it could not read the file."""
        document = incoming.document
        if document is None or not self.engine.wants_file(document):
            return incoming
        data = await _fetched(bot, document.ref, "file")
        if data is None:
            return incoming
        return replace(incoming, document=replace(document, data=data))

    async def _with_photo(self, bot: Bot, incoming: Incoming) -> Incoming:
        """Fetch a photo's bytes for the core to keep on a visit; a failed download leaves it
        without bytes, and the core asks to send it again."""
        picture = incoming.photo
        if picture is None or not self.engine.wants_photo(picture):
            return incoming
        data = await _fetched(bot, picture.ref, "photo")
        return incoming if data is None else replace(incoming, photo=replace(picture, data=data))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's error handler: the same as a failure of `handle`."""
        if isinstance(update, Update) and context.error is not None:
            await self.failed(update, context.bot, context.error)
        else:
            log.error("Telegram failed outside an update", exc_info=context.error)

    async def failed(self, update: Update, bot: Bot, error: BaseException) -> None:
        """Log with the update id, apologise in one line, keep serving."""
        update_id = update.update_id
        log.error("update %s failed", update_id, exc_info=error)
        if not parse.is_private(update):
            return
        if isinstance(error, Forbidden):
            return  # the person blocked the bot: nobody to apologise to
        chat = update.effective_chat
        assert chat is not None
        t = parse.translator(update)
        try:
            await bot.send_message(
                chat.id, t.gettext("Sorry, something went wrong on my side. Please try again.")
            )
        except TelegramError as again:
            log.warning("could not apologise for update %s: %s", update_id, again)

    async def _show_choice(self, update: Update) -> None:
        """The answered question keeps its text plus "→ choice" and loses its buttons."""
        query = update.callback_query
        label = parse.chosen_label(update)
        if query is None or label is None or not isinstance(query.message, Message):
            return  # not a button of that message (forged): leave the message alone
        message = query.message
        try:
            if message.text is not None:
                await message.edit_text(render.with_choice(message.text, label), reply_markup=None)
            else:
                await message.edit_reply_markup(reply_markup=None)
        except BadRequest as stale:
            log.info("could not mark the choice on message %s: %s", message.message_id, stale)

    async def _group(self, update: Update, bot: Bot) -> None:
        """In groups: one line when addressed (command, mention, reply), silence otherwise."""
        chat = update.effective_chat
        if chat is None or update.callback_query is not None:
            return
        if not parse.addressed_to_bot(update.message, bot.username):
            return
        t = parse.translator(update)
        line = t.gettext("I only work in private chats. Please write to me directly: {link}")
        await bot.send_message(chat.id, line.format(link=f"https://t.me/{bot.username}"))


async def download(bot: Bot, file_id: str) -> bytes:
    """The bytes of a file Telegram holds, through the bot's configured Bot API server."""
    file = await bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


async def _reply(bot: Bot, chat_id: int, replies: list[Reply]) -> None:
    """The core's answer to an update, in order, through the Application's (rate-limited) bot;
    pushes outside an update go through the outbox (`TelegramSender`)."""
    for reply in replies:
        for out in render.plan(reply):
            await send_part(bot, chat_id, out)


async def _answer(update: Update) -> None:
    """Answer the callback query; a too old one is only logged (Telegram gave up on it)."""
    assert update.callback_query is not None
    try:
        await update.callback_query.answer()
    except TelegramError as failed:
        log.info("callback of update %s not answered: %s", update.update_id, failed)


async def _fetched(bot: Bot, ref: str, what: str) -> bytes | None:
    """A held file's bytes through the configured Bot API server; None (and a log line) when
    the download fails, so the core answers without them."""
    try:
        return await download(bot, ref)
    except TelegramError as failed:
        log.warning("could not download %s %s: %s", what, ref, failed)
        return None
