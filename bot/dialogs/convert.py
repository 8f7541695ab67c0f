"""The one checked conversion of typed text and button data into ids and counts.

`str.isdigit()` accepts "²" and "٣", which `int()` then refuses or reads as something the person
never meant, and an id past 64 bits overflows the database driver. Everything a person typed or
a button carried goes through here: digits after NFKC (full-width "１２" is fine), ASCII digits
only, within the database's integer range.
"""

from __future__ import annotations

import unicodedata

DB_INT_MAX = 2**63 - 1  # BIGINT: the widest integer the database stores
ID_MAX = 2**31 - 1  # INTEGER: the id columns of customers, deals, requests, tasks, users…


def digits(text: object) -> str | None:
    """The ASCII digits `text` is made of after NFKC and trimming, or None."""
    if not isinstance(text, str):
        return None
    if any(not (ch.isascii() or _wide(ch)) for ch in text.strip()):
        return None  # "¹²" and "②" fold to digits under NFKC, but nobody types them as a number
    value = unicodedata.normalize("NFKC", text).strip()
    if not value or len(value) > 19 or not (value.isascii() and value.isdigit()):
        return None
    return value


def _wide(ch: str) -> bool:
    """A full-width form ("１", "　"), as Chinese and Japanese keyboards type them."""
    return unicodedata.decomposition(ch).startswith("<wide>") or ch == "\u3000"


def to_int(text: object, *, low: int = 0, high: int = DB_INT_MAX) -> int | None:
    """A whole number from typed text or button data within [low, high], or None."""
    value = digits(text)
    if value is None:
        return None
    number = int(value)
    return number if low <= number <= high else None


def to_id(text: object) -> int | None:
    """A database id (1 … 2^31-1, an INTEGER key) from typed text or button data, or None."""
    return to_int(text, low=1, high=ID_MAX)
