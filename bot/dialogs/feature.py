"""What a feature module declares: its commands (who sees them, their help line), its dialogs, its
button actions and, for at most one feature each, the free-text and file fallbacks.

The registry is built by a loop over these declarations (`Registry.add`), and `/help`, the
Telegram command menu per role and WeChat's numbered help all read the same commands, so a
command cannot work while staying invisible, nor be listed while missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.dialogs.base import CommandFn, Dialog
from bot.models import Role

EVERYONE = frozenset(Role)
LEADS = frozenset({Role.MANAGER, Role.ADMIN})
MONEY = frozenset({Role.FINANCE, Role.ADMIN})
DECIDERS = frozenset({Role.MANAGER, Role.FINANCE, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Command:
    """`/name`: either runs `run` or opens `dialog`; `help` is its line in /help and the menu
    (a catalog id), `roles` who sees and may use it."""

    name: str
    help: str
    roles: frozenset[Role]
    run: CommandFn | None = None
    dialog: Dialog | None = None


@dataclass(frozen=True, slots=True)
class Feature:
    """One feature module's whole surface, declared in one value the registry loops over."""

    name: str
    commands: tuple[Command, ...] = ()
    dialogs: tuple[Dialog, ...] = ()
    actions: Mapping[str, CommandFn] = field(default_factory=lambda: MappingProxyType({}))
    fallback: CommandFn | None = None  # free text outside any dialog (quick capture)
    document: CommandFn | None = None  # a file sent outside any dialog (a spreadsheet import)
    location: CommandFn | None = None  # a location shared outside any dialog (near me)
    photo: CommandFn | None = None  # a photo sent outside any dialog (to today's visit)
