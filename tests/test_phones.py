"""Phone numbers typed any way become one E.164 form; anything else is refused, never raised."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.phones import format_phone, normalize_phone


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("１３８１２３４５６７８", "+8613812345678"),
        ("(021) 6123 4567", "+862161234567"),
        ("+49 30 1234567", "+49301234567"),
    ],
)
def test_phones_normalize(typed: str, e164: str) -> None:
    assert normalize_phone(typed) == e164


@pytest.mark.parametrize("typed", ["hello", "", "12", "x" * 200, "1" * 200, "+", "call me"])
def test_not_phones(typed: str) -> None:
    assert normalize_phone(typed) is None


def test_format_for_display() -> None:
    assert format_phone("+8613812345678") == "+86 138 1234 5678"
    assert format_phone("garbage") == "garbage"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_never_raises(text: str) -> None:
    result = normalize_phone(text)
    assert result is None or result.startswith("+")
