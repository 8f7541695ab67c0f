"""The one checked conversion of typed text and button data into ids and counts.

`str.isdigit()` accepts "²" and "٣", which `int()` then refuses or reads as something the person
never meant, and an id past 64 bits overflows the database driver. Everything a person typed or
a button carried goes through here: digits after NFKC (full-width "１２" is fine), ASCII digits
only, within the database's integer range.
"""

from __future__ import annotations

import unicodedata

DB_INT_MAX = 2**63 - 1  # BIGINT; every id column fits


def digits(text: object) -> str | None:
    """The ASCII digits `text` is made of after NFKC and trimming, or None."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    # Full-width digits are digits a Chinese keyboard types; NFKC would also turn "²" and "₃"
    # into digits, which nobody means as a number.
    if not all("0" <= ch <= "9" or "０" <= ch <= "９" for ch in value):
        return None
    value = unicodedata.normalize("NFKC", value)
    if not value or len(value) > 19:
        return None
    return value


def to_int(text: object, *, low: int = 0, high: int = DB_INT_MAX) -> int | None:
    """A whole number from typed text or button data within [low, high], or None."""
    value = digits(text)
    if value is None:
        return None
    number = int(value)
    return number if low <= number <= high else None


def to_id(text: object) -> int | None:
    """A database id (1 … 2^63-1) from typed text or button data, or None."""
    return to_int(text, low=1)
