"""Update order: one chat strictly in arrival order, different chats side by side."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.keylocks import KeyLocks

CHAT_KEY_CHANNEL = "telegram-updates"


class ChatOrderedProcessor(BaseUpdateProcessor):
    """PTB's concurrent update processing, serialised per chat so a slow chat blocks only itself.

    The chat's lock is taken first, before anything can suspend: PTB starts one task per update in
    arrival order and asyncio locks are FIFO, so a chat's updates run in the order they came. The
    bounded semaphore of the base class then caps how many chats are processed at once.
    """

    __slots__ = ("_locks",)

    def __init__(self, max_concurrent_chats: int = 256) -> None:
        super().__init__(max_concurrent_updates=max_concurrent_chats)
        self._locks = KeyLocks()

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's earlier updates, then for a free slot, then process."""
        async with self._locks.hold(_key(update)):
            await super().process_update(update, coroutine)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Process; the ordering happened in `process_update`."""
        await coroutine

    async def initialize(self) -> None:
        """Nothing to allocate: locks are created per chat on demand and dropped when idle."""

    async def shutdown(self) -> None:
        """Nothing to free."""


def _key(update: object) -> tuple[str, str]:
    """The chat an update belongs to (the user for chat-less updates; one key for the rest)."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return (CHAT_KEY_CHANNEL, str(update.effective_chat.id))
        if update.effective_user is not None:
            return (CHAT_KEY_CHANNEL, f"user:{update.effective_user.id}")
    return (CHAT_KEY_CHANNEL, "")
