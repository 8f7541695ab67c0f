"""Phone numbers typed any way become one E.164 form; anything else is refused, never raised."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.language.phones import format_phone, normalize_phone


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("0086 138 1234 5678", "+8613812345678"),
        ("１３８１２３４５６７８", "+8613812345678"),
        ("  13812345678 ", "+8613812345678"),
        ("(021) 6123 4567", "+862161234567"),
        ("+86 (0)21 6123 4567", "+862161234567"),
        ("400 820 8820", "+864008208820"),
        ("+49 30 1234567", "+49301234567"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("+852 9123 4567", "+85291234567"),
    ],
)
def test_phones_normalize(typed: str, e164: str) -> None:
    assert normalize_phone(typed) == e164


def test_default_region() -> None:
    assert normalize_phone("030 1234567", default_region="DE") == "+49301234567"


@pytest.mark.parametrize(
    "typed",
    [
        "hello",
        "",
        "12",
        "+",
        "call me",
        "x" * 200,
        "1" * 200,
        "138 1234 567",  # a mobile number missing a digit: "possible", not valid
        "2024-05-01",  # a date
        "6123 4567",  # a Shanghai number without its area code
    ],
)
def test_not_phones(typed: str) -> None:
    assert normalize_phone(typed) is None


def test_format_for_display() -> None:
    assert format_phone("+8613812345678") == "+86 138 1234 5678"
    assert format_phone("+862161234567") == "+86 21 6123 4567"
    assert format_phone("garbage") == "garbage"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.text(alphabet="0123456789+-() .x１８", max_size=45)))
def test_never_raises(text: str) -> None:
    result = normalize_phone(text)
    assert result is None or (result.startswith("+") and normalize_phone(result) == result)
