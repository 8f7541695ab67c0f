"""The console channel: the same dialogs on a terminal or a pipe, buttons as numbered options."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.dialogs.engine import Engine
from bot.dialogs.messages import Incoming, Reply
from bot.handlers.numbered import layout

CHANNEL = "console"


def render(replies: list[Reply]) -> str:
    """Text for the terminal: numbered choices for the reply a typed number selects."""
    texts: list[str] = []
    for block in layout(replies):
        lines = [block.text]
        for row in block.rows:
            lines.append("   ".join(f"{n}) {label}" if n else f"[{label}]" for n, label in row))
        if block.hints:
            lines.append("(" + " · ".join(block.hints) + ")")
        if block.file:
            lines.append(f"[file: {block.file}]")
        texts.append("\n".join(lines))
    return "\n\n".join(texts)


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
