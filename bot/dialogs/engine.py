"""The dialog engine: one incoming message in, the replies out, state kept in the database.

`Engine.handle` is a short pipeline of named steps, each in a module of its own:

1. `onboarding.rewrite_bind`: on WeChat, "绑定 CODE" means "/start CODE";
2. `ordering.after_earlier`: an earlier update of the chat, on another instance, goes first;
3. `Hearing.heard`: a voice note is transcribed (in a worker process, before any lock);
4. the chat's turn (`StateStorage.turn`: one transaction, the chat's lock across instances):
   identify the person and load the conversation (`storage.open`; strangers go to
   `onboarding.stranger`), expire an idle dialog (`expire_idle`), route and run the step
   (`runner.Runner`: buttons by their data, commands by name, everything else to the open
   dialog's current step), save the state with whatever the step wrote;
5. work a step left for after the turn (`Reply.after`, such as an export), outside both.

Steps validate; nothing is written until a dialog's last step confirms. The turn commits before
the replies leave, so a restart continues where it was and a second tap on a Save already taken
finds the dialog over.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.dialogs import notices, onboarding, ordering
from bot.dialogs.base import Ctx
from bot.dialogs.hearing import Hearing
from bot.dialogs.registry import Registry
from bot.dialogs.runner import Runner, service_error_text
from bot.dialogs.storage import Conversation, StateStorage, StorageKey
from bot.i18n import Translator
from bot.keylocks import KeyLocks
from bot.logs import note_failure
from bot.messages import (
    Audio,
    Incoming,
    InFile,
    Picture,
    Reply,
    numbered_buttons,
)
from bot.services.data.spreadsheet import MAX_BYTES as SPREADSHEET_MAX_BYTES
from bot.services.data.spreadsheet import looks_like_spreadsheet
from bot.services.errors import ServiceError
from bot.services.people import users
from bot.services.records.customers import DuplicateFinder
from bot.services.speech import Transcriber

log = logging.getLogger(__name__)


__all__ = ["Engine", "Registry", "expire_idle", "service_error_text"]


class _HandledAlready(Exception):
    """The update's turn was taken before (a stored update taken again): undo, say nothing."""


