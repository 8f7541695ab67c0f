"""What the core understands, by name: commands, dialogs, action buttons, and two fallbacks.

Built from the features' declarations (`bot.dialogs.feature`); a declaration that would make a
command unreachable, invisible or ambiguous stops the process at start with `RegistryError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypedDict

from bot.dialogs.base import CommandFn, Ctx, Dialog, Start
from bot.dialogs.feature import Command, Feature
from bot.models import Role

# Handled by the runner itself in every dialog; a feature declares them only for /help.
RUNNER_COMMANDS = frozenset({"cancel", "back", "skip"})


class RegistryError(ValueError):
    """A feature declaration the bot must not start with: a name twice, no help, no roles."""


@dataclass(slots=True)
class Registry:
    """Every command, dialog and action button the core understands, by name."""

    commands: dict[str, CommandFn] = field(default_factory=dict)
    dialogs: dict[str, Dialog] = field(default_factory=dict)
    actions: dict[str, CommandFn] = field(default_factory=dict)
    fallback: CommandFn | None = None  # free text outside any dialog (quick capture)
    document: CommandFn | None = None  # a file sent outside any dialog (a spreadsheet import)
    location: CommandFn | None = None  # a location shared outside any dialog (near me)
    photo: CommandFn | None = None  # a photo sent outside any dialog (to today's visit)
    listed: list[Command] = field(default_factory=list)  # in declaration order, for /help
    states: dict[str, TypeAdapter[Any]] = field(default_factory=dict)  # by dialog name

    def readable(self, dialog: Dialog, data: dict[str, Any]) -> bool:
        """Whether stored data fits the dialog's typed state (saved by this release's shape)."""
        try:
            self.states[dialog.name].validate_python(data, strict=True)
        except ValidationError:
            return False
        return True

    def add(self, feature: Feature) -> None:
        """Take in one feature's declaration, refusing anything ambiguous or unlisted."""
        for dialog in feature.dialogs:
            self._add_dialog(dialog, feature)
        for command in feature.commands:
            self._add_command(command, feature)
        for name, run in feature.actions.items():
            _unique(self.actions, name, f"action {name!r} of {feature.name}")
            self.actions[name] = run
        for slot in ("fallback", "document", "location", "photo"):
            handler = getattr(feature, slot)
            if handler is not None:
                if getattr(self, slot) is not None:
                    raise RegistryError(f"{feature.name}: a second {slot} handler")
                setattr(self, slot, handler)

    def _add_dialog(self, dialog: Dialog, feature: Feature) -> None:
        _unique(self.dialogs, dialog.name, f"dialog {dialog.name!r} of {feature.name}")
        keys = [step.key for step in dialog.steps]
        if len(set(keys)) != len(keys) or not keys:
            raise RegistryError(f"dialog {dialog.name!r} of {feature.name}: step keys {keys}")
        self.dialogs[dialog.name] = dialog
        self.states[dialog.name] = TypeAdapter(state_type(dialog))

    def _add_command(self, command: Command, feature: Feature) -> None:
        where = f"command /{command.name} of {feature.name}"
        if not command.help.strip():
            raise RegistryError(f"{where} has no help text")
        if not command.roles:
            raise RegistryError(f"{where} names no roles")
        runs = (command.run is not None) + (command.dialog is not None)
        if runs != (0 if command.name in RUNNER_COMMANDS else 1):
            raise RegistryError(
                f"{where} needs exactly one of run or dialog (none if the runner handles it)"
            )
        if command.name in self.commands or any(c.name == command.name for c in self.listed):
            raise RegistryError(f"{where} is registered twice")
        self.listed.append(command)
        if command.name in RUNNER_COMMANDS:
            return
        if command.dialog is not None:
            if command.dialog.name not in self.dialogs:
                self._add_dialog(command.dialog, feature)
            self.commands[command.name] = _opener(command.dialog)
        elif command.run is not None:
            self.commands[command.name] = command.run

    def menu(self, role: Role) -> list[tuple[str, str]]:
        """(name, help catalog id) of the commands this role sees, in declaration order. Roles
        decide visibility only: what a person may do is checked by the services."""
        return [(c.name, c.help) for c in self.listed if role in c.roles]


def state_type(dialog: Dialog) -> type:
    """The dialog's typed state: a TypedDict of what its widgets store (each widget says which
    keys and types, `Widget.fields`). Keys hooks add beside them are not checked; a stored value
    of the wrong type means the data was saved by an earlier shape of the dialog."""
    fields: dict[str, Any] = {}
    for step in dialog.steps:
        fields.update(step.fields())
    name = "".join(part.title() for part in dialog.name.split("_")) + "State"
    return TypedDict(name, fields, total=False)  # type: ignore[operator]


def build(features: Iterable[Feature]) -> Registry:
    """A registry of these features, in order; their order is the order of /help."""
    registry = Registry()
    for feature in features:
        registry.add(feature)
    return registry


def _unique(names: dict[str, object], name: str, what: str) -> None:
    if not name or name in names:
        raise RegistryError(f"{what} is registered twice" if name else f"{what} has no name")


def _opener(dialog: Dialog) -> CommandFn:
    async def start(ctx: Ctx, args: str) -> Start:
        return Start(dialog.name, args=args)

    return start
