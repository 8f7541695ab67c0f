"""What a button carries back when tapped: typed values, packed into short versioned strings.

Every channel and dialog builds and reads button data here and nowhere else. Three kinds:

- `Choice(token, value)`: an option of the open question; `token` names that question, so a
  tap on an earlier question's button is recognised as stale;
- `Nav(token, move)`: Back, Skip or Cancel under the open question;
- `Action(name, arg)`: an action outside any dialog (open a customer, approve a request...).

`pack` writes `<version><kind>:<field>:<field>` ("1c:a1b2c3:call") and refuses anything over
Telegram's 64 bytes of callback data; `unpack` returns None for data it did not write: forged,
malformed, too long, or from an earlier version (buttons still on screen or in stored state
after the format changed are then simply "not valid any more").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

VERSION = "1"
MAX_BYTES = 64  # Telegram's limit on callback data, in UTF-8 bytes


class Move(StrEnum):
    """A navigation under a question, as a button or a typed word (/back, 跳过, cancel...)."""

    BACK = "back"
    SKIP = "skip"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class Choice:
    """An option of the question `token` names; `value` is what the step receives."""

    token: str
    value: str


@dataclass(frozen=True, slots=True)
class Nav:
    """Back, Skip or Cancel under the question `token` names."""

    token: str
    move: Move


@dataclass(frozen=True, slots=True)
class Action:
    """The registered action `name`, run with `arg`, outside any dialog."""

    name: str
    arg: str = ""


ButtonData = Choice | Nav | Action


class DataTooLong(ValueError):
    """Packed button data over Telegram's 64 bytes: Telegram would refuse the whole message."""


def pack(value: ButtonData) -> str:
    """The callback data for a button: "1c:<token>:<value>", "1n:<token>:<move>" or
    "1a:<name>:<arg>". Raises ValueError on a field `unpack` could not read back, and
    `DataTooLong` over 64 bytes."""
    if isinstance(value, Choice):
        kind, head, tail = "c", value.token, value.value
    elif isinstance(value, Nav):
        kind, head, tail = "n", value.token, Move(value.move).value
    elif isinstance(value, Action):
        kind, head, tail = "a", value.name, value.arg
    else:
        raise TypeError(f"not button data: {value!r}")
    if not head or ":" in head:
        raise ValueError(f"button data needs a name or token without ':', got {head!r}")
    if kind == "c" and not tail:
        raise ValueError("a choice needs a value")
    data = f"{VERSION}{kind}:{head}:{tail}"
    size = len(data.encode("utf-8"))
    if size > MAX_BYTES:
        raise DataTooLong(f"button data is {size} bytes, over {MAX_BYTES}: {data[:40]!r}…")
    return data


def unpack(data: object) -> ButtonData | None:
    """The typed value `pack` wrote, or None for anything else (forged, old, malformed)."""
    if not isinstance(data, str) or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    prefix, sep, rest = data.partition(":")
    head, sep2, tail = rest.partition(":")
    if not sep or not sep2 or not head or len(prefix) != len(VERSION) + 1:
        return None
    if not prefix.startswith(VERSION):
        return None
    kind = prefix[-1]
    if kind == "c":
        return Choice(head, tail) if tail else None
    if kind == "n":
        return Nav(head, Move(tail)) if tail in set(Move) else None
    if kind == "a":
        return Action(head, tail)
    return None


def answers_question(data: object) -> bool:
    """Whether tapping this data answers a question (a choice or navigation), not an action."""
    return isinstance(unpack(data), Choice | Nav)