class Engine:
    """The channel-neutral core every adapter calls with `handle`."""

    def __init__(
        self,
        settings: Settings,
        storage: StateStorage,
        registry: Registry,
        *,
        finder: DuplicateFinder | None = None,
        transcriber: Transcriber | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.registry = registry
        self.finder = finder or DuplicateFinder()
        self.hearing = Hearing(settings, transcriber, clock)
        self.runner = Runner(registry, settings)
        self.clock = clock
        self._locks = KeyLocks()

    @property
    def transcriber(self) -> Transcriber | None:
        """The speech backend voice notes go to (`Hearing` holds it)."""
        return self.hearing.transcriber

    @transcriber.setter
    def transcriber(self, backend: Transcriber | None) -> None:
        self.hearing.transcriber = backend

    def wants_audio_bytes(self, audio: Audio) -> bool:
        """Whether a channel should download this voice note (see `Hearing`)."""
        return self.hearing.wants_audio_bytes(audio)

    def wants_photo(self, picture: Picture) -> bool:
        """Whether a channel should download a photo: the core keeps photos on visits, within
        CRM_PHOTO_MAX_MB (a larger one is refused without fetching it when its size is known)."""
        limit = self.settings.photo_max_mb * 1024**2
        return picture.data is None and (picture.size or 0) <= limit

    def wants_file(self, document: InFile) -> bool:
        """Whether a channel should download a file someone sent: a spreadsheet the core reads
        (by its name), within the import size limit; anything else is answered unread."""
        return (
            self.registry.document is not None
            and document.data is None
            and looks_like_spreadsheet(document.name)
            and (document.size or 0) <= SPREADSHEET_MAX_BYTES
        )

    def defaults_for(self, channel: str) -> users.Defaults:
        """New users start in the company language, except WeChat users, who start in Chinese."""
        return onboarding.defaults_for(self.settings, channel)

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Process one message from one chat; messages of a chat are handled strictly in order.

        The steps are named in the module's docstring. A voice note is heard before the chat's
        turn: it must hold neither the chat's lock nor a database connection. The turn commits
        the message's writes together with the new state: a failure keeps neither.
        """
        msg = onboarding.rewrite_bind(_without_nul(msg))
        key = StorageKey(msg.channel, msg.external_id)
        await ordering.after_earlier(msg)
        async with self._locks.hold(key):
            try:
                heard = await self.hearing.heard(msg)
                async with self.storage.turn(key):
                    replies = await self._turn(key, msg, heard)
                return [reply for step in replies for reply in await self._after_turn(step)]
            except _HandledAlready:
                log.info(
                    "update %s of %s:%s was handled already", msg.seq, msg.channel, msg.external_id
                )
                return []
            except Exception:
                log.exception("failed on message from %s:%s", msg.channel, msg.external_id)
                note_failure("dialog")
                return await self._recover(key, msg)

    @staticmethod
    async def _after_turn(reply: Reply) -> list[Reply]:
        """A reply's work left for after the turn (`Reply.after`), or the reply itself. On the
        embedded SQLite the turn's transaction holds the only connection: a long export inside
        it would keep every other chat waiting."""
        return [reply] if reply.after is None else await reply.after()

    async def _turn(self, key: StorageKey, msg: Incoming, heard: str | Reply | None) -> list[Reply]:
        """Inside the chat's turn: identify, expire, route and run the step, save."""
        now = self.clock()
        user, conv = await self.storage.open(key)
        if not await ordering.taken(msg):
            raise _HandledAlready
        if user is None:
            return await onboarding.stranger(msg, now, self.settings, self.registry, self.finder)
        t = Translator.for_user(user.locale, user.timezone, now=now)
        conv.user_id = user.id
        ctx = Ctx(user, t, now, self.settings, self.finder, msg, self.registry)
        replies = expire_idle(ctx, conv, self.registry)
        asked = (conv.dialog, conv.token)
        try:
            replies += await self.runner.route(ctx, conv, msg, heard)
        except ServiceError as refused:
            replies.append(Reply(service_error_text(ctx, refused)))
        numbered = _numbered(replies)
        if numbered or (conv.dialog, conv.token) != asked or not conv.dialog:
            conv.buttons = numbered
        await self.storage.save(key, conv, now=now)
        return replies

    async def _recover(self, key: StorageKey, msg: Incoming) -> list[Reply]:
        """After a failure nothing of the message was kept: the chat stays where it was, at the
        same question, so the next message continues the dialog; say so in one line."""
        now = self.clock()
        async with self.storage.turn(key):
            user, _ = await self.storage.open(key)
            await ordering.taken(msg)
            if user is None:
                defaults = self.defaults_for(key.channel)
                t = Translator.for_user(defaults.locale, defaults.timezone, now=now)
            else:
                t = Translator.for_user(user.locale, user.timezone, now=now)
        return [Reply(t.gettext("Sorry, something went wrong on my side. Please try again."))]

    # --- routing ---------------------------------------------------------------------------


def expire_idle(ctx: Ctx, conv: Conversation, registry: Registry) -> list[Reply]:
    """End a dialog left unanswered past its deadline, with its notice; nothing was saved."""
    if not (conv.dialog and conv.expires_at and conv.expires_at <= ctx.now):
        return []
    title = notices.title_of(registry, conv)
    notice = notices.expired(ctx.t, title, ctx.settings.dialog_timeout_minutes)
    conv.end_dialog()
    conv.buttons = []
    return [Reply(notice)]


def _without_nul(msg: Incoming) -> Incoming:
    """NUL means nothing in a message and PostgreSQL cannot store it in text: it is dropped
    before any step sees the message."""
    fields = {"text": msg.text, "button": msg.button, "display_name": msg.display_name}
    clean = {k: v.replace("\x00", "") for k, v in fields.items() if v and "\x00" in v}
    return replace(msg, **clean) if clean else msg


def _numbered(replies: list[Reply]) -> list[list[str]]:
    """The buttons numbered channels show with numbers, as typed numbers and labels select them."""
    return [[b.label, b.data] for b in numbered_buttons(replies)[1]]
