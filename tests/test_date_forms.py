"""Day-of-month, end-of-month and early-next-week forms, as an answer and inside a note, in both
languages, all on the injected clock (Wednesday 18 Nov 2026, 10:00 in Shanghai)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.language.capture_text import read_note
from bot.services.language.dates import parse_when, search_when
from tests.conftest import START

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


FORMS = [
    # day of the month: the next one not before today
    ("on the 15th", local(12, 15)),
    ("the 15th", local(12, 15)),
    ("15th", local(12, 15)),
    ("the 25th", local(11, 25)),
    ("on the 1st", local(12, 1)),
    ("15号", local(12, 15)),
    ("二十五号", local(11, 25)),
    ("25日", local(11, 25)),
    ("本月25日", local(11, 25)),
    ("下月3号", local(12, 3)),
    ("下个月15号", local(12, 15)),
    # end and start of a month or a week
    ("end of the month", local(11, 30)),
    ("end of this month", local(11, 30)),
    ("月底", local(11, 30)),
    ("本月底", local(11, 30)),
    ("end of next month", local(12, 31)),
    ("下个月底", local(12, 31)),
    ("early next month", local(12, 1)),
    ("下月初", local(12, 1)),
    ("early next week", local(11, 23)),
    ("beginning of next week", local(11, 23)),
    ("下周初", local(11, 23)),
    ("下个星期初", local(11, 23)),
    ("end of next week", local(11, 27)),
    ("下周末", local(11, 28)),
]


@pytest.mark.parametrize(("text", "when"), FORMS)
def test_each_form_as_an_answer(text: str, when: datetime) -> None:
    assert parse_when(text, now=START, tz=SHANGHAI, prefer="future") == when


@pytest.mark.parametrize(("text", "when"), FORMS)
def test_each_form_inside_a_note_is_the_follow_up(text: str, when: datetime) -> None:
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    note = f"拜访了星辰，{text}再联系" if chinese else f"Visited Acme, follow up {text}"
    assert read_note(note, now=START, tz=SHANGHAI).followup == when


def test_a_day_of_the_month_in_the_past_keeps_the_time_of_day() -> None:
    assert parse_when("on the 15th", now=START, tz=SHANGHAI, prefer="past") == local(11, 15, 10)
    note = read_note("Met Acme yesterday, call back on the 3rd", now=START, tz=SHANGHAI)
    assert note.at == local(11, 17, 10) and note.followup == local(12, 3)


@pytest.mark.parametrize(
    "text", ["the 2nd floor", "for the 3rd time", "their 5th order", "15th of nothing"]
)
def test_ordinals_that_are_not_days(text: str) -> None:
    assert parse_when(text, now=START, tz=SHANGHAI, prefer="future") is None
    if text != "15th of nothing":
        assert search_when(text, now=START, tz=SHANGHAI) == []


def test_the_end_of_the_month_said_after_it_is_next_months() -> None:
    evening = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 20:00 on the 30th in Shanghai
    assert parse_when("月底", now=evening, tz=SHANGHAI, prefer="future") == local(12, 31)
    assert read_note("Called Acme, follow up end of the month", now=evening, tz=SHANGHAI).followup
