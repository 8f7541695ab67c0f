"""Test helpers: a fake clock and a chat that talks to the real engine as a person would."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.dialogs.engine import Engine
from bot.handlers.console import render
from bot.messages import Incoming, Location, Reply, SharedContact

T = TypeVar("T")
_per_database: dict[tuple[str, str], Any] = {}


async def once_per_database(what: str, db_url: str, compute: Callable[[], Awaitable[T]]) -> T:
    """`compute()` the first time `what` is asked for on this kind of database (sqlite,
    postgres), the same result after: for slow read-only measurements several tests check."""
    key = (what, db_url.partition(":")[0])
    if key not in _per_database:
        _per_database[key] = await compute()
    return _per_database[key]  # type: ignore[no-any-return]


@dataclass
class FakeClock:
    """The time the engine sees; tests move it forward explicitly."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Chat:
    """One person on one channel; keeps the last replies to read and tap."""

    engine: Engine
    external_id: str
    channel: str = "console"
    name: str = "Tester"
    replies: list[Reply] = field(default_factory=list)

    @property
    def text(self) -> str:
        return render(self.replies)

    async def send(self, **kwargs: object) -> str:
        msg = Incoming(self.channel, self.external_id, display_name=self.name, **kwargs)
        self.replies = await self.engine.handle(msg)
        return self.text

    async def say(self, text: str) -> str:
        return await self.send(text=text)

    def button(self, label: str) -> str:
        """The callback data of the (first) button whose label contains `label`."""
        for reply in reversed(self.replies):
            for button in reply.all_buttons():
                if label.casefold() in button.label.casefold():
                    return button.data
        labels = [b.label for r in self.replies for b in r.all_buttons()]
        raise AssertionError(f"no button {label!r} in {labels}")

    async def tap(self, label: str) -> str:
        """Tap a button as on Telegram (its callback data goes to the core)."""
        return await self.send(button=self.button(label))

    async def share_location(self, latitude: float, longitude: float) -> str:
        return await self.send(location=Location(latitude, longitude))

    async def share_contact(self, name: str, phone: str | None) -> str:
        return await self.send(contact=SharedContact(name, phone))
