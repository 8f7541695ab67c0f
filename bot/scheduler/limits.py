"""Token buckets for outgoing messages: one overall, one per chat; a 429 pauses them all.

Our own small bucket rather than aiolimiter: it reserves a slot and returns the wait (no polling,
so a big run goes out exactly at the configured rate), it has a separate burst size, it can be
paused for a 429's `retry_after`, and its clock is injectable for tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

MAX_CHAT_BUCKETS = 4096


@dataclass(frozen=True, slots=True)
class Rate:
    """A platform's sending shape: overall rate and burst, per-chat rate and burst."""

    rate: float
    burst: int
    chat_rate: float
    chat_burst: int


# Platforms other than Telegram, whose own limits differ from the configured (Telegram) ones:
# WeChat customer-service pushes are capped per account by quota rather than rate, so a steady
# 20/s keeps clear of "api freq out of limit" (45009); WeCom allows 30 messages a minute to one
# member, so after a burst of 5 one every 2 s.
PLATFORM_RATES: dict[str, Rate] = {
    "wechat": Rate(rate=20.0, burst=20, chat_rate=1.0, chat_burst=5),
    "wecom": Rate(rate=20.0, burst=20, chat_rate=0.5, chat_burst=5),
}


@dataclass(slots=True)
class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up; taking may go into debt (a wait)."""

    rate: float
    burst: float
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.burst
        self.stamp = self.clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def reserve(self) -> float:
        """Take one token now; the seconds to wait before using it (0 when one was there)."""
        self._refill()
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def full(self) -> bool:
        self._refill()
        return self.tokens >= self.burst


class Limits:
    """Telegram's shape by default: ~30/s overall with bursts, ~1/s per chat after a burst."""

    def __init__(
        self,
        *,
        rate: float = 30.0,
        burst: int = 30,
        chat_rate: float = 1.0,
        chat_burst: int = 5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        channels: Mapping[str, Rate] | None = None,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.overall = TokenBucket(rate, burst, clock)
        self.chat_rate = chat_rate
        self.chat_burst = chat_burst
        self.chats: dict[str, TokenBucket] = {}
        self.paused_until = 0.0
        self.channels = {
            name: Limits(
                rate=r.rate,
                burst=r.burst,
                chat_rate=r.chat_rate,
                chat_burst=r.chat_burst,
                clock=clock,
                sleep=sleep,
            )
            for name, r in (channels or {}).items()
        }

    def pause(self, seconds: float, channel: str = "") -> None:
        """A 429 says the whole bot waits: nobody on that platform sends before then."""
        own = self.channels.get(channel)
        if own is not None:
            own.pause(seconds)
            return
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    async def acquire(self, chat: str) -> None:
        """Wait for this chat's slot, then for an overall slot (after any pause).

        `chat` is "channel:id"; a channel with its own platform rate uses its own buckets.
        """
        own = self.channels.get(chat.partition(":")[0])
        if own is not None:
            await own.acquire(chat)
            return
        bucket = self.chats.get(chat)
        if bucket is None:
            if len(self.chats) >= MAX_CHAT_BUCKETS:
                self.chats = {k: b for k, b in self.chats.items() if not b.full()}
            bucket = self.chats[chat] = TokenBucket(self.chat_rate, self.chat_burst, self.clock)
        wait = bucket.reserve()
        if wait > 0:
            await self.sleep(wait)
        while (pause := self.paused_until - self.clock()) > 0:
            await self.sleep(pause)
        wait = self.overall.reserve()
        if wait > 0:
            await self.sleep(wait)
