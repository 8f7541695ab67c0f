"""What the core understands, by name: commands, dialogs, action buttons, and two fallbacks."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.dialogs.base import CommandFn, Ctx, Dialog, Start


@dataclass(slots=True)
class Registry:
    """Every command, dialog and action button the core understands, by name."""

    commands: dict[str, CommandFn] = field(default_factory=dict)
    dialogs: dict[str, Dialog] = field(default_factory=dict)
    actions: dict[str, CommandFn] = field(default_factory=dict)
    fallback: CommandFn | None = None  # free text outside any dialog (quick capture)
    document: CommandFn | None = None  # a file sent outside any dialog (a spreadsheet import)

    def dialog(self, dialog: Dialog, *, command: str | None = None) -> None:
        """Register a dialog, started by `/command` (default: its name)."""
        self.dialogs[dialog.name] = dialog
        name = command or dialog.name

        async def start(ctx: Ctx, args: str) -> Start:
            return Start(dialog.name, {"_args": args})

        self.commands[name] = start
