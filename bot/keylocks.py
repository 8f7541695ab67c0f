"""One asyncio lock per key (a chat, an update's chat), for ordering work inside one process.

Across processes the database orders what must happen once (`StateStorage.turn`); these locks
only keep one process from racing itself, cheaply, before it asks the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class KeyLocks:
    """One asyncio lock per key, so a key's work runs in arrival order (asyncio locks are FIFO).

    Locks are dropped once nobody holds or waits for them, so memory does not grow per key.
    """

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)
