"""Neutral `Reply` → what Telegram shows: text parts within limits, inline keyboards, files."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import answers_question
from bot.messages import ButtonKind, OutFile, Reply

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Telegram message to send: text (or a caption), maybe a keyboard, maybe a file."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    file: OutFile | None = None

    @property
    def is_photo(self) -> bool:
        return self.file is not None and self.file.mime in PHOTO_TYPES


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Parts within `limit`, cut at line ends; only a single giant line is cut mid-line."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while units(line) > limit:
            head = _prefix(line, limit)
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
            line = line[len(head) :]
        joined = f"{current}\n{line}" if current else line
        if current and units(joined) > limit:
            parts.append(current)
            current = line
        else:
            current = joined
    if current.strip():
        parts.append(current)
    return [part for part in parts if part.strip()]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Every button of the reply, rows as the core laid them out (navigation too)."""
    rows = [
        [
            InlineKeyboardButton(button.label, url=button.data)
            if button.kind == ButtonKind.LINK
            else InlineKeyboardButton(button.label, callback_data=button.data)
            for button in row
        ]
        for row in reply.buttons
        if row
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def plan(reply: Reply) -> list[Outgoing]:
    """The messages one reply becomes; buttons go on the last one, under all of the text."""
    markup = keyboard(reply)
    text = reply.text.strip("\n")
    if reply.file is not None:
        if units(text) <= CAPTION_LIMIT:
            return [Outgoing(text, markup, reply.file)]
        return [Outgoing(part) for part in split_text(text)] + [Outgoing("", markup, reply.file)]
    parts = split_text(text) or (["…"] if markup else [])
    return [Outgoing(part) for part in parts[:-1]] + [Outgoing(p, markup) for p in parts[-1:]]


def with_choice(text: str, label: str) -> str:
    """The question as it reads once answered: the tapped option appended, no buttons left."""
    suffix = f"\n\n→ {label}"
    room = TEXT_LIMIT - units(suffix)
    if units(text) > room:
        text = _prefix(text, room - 1) + "…"
    return text + suffix


def is_choice(data: str | None) -> bool:
    """Choices and navigation answer a question (edit it); actions leave their message alone."""
    return answers_question(data)


def _prefix(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-16 units, never splitting a character."""
    count = 0
    for index, char in enumerate(text):
        count += 2 if ord(char) > 0xFFFF else 1
        if count > limit:
            return text[:index]
    return text
