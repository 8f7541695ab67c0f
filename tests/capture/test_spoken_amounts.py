"""Amounts as people say them inside a quick-capture sentence: "2万5" is 25,000 there too, as
in the amount question, and the amount is cut from the place it was typed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.services.language.amounts import find_amounts, parse_money
from bot.services.language.capture_text import read_note

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wednesday, 10:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "typed", "value"),
    [
        ("拜访东风五金，要订2万5的货", "2万5", 25_000),
        ("报价2万5千，下周五回电", "2万5千", 25_000),
        ("预算3千2左右", "3千2", 3_200),
        ("1亿2的项目", "1亿2", 120_000_000),
        ("budget 2万5, call back friday", "2万5", 25_000),
        ("２万５的单子", "２万５", 25_000),
        ("东风五金要2万5，下周五回电", "2万5", 25_000),
    ],
)
def test_a_spoken_tenth_in_a_sentence(text: str, typed: str, value: int) -> None:
    [(start, end, amount)] = find_amounts(text, "CNY")
    assert amount.value == Decimal(value) and amount.unit == "CNY"
    assert text[start:end] == typed
    assert parse_money(typed) == (Decimal(value), None)  # the amount question reads it alike


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("要2万件", ["20000 件"]),  # no digit after the scale: as before
        ("2万5%", ["20000 CNY", "5 %"]),  # a percent is not a tenth
        ("2万56", ["20000 CNY"]),  # two digits are not a tenth; 56 alone is not money
        ("2万5,000", ["20000 CNY"]),  # digit grouping after a scale: not a tenth
    ],
)
def test_what_is_not_a_spoken_tenth(text: str, labels: list[str]) -> None:
    assert [a.label for _, _, a in find_amounts(text, "CNY")] == labels


def test_the_note_keeps_the_date_next_to_a_spoken_amount() -> None:
    note = read_note("东风五金要2万5的货，下周五回电", now=NOW, tz=SHANGHAI)
    assert [a.label for a in note.amounts] == ["25000 CNY"]
    assert note.followup == datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)
    assert note.notes == "东风五金要2万5的货，下周五回电"
