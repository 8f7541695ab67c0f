"""The console channel: the same dialogs on a terminal or a pipe, buttons as numbered options."""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.dialogs.engine import Engine
from bot.handlers.numbered import layout
from bot.messages import Incoming, Location, Picture, Reply

CHANNEL = "console"


def render(replies: list[Reply], saved: dict[int, Path] | None = None) -> str:
    """Text for the terminal: numbered choices for the reply a typed number selects; a file
    shows as the path it was written to (`saved`, by reply index), else as its name."""
    texts: list[str] = []
    for index, block in enumerate(layout(replies)):
        lines = [block.text]
        for row in block.rows:
            lines.append("   ".join(f"{n}) {label}" if n else f"[{label}]" for n, label in row))
        lines += block.link_lines
        if block.hints:
            lines.append(block.hint_line)
        if saved and index in saved:
            lines.append(f"[file: {saved[index]}]")
        elif block.file:
            lines.append(f"[file: {block.file}]")
        texts.append("\n".join(lines))
    return "\n\n".join(texts)


PHOTO = re.compile(r"^/photo\s+(\S.*)$")
LOCATION = re.compile(r"^/location\s+(-?\d{1,3}(?:\.\d+)?)\s*[,，\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def parse(text: str, external_id: str, display_name: str = "") -> Incoming:
    """A typed line as the core's Incoming; "/location LAT,LON" as a shared location."""
    if (shared := LOCATION.match(text.strip())) and all(
        abs(float(v)) <= limit for v, limit in zip(shared.groups(), (90, 180), strict=True)
    ):
        where = Location(float(shared[1]), float(shared[2]))
        return Incoming(CHANNEL, external_id, location=where, display_name=display_name)
    return Incoming(CHANNEL, external_id, text=text, display_name=display_name)


class ConsoleChannel:
    """One person at the terminal; `external_id` tells console users apart (tests use several)."""

    def __init__(
        self,
        engine: Engine,
        external_id: str = "local",
        display_name: str = "",
        files_dir: Path | None = None,
    ) -> None:
        self.engine = engine
        self.external_id = external_id
        self.display_name = display_name
        self.files_dir = files_dir or Path("crmbot-files")

    def save_files(self, replies: list[Reply]) -> dict[int, Path]:
        """Write the charts and spreadsheets of these replies to `files_dir`; their paths."""
        saved: dict[int, Path] = {}
        for index, reply in enumerate(replies):
            if reply.file is None or not reply.file.content:
                continue
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = (self.files_dir / Path(reply.file.name).name).resolve()
            path.write_bytes(reply.file.content)
            saved[index] = path
        return saved

    async def send(self, text: str) -> list[Reply]:
        """What the person typed goes to the core; the replies come back. A terminal cannot share
        a location, so "/location 31.23,121.47" stands for one, and "/photo PATH" sends the
        picture at PATH as a photo."""
        if picked := PHOTO.match(text.strip()):
            return await self.engine.handle(await self._photo(picked[1].strip()))
        return await self.engine.handle(parse(text, self.external_id, self.display_name))

    async def _photo(self, name: str) -> Incoming:
        """The picture file as a photo; one that cannot be read arrives without bytes, and the
        core says it could not fetch it."""
        picture = await asyncio.to_thread(self._read_photo, name)
        return Incoming(CHANNEL, self.external_id, photo=picture, display_name=self.display_name)

    def _read_photo(self, name: str) -> Picture:
        path = Path(name).expanduser()
        try:
            picture = Picture(ref=str(path), size=path.stat().st_size)
            if self.engine.wants_photo(picture):
                picture = replace(picture, data=path.read_bytes())
        except OSError:
            return Picture(ref=str(path))
        return picture

    async def run(self, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        """Read a line, answer it, flush; until end of input or /quit. The streams default to
        the process's standard ones as they are when it starts (not when this was imported)."""
        stdin = stdin or sys.stdin
        stdout = stdout or sys.stdout
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
            replies = await self.send(text)
            saved = await asyncio.to_thread(self.save_files, replies)
            stdout.write(render(replies, saved) + "\n\n")
            stdout.flush()
