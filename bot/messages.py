"""The neutral messages between channels and the core: what came in, what goes out.

Channels translate their updates into `Incoming` and render `Reply` their own way (inline
keyboards on Telegram, numbered options on WeChat and the console); services queue `Later`
notifications, data worded at send time. Nothing here knows a messenger, and every layer may
import it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ButtonKind(StrEnum):
    """How a numbered channel shows a button: choices and actions get numbers, nav a hint, and
    a link (its `data` is the URL) is shown as the address to open."""

    CHOICE = "choice"
    ACTION = "action"
    NAV = "nav"
    LINK = "link"


@dataclass(frozen=True, slots=True)
class Button:
    """One tappable option; `data` is packed by `bot.buttons` (typed, versioned, ≤ 64 bytes)."""

    label: str
    data: str
    kind: ButtonKind = ButtonKind.CHOICE


@dataclass(frozen=True, slots=True)
class OutFile:
    """A file to send: bytes (a report, an export), or `ref`, a file the messenger already holds
    ("telegram:<file_id>", such as a receipt photo a rep sent), which that channel resends
    without downloading it."""

    name: str
    content: bytes = b""
    mime: str = "application/octet-stream"
    ref: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """One outgoing message: text, rows of buttons, maybe a file.

    `after` is work too long for the chat's turn (an export of many rows): the engine runs it
    once the turn has committed, holding neither a transaction nor the chat's lock across
    instances, and sends the replies it returns in this one's place.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    file: OutFile | None = None
    after: Callable[[], Awaitable[list[Reply]]] | None = None

    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]


@dataclass(frozen=True, slots=True)
class SharedContact:
    """A contact card shared from the phone's address book."""

    name: str
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    """A shared location (check-in)."""

    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Audio:
    """A voice note: a channel-specific reference, any text the platform heard, maybe the bytes.

    Channels download the audio themselves (each has its own media API) and pass `data` when the
    core has to transcribe it; `ref` is kept on the visit so the recording can be found again.
    """

    ref: str
    duration: float | None = None
    mime: str = ""
    recognition: str = ""
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class Picture:
    """A photo (a Telegram photo or image file, a WeChat image, the console's /photo PATH): the
    channel's reference and, once the channel downloaded it (`Engine.wants_photo`), the bytes
    the core keeps on a visit."""

    ref: str
    mime: str = ""
    size: int | None = None
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class InFile:
    """A file the person sent (a spreadsheet to import): the channel's reference, its name and
    type as the messenger reports them, and the bytes when the channel fetched them (only for
    files the core reads, see `Engine.wants_file`)."""

    ref: str
    name: str = ""
    mime: str = ""
    size: int | None = None
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person did: typed text, tapped a button, shared a contact/location, spoke."""

    channel: str
    external_id: str
    text: str | None = None
    button: str | None = None
    display_name: str = ""
    contact: SharedContact | None = None
    location: Location | None = None
    audio: Audio | None = None
    extra: dict[str, str] = field(default_factory=dict)
    seq: int | None = None  # the platform's order of the chat's updates, where it gives one
    document: InFile | None = None
    photo: Picture | None = None


NUMBERED = frozenset({ButtonKind.CHOICE, ButtonKind.ACTION})


def numbered_buttons(replies: list[Reply]) -> tuple[int, list[Button]]:
    """Which reply's buttons a numbered channel numbers (the last one with any), and those buttons.

    The engine resolves a typed "2" with this same rule, so what the user sees numbered is
    exactly what the number selects. Returns (-1, []) when no reply has buttons.
    """
    for index in range(len(replies) - 1, -1, -1):
        if replies[index].buttons:
            buttons = [b for b in replies[index].all_buttons() if b.kind in NUMBERED]
            return index, buttons
    return -1, []


@dataclass(frozen=True, slots=True)
class Later:
    """A notification queued as data (a kind and its JSON params), worded at send time in the
    recipient's language by the renderer for its kind (`bot.dialogs.digests.RENDERERS`)."""

    kind: str
    params: dict[str, Any]
