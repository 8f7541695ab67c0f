"""The callback routes: believe the request, take the message once, answer within WeChat's clock.

WeChat waits 5 seconds for the HTTP answer, then retries the same message up to three times.
Every message is stored in the database (its decrypted XML with its claim) before anything else,
and handled from there by the channel's intake worker (`bot.handlers.intake`): once, in order per
sender, by this instance or, if this one stops or dies first, by another. The route waits for its
own message up to a time budget (`WECHAT_REPLY_BUDGET`, 4 s): an answer ready in time goes back as
the passive reply (sealed in safe mode); otherwise the route answers `success` at once and the
answer is pushed through the outbox when it is ready (deduplicated by the message key), and so is
the answer to a message handled by another instance or after a restart. A passive reply holds one
text message: a longer answer is pushed in full instead, so its parts arrive in order. A retry
(same MsgId; same sender and time for events) finds the message stored and only answers
`success`. While stopping the route answers 503, so WeChat delivers the message again later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from aiohttp import web
from wechatpy.replies import TextReply

from bot.dialogs.engine import Engine
from bot.handlers.intake import Intake
from bot.handlers.wechat import parse
from bot.handlers.wechat.api import Api
from bot.handlers.wechat.crypto import CallbackCrypto, Refused
from bot.handlers.wechat.parse import BadXml, Inbound
from bot.handlers.wechat.render import render
from bot.handlers.wechat.sender import WeChatSender
from bot.i18n import Translator
from bot.messages import Audio, Picture, Reply
from bot.metrics import DUPLICATE, IGNORED, NO_METRICS, Metrics
from bot.sending import SendError
from bot.services import intake
from bot.services.intake import Stored
from bot.services.notify import outbox
from bot.services.people import users

log = logging.getLogger(__name__)

SUCCESS = "success"  # WeChat's "received, nothing to say now"
UNFOLLOWED = "unsubscribe"


@dataclass(slots=True)
class _Job:
    """One message a route is waiting for; `late` once the route has answered without it.
    `answered` carries the passive reply's parts back to the route."""

    inbound: Inbound
    answered: asyncio.Future[list[str]]
    late: bool = False


