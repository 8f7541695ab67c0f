"""Outgoing limits: PTB's AIORateLimiter (overall, groups, 429 retries) plus a per-chat bucket."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
CHAT_BURST = 20  # a private chat may get this many at once, then about one per second
MAX_RETRIES = 8
MAX_CHAT_LIMITERS = 1024


class ChatRateLimiter(AIORateLimiter):
    """Telegram allows ~30 messages/s overall and ~1/s per chat sustained; stay under both.

    PTB's limiter covers the overall rate, groups, and waits out a 429's retry_after (all requests
    pause, then the failed one is retried), so replies are late but still delivered, in order.
    It does not limit private chats; this adds a leaky bucket per private chat.
    """

    __slots__ = ("_chat_burst", "_chat_limiters")

    def __init__(
        self,
        *,
        overall_per_second: float = OVERALL_PER_SECOND,
        chat_burst: int = CHAT_BURST,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        super().__init__(
            overall_max_rate=overall_per_second,
            overall_time_period=1,
            group_max_rate=GROUP_PER_MINUTE,
            group_time_period=60,
            max_retries=max_retries,
        )
        self._chat_burst = chat_burst
        self._chat_limiters: dict[int, AsyncLimiter] = {}

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Take a slot of the chat's bucket, then let PTB's limiter do the rest."""
        async with self._chat_slot(data.get("chat_id")):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

    def _chat_slot(self, chat_id: object) -> AbstractAsyncContextManager[Any]:
        try:
            chat = int(str(chat_id))
        except ValueError:
            return nullcontext()
        if chat <= 0 or not self._chat_burst:
            return nullcontext()  # groups and channels: PTB's group limiter applies
        limiter = self._chat_limiters.get(chat)
        if limiter is None:
            if len(self._chat_limiters) >= MAX_CHAT_LIMITERS:
                self._forget_idle()
            limiter = AsyncLimiter(self._chat_burst, self._chat_burst)
            self._chat_limiters[chat] = limiter
        return limiter

    def _forget_idle(self) -> None:
        """Drop buckets that are full again; memory stays bounded however many chats there are."""
        for chat, limiter in list(self._chat_limiters.items()):
            if limiter.has_capacity(limiter.max_rate):
                del self._chat_limiters[chat]
