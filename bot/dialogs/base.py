"""The building blocks a dialog is declared with: steps, questions, answers and transitions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot.buttons import Move
from bot.i18n import Translator
from bot.messages import Audio, Incoming, Location, Picture, Reply, SharedContact
from bot.models import User

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.dialogs.registry import Registry
    from bot.services.records.customers import DuplicateFinder


@dataclass(frozen=True, slots=True)
class Question:
    """What a step asks: text and the choices offered as (value, label)."""

    text: str
    choices: Sequence[tuple[str, str]] = ()
    columns: int = 1


@dataclass(frozen=True, slots=True)
class Answer:
    """What the user gave back to a question: a chosen value, text, something shared, or a
    navigation (Back/Skip, which the engine handles before the step sees the answer)."""

    text: str | None = None
    choice: str | None = None
    location: Location | None = None
    contact: SharedContact | None = None
    audio: Audio | None = None
    nav: Move | None = None
    photo: Picture | None = None


class Invalid(Exception):
    """Bad input: the message is one line saying what is expected; the question is asked again."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Goto:
    """Continue at a named step instead of the next one."""

    step: str


@dataclass(frozen=True, slots=True)
class Done:
    """The dialog is over; these replies close it."""

    replies: list[Reply]


@dataclass(frozen=True, slots=True)
class Start:
    """Open a dialog with prepared data (from a command, an action button, or another dialog)."""

    dialog: str
    data: dict[str, Any] = field(default_factory=dict)
    note: list[Reply] = field(default_factory=list)
    args: str = ""  # what followed the command ("/visit acme"), for the dialog's `begin`


Transition = Goto | Done | Start | None


@dataclass(slots=True)
class Ctx:
    """What every step, command and action sees: who, in which language, when, and the services."""

    user: User
    t: Translator
    now: datetime
    settings: Settings
    finder: DuplicateFinder
    incoming: Incoming
    registry: Registry

    def _(self, message: str) -> str:
        return self.t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.t.ngettext(singular, plural, n)


AskFn = Callable[[Ctx, dict[str, Any]], Awaitable[Question | None]]
AnswerFn = Callable[[Ctx, dict[str, Any], Answer], Awaitable[Transition]]


class StepLike(Protocol):
    """What the runner needs of a question: a widget (`bot.dialogs.widgets`) or a `Step`."""

    @property
    def key(self) -> str: ...

    @property
    def optional(self) -> bool: ...

    async def ask(self, ctx: Ctx, data: dict[str, Any]) -> Question | None: ...

    async def answer(self, ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition: ...

    def fields(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Step:
    """A hand-written question, for the few no widget fits. `ask` returning None skips it."""

    key: str
    ask: AskFn
    answer: AnswerFn
    optional: bool = False
    stores: Callable[[], dict[str, Any]] | None = None  # what `fields` says (a wrapped widget's)

    def fields(self) -> dict[str, Any]:
        """The keys and types this step stores (see `Widget.fields`); none unless declared."""
        return self.stores() if self.stores is not None else {}


BeginFn = Callable[[Ctx, str], Awaitable["dict[str, Any] | list[Reply] | Start"]]


async def _begin_empty(ctx: Ctx, args: str) -> dict[str, Any]:
    return {}


@dataclass(frozen=True, slots=True)
class Dialog:
    """A declared sequence of steps; `begin` turns the command's arguments into starting data.

    `version` names the shape of the dialog's stored data: raise it when a change makes data
    saved by the previous release unreadable, and a conversation saved before the deploy ends
    with a polite line instead of failing (the runner compares it on every answer)."""

    name: str
    title: str
    steps: tuple[StepLike, ...]
    begin: BeginFn = _begin_empty
    version: int = 1

    def step(self, key: str | None) -> StepLike | None:
        return next((step for step in self.steps if step.key == key), None)

    def after(self, key: str) -> StepLike | None:
        keys = [step.key for step in self.steps]
        index = keys.index(key)
        return self.steps[index + 1] if index + 1 < len(self.steps) else None


CommandFn = Callable[[Ctx, str], Awaitable["list[Reply] | Start"]]