class Webhook:
    """GET handshake and POST messages for one platform, with the core behind them."""

    def __init__(
        self,
        engine: Engine,
        crypto: CallbackCrypto,
        api: Api,
        *,
        sender: WeChatSender,
        budget: float,
        wake: Callable[[], None] = lambda: None,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.engine = engine
        self.metrics = metrics
        self.crypto = crypto
        self.api = api
        self.sender = sender
        self.platform = crypto.platform
        self.budget = budget
        self.wake = wake
        self.accepting = False
        self.intake = Intake(self.platform.channel, self._handle_stored, clock=engine.clock)
        self._waiting: dict[str, _Job] = {}

    async def verify(self, request: web.Request) -> web.Response:
        """The URL check the admin console runs when the callback URL is saved."""
        try:
            echo = self.crypto.echo(request.query)
        except Refused as refused:
            log.warning("%s handshake refused: %s", self.platform.channel, refused.reason)
            return web.Response(status=refused.status, text=refused.reason)
        return web.Response(text=echo)

    async def receive(self, request: web.Request) -> web.Response:
        """One callback: checked, claimed, answered passively or by push later."""
        body = await _read_at_most(request, parse.MAX_BODY)
        if body is None:
            return web.Response(status=413, text="too large")
        try:
            opened = self.crypto.open(request.query, body)
            inbound = parse.inbound(self.platform.channel, self.platform.parse, opened.xml)
        except Refused as refused:
            log.warning("%s callback refused: %s", self.platform.channel, refused.reason)
            return web.Response(status=refused.status, text=refused.reason)
        except BadXml as bad:
            log.warning("%s callback unreadable: %s", self.platform.channel, bad)
            return web.Response(status=400, text="bad xml")
        if inbound.incoming is None and inbound.event != UNFOLLOWED:
            return web.Response(text=SUCCESS)
        if not self.platform.accepts_agent(parse.fields(opened.xml.encode("utf-8")).get("AgentID")):
            # Another app of the same company pointed at this URL: not ours to answer.
            log.warning("%s callback for another app's AgentID ignored", self.platform.channel)
            return web.Response(text=SUCCESS)
        if not self.accepting:
            return web.Response(status=503, text="stopping")  # WeChat retries later
        chat = inbound.incoming.external_id if inbound.incoming is not None else None
        seq = inbound.incoming.seq if inbound.incoming is not None else None
        channel = self.platform.channel
        if not await intake.store(channel, inbound.key, opened.xml, chat=chat, seq=seq):
            self.metrics.handled(self.platform.channel, DUPLICATE, 0.0)
            return web.Response(text=SUCCESS)  # a retry: the first delivery answers
        if self.budget <= 0:  # every answer is pushed (e.g. behind a slow proxy)
            self.intake.wake()
            return web.Response(text=SUCCESS)
        job = _Job(inbound, asyncio.get_running_loop().create_future())
        self._waiting[inbound.key] = job
        self.intake.wake()
        try:
            parts = await asyncio.wait_for(asyncio.shield(job.answered), timeout=self.budget)
        except (TimeoutError, asyncio.CancelledError) as missed:
            job.late = True  # the worker sees this after its last await and pushes instead
            if isinstance(missed, asyncio.CancelledError):  # WeChat hung up
                raise
            return web.Response(text=SUCCESS)
        except Exception:  # logged by the worker; the person was told by the engine if it could
            return web.Response(text=SUCCESS)
        finally:
            self._waiting.pop(inbound.key, None)
        if len(parts) != 1:
            return web.Response(text=SUCCESS)
        return self._passive(request, inbound, parts[0], opened.encrypted)

    def _passive(
        self, request: web.Request, inbound: Inbound, text: str, encrypted: bool
    ) -> web.Response:
        xml = TextReply(source=inbound.receiver, target=inbound.sender, content=text).render()
        if encrypted:
            stamp = request.query.get("timestamp") or str(int(self.engine.clock().timestamp()))
            xml = self.crypto.seal(xml, request.query.get("nonce", ""), stamp)
        return web.Response(text=xml, content_type="application/xml")

    async def _handle_stored(self, stored: Stored) -> None:
        """A stored message, taken once from the database: answered to the route waiting for it
        here, or pushed when none is (it gave up, or the message came in through another
        instance or before a restart)."""
        try:
            inbound = parse.inbound(self.platform.channel, self.platform.parse, stored.payload)
        except BadXml as bad:  # stored by a release that read it differently
            log.warning("stored %s message unreadable and skipped: %s", self.platform.channel, bad)
            return
        job = self._waiting.get(inbound.key)
        if job is None:
            job = _Job(inbound, asyncio.get_running_loop().create_future(), late=True)
        try:
            parts = await self._process(job)
        except Exception as failed:
            if not job.answered.done():
                job.answered.set_exception(failed)
                job.answered.exception()  # the route reads it or not; never "never retrieved"
            raise
        if not job.answered.done():
            job.answered.set_result(parts)

    async def _process(self, job: _Job) -> list[str]:
        """The core's answer as text parts for a passive reply; pushed instead when late/long."""
        inbound = job.inbound
        channel, sender = self.platform.channel, inbound.sender
        with self.metrics.handling(
            channel, update_id=inbound.key, chat=sender, user=sender
        ) as handling:
            if inbound.event == UNFOLLOWED:
                now = self.engine.clock()
                await outbox.mark_unreachable(channel, sender, "unfollowed", now=now)
                handling.outcome = IGNORED
                return []
            await outbox.mark_reachable(channel, sender)
            if inbound.event == parse.ENTERED and await users.identify(channel, sender) is not None:
                handling.outcome = IGNORED
                return []  # opening the app is not a message; strangers get the one polite line
            return await self._answer(job)

    async def _answer(self, job: _Job) -> list[str]:
        """The core on one message; its answer as passive reply parts, or pushed."""
        inbound = job.inbound
        sender = inbound.sender
        incoming = inbound.incoming
        assert incoming is not None
        if (
            inbound.media_id
            and incoming.audio is not None
            and self.engine.wants_audio_bytes(incoming.audio)
        ):
            incoming = replace(incoming, audio=await self._voice(incoming.audio))
        if (
            inbound.media_id
            and incoming.photo is not None
            and self.engine.wants_photo(incoming.photo)
        ):
            incoming = replace(incoming, photo=await self._picture(incoming.photo))
        replies = await self.engine.handle(incoming)
        if any(reply.file is not None and reply.file.content for reply in replies):
            await self._send_with_files(sender, replies)
            return []
        parts = render(replies, await self._prompt(replies, sender))
        if job.late or len(parts) > 1:
            await self._push(inbound, parts)
            return []
        return parts

    async def _send_with_files(self, sender: str, replies: list[Reply]) -> None:
        """Answers carrying a chart or a spreadsheet: a passive reply holds text only, so each
        reply is pushed in order through the channel's sender (the outbox's), its file uploaded
        and sent as an image or file message."""
        for reply in replies:
            try:
                await self.sender.send(sender, reply)
            except SendError as failed:
                log.warning(
                    "%s: a reply to %s was not sent: %s", self.platform.channel, sender, failed
                )

    async def _voice(self, audio: Audio) -> Audio:
        """The recording's bytes for the core to transcribe; without them it asks to type."""
        try:
            data, kind = await self.api.download(audio.ref)
        except Exception as failed:
            log.warning("%s voice %s not downloaded: %s", self.platform.channel, audio.ref, failed)
            return audio
        mime = audio.mime or kind
        return Audio(ref=audio.ref, mime=mime, recognition=audio.recognition, data=data)

    async def _picture(self, picture: Picture) -> Picture:
        """The photo's bytes for the core to keep; without them it asks to send it again."""
        try:
            data, kind = await self.api.download(picture.ref)
        except Exception as failed:
            log.warning(
                "%s image %s not downloaded: %s", self.platform.channel, picture.ref, failed
            )
            return picture
        return Picture(ref=picture.ref, mime=kind or picture.mime, size=len(data), data=data)

    async def _prompt(self, replies: list[Reply], sender: str) -> Callable[[str], str] | None:
        """The "Reply 1 … · 2 …" line in the person's language (only looked up when needed)."""
        if not any(reply.buttons for reply in replies):
            return None
        user = await users.identify(self.platform.channel, sender)
        defaults = self.engine.defaults_for(self.platform.channel)
        t = Translator.for_user(user.locale if user else defaults.locale, None)
        return lambda options: t.gettext("Reply {options}").format(options=options)

    async def _push(self, inbound: Inbound, parts: list[str]) -> None:
        """Queue the answer in the outbox for this chat; strangers have no one to queue it for."""
        channel = self.platform.channel
        user = await users.identify(channel, inbound.sender)
        if user is None:
            log.info("%s: late answer to a stranger dropped", channel)
            return
        for index, part in enumerate(parts):
            key = f"{channel}:{inbound.key}:{index}"
            await outbox.notify(user, Reply(part), key, channel=channel)
        if parts:
            self.wake()

    async def drain(self, within: float = 60.0) -> None:
        """Until every stored message is handled (tests wait on this)."""
        await self.intake.settled(within)


async def _read_at_most(request: web.Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to exceed `limit` (never buffering more)."""
    if (request.content_length or 0) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(limit + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return None
    return b"".join(chunks)
