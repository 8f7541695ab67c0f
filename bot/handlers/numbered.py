"""Replies laid out for channels without buttons: choices become numbers the user types back.

The console and WeChat/WeCom show the same thing in their own words; both number only the reply
the engine resolves a typed number against (`numbered_buttons`), so "2" always means what it says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.buttons import Nav, unpack
from bot.messages import ButtonKind, Reply, numbered_buttons


@dataclass(frozen=True, slots=True)
class Block:
    """One reply as rows of numbered choices (or plain labels) plus navigation hints."""

    text: str
    rows: list[list[tuple[int | None, str]]] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    file: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, URL) to open

    @property
    def hint_line(self) -> str:
        """The typed words that act as the navigation buttons, in the reader's script:
        "(/back · /cancel)", or "（返回 · 取消）" where the labels are Chinese."""
        if not self.hints:
            return ""
        if any(_cjk(hint) for hint in self.hints):
            return "（" + " · ".join(self.hints) + "）"
        return "(" + " · ".join(self.hints) + ")"

    @property
    def link_lines(self) -> list[str]:
        """Each link as "label: URL" ("地图（1）：URL" where the label is Chinese)."""
        return [f"{label}{'：' if _cjk(label) else ': '}{url}" for label, url in self.links]

    @property
    def numbered(self) -> list[tuple[int, str]]:
        """The (number, label) pairs of this block in order, for a one-line prompt."""
        return [(number, label) for row in self.rows for number, label in row if number]


def layout(replies: list[Reply]) -> list[Block]:
    """Each reply as a block; only the reply a typed number selects carries numbers."""
    numbered_index, _ = numbered_buttons(replies)
    blocks: list[Block] = []
    for index, reply in enumerate(replies):
        number = 0
        rows: list[list[tuple[int | None, str]]] = []
        hints: list[str] = []
        links: list[tuple[str, str]] = []
        for row in reply.buttons:
            cells: list[tuple[int | None, str]] = []
            for button in row:
                if button.kind == ButtonKind.LINK:
                    links.append((button.label, button.data))
                elif button.kind == ButtonKind.NAV:
                    nav = unpack(button.data)
                    hints.append(_nav_hint(button.label, nav))
                elif index == numbered_index:
                    number += 1
                    cells.append((number, button.label))
                else:
                    cells.append((None, button.label))
            if cells:
                rows.append(cells)
        described = ""
        if reply.file is not None:
            size = f", {len(reply.file.content)} bytes" if reply.file.content else ""
            described = f"{reply.file.name}{size}"
        blocks.append(Block(reply.text, rows, hints, described, links))
    return blocks


def _cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def _nav_hint(label: str, nav: object) -> str:
    """A Chinese label is itself a word to type (返回, 跳过, 取消); otherwise the command."""
    word = label.strip("‹› ").strip()
    if _cjk(word) or not isinstance(nav, Nav):
        return word
    return f"/{nav.move}"
