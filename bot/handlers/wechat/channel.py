"""WeChat and WeCom in the running process: routes on the HTTP server, the API, the sender.

`bot.app.build_wechat` builds one channel per configured platform and hands its `sender` to the
outbox; the same sender pushes the webhook's answers that carry a file. Nothing connects at
start (WeChat calls us); the first API call fetches the shared token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.dialogs.engine import Engine
from bot.handlers.wechat.api import Api
from bot.handlers.wechat.crypto import CallbackCrypto
from bot.handlers.wechat.platform import Platform
from bot.handlers.wechat.sender import WeChatSender
from bot.handlers.wechat.webhook import Webhook
from bot.metrics import NO_METRICS, Metrics
from bot.services import updates

if TYPE_CHECKING:
    from bot.server import HttpServer

log = logging.getLogger(__name__)

KEEP_CLAIMS = timedelta(days=1)  # WeChat retries within seconds
PRUNE_EVERY = 3600.0


class WeChatChannel:
    """One Official Account or WeCom app served on the process's HTTP server."""

    def __init__(
        self,
        platform: Platform,
        settings: Settings,
        engine: Engine,
        server: HttpServer,
        *,
        clock: Clock = system_clock,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.platform = platform
        self.api = Api(platform, clock=clock)
        self.sender = WeChatSender(self.api)
        self.webhook = Webhook(
            engine,
            CallbackCrypto(platform),
            self.api,
            sender=self.sender,
            budget=settings.wechat_reply_budget,
            metrics=metrics,
        )
        self.serving = False
        self._pruner: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        server.add_get(platform.path, self.webhook.verify)
        server.add_post(platform.path, self.webhook.receive)
        server.add_check(platform.channel, lambda: self.serving)

    @property
    def channel(self) -> str:
        return self.platform.channel

    def on_queued(self, wake: Callable[[], None]) -> None:
        """Who to tell when a late answer was queued (the dispatcher, to send it now)."""
        self.webhook.wake = wake

    async def start(self) -> str:
        self.serving = True
        self._stopping.clear()
        self.webhook.intake.start()
        self.webhook.accepting = True
        self._pruner = asyncio.create_task(self._prune_forever(), name=f"{self.channel}-prune")
        mode = "encrypted" if self.platform.aes_key else "plain"
        kind = "WeCom app" if self.platform.enterprise else "WeChat Official Account"
        return f"{kind} {self.platform.receiver_id}: callbacks at {self.platform.path} ({mode})"

    async def stop(self, within: float = 20.0) -> None:
        """Stop taking messages (the route answers 503; WeChat retries later), let those in
        hand finish within `within` seconds (the rest wait in the database for another
        instance or the next start), close the API connections."""
        self.serving = False
        self.webhook.accepting = False
        self._stopping.set()
        if self._pruner is not None:
            await self._pruner  # never cancelled inside a query: it ends at its next wait
            self._pruner = None
        await self.webhook.intake.stop(within)
        await self.api.close()

    async def _prune_forever(self) -> None:
        """Forget old message claims hourly until stopped; a failure only postpones it."""
        while not self._stopping.is_set():
            try:
                await updates.prune(self.channel, self.api.clock() - KEEP_CLAIMS)
            except Exception:
                log.exception("pruning %s message claims failed", self.channel)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), PRUNE_EVERY)
