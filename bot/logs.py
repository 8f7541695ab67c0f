"""Log output as operators configure it: level and format (text or one JSON object a line).

Which update a line belongs to travels in a context variable, set once at the channel edge
(`bind`), so every line logged while that update is processed — in the engine, a service, a
library — carries its update id, chat and user id without anyone passing them along. Lines never
carry what people wrote: only ids. Known secrets (tokens, keys) are masked in every line, in case
a library puts one in a URL it logs.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any, TextIO

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(where)s"
FIELDS = ("update_id", "chat", "user")
MASK = "***"


class Bound:
    """The ids of the update being processed, and what failed inside it (`note_failure`)."""

    __slots__ = ("_token", "failures", "fields")

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        self.failures: list[str] = []
        self._token: Token[Bound | None] | None = None

    def __enter__(self) -> Bound:
        self._token = _current.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None


_current: ContextVar[Bound | None] = ContextVar("crmbot_update", default=None)


def bind(**fields: object) -> Bound:
    """Lines logged inside this block (and in tasks it starts) name these ids; None is left out."""
    known = {k: str(v) for k, v in fields.items() if v is not None}
    outer = _current.get()
    return Bound({**outer.fields, **known} if outer is not None else known)


def note_failure(what: str) -> None:
    """The update being processed failed inside (and was answered anyway): the edge counts it."""
    bound = _current.get()
    if bound is not None:
        bound.failures.append(what)


def current() -> dict[str, str]:
    """The ids of the update being processed here ({} outside one)."""
    bound = _current.get()
    return dict(bound.fields) if bound is not None else {}


class _Context(logging.Filter):
    """Attaches the bound ids to each record, and masks known secrets in its message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        bound = _current.get()
        ids = bound.fields if bound is not None else {}
        record.crm = ids
        record.where = "".join(f" {k}={v}" for k, v in ids.items())
        if self.secrets:
            message = record.getMessage()
            masked = message
            for secret in self.secrets:
                masked = masked.replace(secret, MASK)
            if masked != message:
                record.msg, record.args = masked, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the bound ids, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "crm", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(
    level: str = "WARNING",
    fmt: str = "text",
    *,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Replace the root handlers with one to `stream` (stderr) in the chosen format and level."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_Context(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # APScheduler says "Running job …" at INFO every tick of every job: noise, not news.
    logging.getLogger("apscheduler").setLevel(max(root.level, logging.WARNING))
    return handler
