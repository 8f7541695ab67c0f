"""Voice notes → text for the dialog engine, off the event loop, with bounded concurrency.

The engine sees only the `Transcriber` protocol; `Speech` is the real one: a small process pool
(so a long decode never stalls other people's messages), the backend chosen from the settings.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

from bot.models import Customer, User
from bot.services.speech import worker
from bot.services.speech.bias import Hints
from bot.services.speech.errors import SpeechUnavailable, Undecodable
from bot.services.speech.worker import BackendSpec

log = logging.getLogger(__name__)

HINT_NAMES = 300  # the customers a rep speaks of: their own, most recently contacted first


class Transcriber(Protocol):
    """What the engine needs: an awaitable transcription that never blocks the event loop."""

    async def transcribe(self, data: bytes, mime: str, hints: Hints) -> str:
        """The words heard; '' when nothing was; raises `SpeechError` when it cannot tell."""
        ...


async def hints_for(user: User, limit: int = HINT_NAMES) -> Hints:
    """The names a user is likely to say (the customers they own, recent ones first) and the
    language of their setting, which is the language their notes are heard in."""
    names = await (
        Customer.filter(owner_id=user.id)
        .order_by("-last_contact_at", "-id")
        .limit(limit)
        .values_list("name", flat=True)
    )
    language = "zh" if str(user.locale).lower().startswith("zh") else "en"
    return Hints(tuple(str(name) for name in names), language)


# Worker processes are shared by every `Speech` of the process with the same backend and size:
# starting one and loading a model costs a second, and an app has one engine anyway.
_pools: dict[tuple[BackendSpec, int], ProcessPoolExecutor] = {}


class Speech:
    """The recogniser behind a bounded process pool, started on the first note."""

    def __init__(self, spec: BackendSpec, *, workers: int = 1) -> None:
        self.spec = spec
        self.workers = max(1, workers)
        self._reported: set[str] = set()

    def _executor(self) -> ProcessPoolExecutor:
        key = (self.spec, self.workers)
        pool = _pools.get(key)
        if pool is None:
            # Spawned, not forked: the parent runs an event loop and threads that must not be
            # copied half-way into a child.
            context = multiprocessing.get_context("spawn")
            pool = _pools[key] = ProcessPoolExecutor(self.workers, mp_context=context)
        return pool

    async def transcribe(self, data: bytes, mime: str, hints: Hints) -> str:
        """Decode and recognise in a worker; the event loop only waits."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._executor(), worker.transcribe, self.spec, data, mime, hints
            )
        except SpeechUnavailable as missing:
            self._report(missing.detail)
            raise
        except BrokenProcessPool as crashed:
            _pools.pop((self.spec, self.workers), None)  # a fresh pool for the next note
            log.error("a speech worker died (%s); the pool is restarted", crashed)
            raise Undecodable("the speech worker died") from crashed

    def _report(self, detail: str) -> None:
        """The admin's line: once per cause at error level, then quieter."""
        if detail in self._reported:
            log.warning("voice note not transcribed: %s", detail)
            return
        self._reported.add(detail)
        log.error("voice notes cannot be transcribed: %s", detail)

    async def close(self) -> None:
        """Stop the workers (without waiting for a note still being decoded)."""
        pool = _pools.pop((self.spec, self.workers), None)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
