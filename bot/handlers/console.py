"""The console channel: the same dialogs on a terminal or a pipe, buttons as numbered options."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.dialogs.engine import Engine
from bot.dialogs.messages import ButtonKind, Incoming, Reply, numbered_buttons

CHANNEL = "console"
NAV_HINTS = {"back": "/back", "skip": "/skip", "cancel": "/cancel"}


def render(replies: list[Reply]) -> str:
    """Text for the terminal: numbered choices for the reply a typed number selects."""
    numbered_index, _ = numbered_buttons(replies)
    blocks: list[str] = []
    for index, reply in enumerate(replies):
        lines = [reply.text]
        number = 0
        hints: list[str] = []
        for row in reply.buttons:
            cells: list[str] = []
            for button in row:
                if button.kind == ButtonKind.NAV:
                    hints.append(NAV_HINTS.get(button.data.rsplit(":", 1)[-1], button.label))
                elif index == numbered_index:
                    number += 1
                    cells.append(f"{number}) {button.label}")
                else:
                    cells.append(f"[{button.label}]")
            if cells:
                lines.append("   ".join(cells))
        if hints:
            lines.append("(" + " · ".join(hints) + ")")
        if reply.file is not None:
            size = f", {len(reply.file.content)} bytes" if reply.file.content else ""
            lines.append(f"[file: {reply.file.name}{size}]")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


class ConsoleChannel:
    """One person at the terminal; `external_id` tells console users apart (tests use several)."""

    def __init__(self, engine: Engine, external_id: str = "local", display_name: str = "") -> None:
        self.engine = engine
        self.external_id = external_id
        self.display_name = display_name

    async def send(self, text: str) -> list[Reply]:
        """What the person typed goes to the core; the replies come back."""
        return await self.engine.handle(
            Incoming(CHANNEL, self.external_id, text=text, display_name=self.display_name)
        )

    async def run(self, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        """Read a line, answer it, flush; until end of input or /quit."""
        interactive = stdin.isatty()
        while True:
            if interactive:
                stdout.write("> ")
                stdout.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            text = line.rstrip("\r\n")
            if text.strip() in {"/quit", "/exit"}:
                break
            if not text.strip():
                continue
            stdout.write(render(await self.send(text)) + "\n\n")
            stdout.flush()
