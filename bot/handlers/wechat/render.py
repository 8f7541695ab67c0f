"""Replies as WeChat text: numbered options typed back, split within the text size limit.

WeChat shows plain text only (no buttons, no markup), so a question's choices end it as one line
"回复 1 确认 · 2 修改 · 3 取消" and navigation as typed commands. A text message holds 2048 bytes
of UTF-8 (passive replies, customer-service and app messages alike), so longer answers are split
at line ends into several messages.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.handlers.numbered import layout
from bot.messages import Reply

MAX_BYTES = 2048
SEPARATOR = " · "

Prompt = Callable[[str], str]  # "1 确认 · 2 修改" → "回复 1 确认 · 2 修改", in the user's language


def render(replies: list[Reply], prompt: Prompt | None) -> list[str]:
    """Text messages for the replies; without a prompt (pushes) buttons are left out.

    Buttons of a push cannot be picked by number (the core numbers only its own last answer),
    so a digest shows its text and the person types a command.
    """
    texts: list[str] = []
    for block in layout(replies):
        lines = [block.text]
        options = SEPARATOR.join(f"{n} {label}" for n, label in block.numbered)
        if options and prompt is not None:
            lines.append(prompt(options))
        lines += block.link_lines
        if block.hints:
            lines.append(block.hint_line)
        text = "\n".join(line for line in lines if line)
        if text:
            texts.append(text)
    return split("\n\n".join(texts))


def split(text: str, limit: int = MAX_BYTES) -> list[str]:
    """Parts of at most `limit` UTF-8 bytes, cut at line ends (or anywhere in a huge line)."""
    if len(text.encode("utf-8")) <= limit:
        return [text] if text else []
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode("utf-8")) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(line.encode("utf-8")) > limit:
            head = _prefix(line, limit)
            parts.append(head)
            line = line[len(head) :]
        current = line
    if current:
        parts.append(current)
    return parts


def _prefix(line: str, limit: int) -> str:
    """The longest start of `line` within `limit` bytes (never cutting a character)."""
    cut = line.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
    return cut or line[:1]
