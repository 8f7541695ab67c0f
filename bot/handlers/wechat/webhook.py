"""The callback routes: believe the request, take the message once, answer within WeChat's clock.

WeChat waits 5 seconds for the HTTP answer, then retries the same message up to three times.
So the core runs with a time budget (`WECHAT_REPLY_BUDGET`, 4 s): an answer ready in time goes
back as the passive reply (sealed in safe mode); otherwise the route answers `success` at once,
the core finishes in the background and its answer is pushed through the outbox (deduplicated
by the message key). A passive reply holds one text message: an answer longer than one message
is pushed in full instead, so its parts arrive in order. Every message is claimed in the
database before it is processed, so a retry (same MsgId; same sender and time for events) does
nothing but answer `success` — the first delivery answers or pushes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from aiohttp import web
from wechatpy.replies import TextReply

from bot.dialogs.engine import Engine
from bot.handlers.wechat import parse
from bot.handlers.wechat.api import Api
from bot.handlers.wechat.crypto import CallbackCrypto, Refused
from bot.handlers.wechat.parse import BadXml, Inbound
from bot.handlers.wechat.render import render
from bot.handlers.wechat.sender import WeChatSender
from bot.i18n import Translator
from bot.messages import Audio, Reply
from bot.metrics import DUPLICATE, IGNORED, NO_METRICS, Metrics
from bot.sending import SendError
from bot.services import updates
from bot.services.notify import outbox
from bot.services.people import users

log = logging.getLogger(__name__)

SUCCESS = "success"  # WeChat's "received, nothing to say now"
UNFOLLOWED = "unsubscribe"


@dataclass(slots=True)
class _Job:
    """One message being processed; `late` once the route has answered without it."""

    inbound: Inbound
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
        self.running: set[asyncio.Task[list[str]]] = set()

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
        chat = inbound.incoming.external_id if inbound.incoming is not None else None
        seq = inbound.incoming.seq if inbound.incoming is not None else None
        if not await updates.claim(self.platform.channel, inbound.key, chat=chat, seq=seq):
            self.metrics.handled(self.platform.channel, DUPLICATE, 0.0)
            return web.Response(text=SUCCESS)  # a retry: the first delivery answers
        job = _Job(inbound)
        task = asyncio.create_task(self._process(job))
        self.running.add(task)
        task.add_done_callback(self._finished)
        done = set()
        if self.budget > 0:  # 0: every answer is pushed (e.g. behind a slow proxy)
            try:
                done, _ = await asyncio.wait({task}, timeout=self.budget)
            except asyncio.CancelledError:  # WeChat hung up: nobody reads a passive reply
                job.late = True
                raise
        if task not in done:
            job.late = True  # the task sees this after its last await and pushes instead
            return web.Response(text=SUCCESS)
        if task.cancelled() or task.exception() is not None or len(task.result()) != 1:
            return web.Response(text=SUCCESS)
        return self._passive(request, inbound, task.result()[0], opened.encrypted)

    def _passive(
        self, request: web.Request, inbound: Inbound, text: str, encrypted: bool
    ) -> web.Response:
        xml = TextReply(source=inbound.receiver, target=inbound.sender, content=text).render()
        if encrypted:
            stamp = request.query.get("timestamp") or str(int(self.engine.clock().timestamp()))
            xml = self.crypto.seal(xml, request.query.get("nonce", ""), stamp)
        return web.Response(text=xml, content_type="application/xml")

    def _finished(self, task: asyncio.Task[list[str]]) -> None:
        self.running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s message failed", self.platform.channel, exc_info=task.exception())

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

    async def drain(self, within: float = 10.0) -> None:
        """Let messages in progress finish (their answers are pushed) before shutting down."""
        if self.running:
            await asyncio.wait(set(self.running), timeout=within)


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
