"""Tests for bot.services.language.dates: exact answers for a fixed clock, and never-raise
properties."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.services.language.dates import (
    MAX_PARSE_CHARS,
    MAX_SEARCH_CHARS,
    Prefer,
    _context,
    _parse_dateparser,
    _parse_en_common,
    _plain_en,
    _search_en,
    normalize_zh,
    parse_when,
    search_when,
)

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday 18 November 2026, 10:00 in Shanghai. This week runs Mon 16 .. Sun 22 Nov.
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SH)


def sh(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def future(text: str, now: datetime = NOW, tz: ZoneInfo = SH) -> datetime | None:
    return parse_when(text, now=now, tz=tz, prefer="future")


def past(text: str, now: datetime = NOW, tz: ZoneInfo = SH) -> datetime | None:
    return parse_when(text, now=now, tz=tz, prefer="past")


def assert_same_instant_and_zone(actual: datetime | None, expected: datetime) -> None:
    assert actual is not None
    assert actual == expected
    assert actual.tzinfo == expected.tzinfo
    assert actual.utcoffset() == expected.utcoffset()


# --------------------------------------------------------------------------- English

ENGLISH = [
    # text, prefer="future" answer, prefer="past" answer
    ("now", sh(11, 18, 10), sh(11, 18, 10)),
    ("yesterday 3pm", sh(11, 17, 15), sh(11, 17, 15)),
    ("yesterday at 15:30", sh(11, 17, 15, 30), sh(11, 17, 15, 30)),
    ("today 9am", sh(11, 18, 9), sh(11, 18, 9)),
    ("tomorrow", sh(11, 19, 9), sh(11, 19, 10)),
    ("tomorrow 10am", sh(11, 19, 10), sh(11, 19, 10)),
    # dateparser: "next friday" is the first Friday after today, here the same as "friday"
    ("next friday", sh(11, 20, 9), sh(11, 20, 10)),
    ("next friday 2pm", sh(11, 20, 14), sh(11, 20, 14)),
    ("friday", sh(11, 20, 9), sh(11, 13, 10)),
    ("in 2 weeks", sh(12, 2, 9), sh(12, 2, 10)),
    ("in 3 days", sh(11, 21, 9), sh(11, 21, 10)),
    ("in 2 hours", sh(11, 18, 12), sh(11, 18, 12)),
    ("2026-12-01", sh(12, 1, 9), sh(12, 1, 10)),
    ("1 dec", sh(12, 1, 9), sh(12, 1, 10, year=2025)),
    ("Dec 1 3pm", sh(12, 1, 15), sh(12, 1, 15, year=2025)),
    ("3pm", sh(11, 18, 15), sh(11, 17, 15)),
    ("2 hours ago", sh(11, 18, 8), sh(11, 18, 8)),
    ("last monday", sh(11, 16, 9), sh(11, 16, 10)),
    ("  Tomorrow 10AM  ", sh(11, 19, 10), sh(11, 19, 10)),
]


@pytest.mark.parametrize(("text", "expected_future", "expected_past"), ENGLISH)
def test_english(text: str, expected_future: datetime, expected_past: datetime) -> None:
    assert_same_instant_and_zone(future(text), expected_future)
    assert_same_instant_and_zone(past(text), expected_past)


def test_time_only_that_already_passed_today_is_tomorrow_for_the_future() -> None:
    late = datetime(2026, 11, 18, 16, 0, tzinfo=SH)
    assert future("3pm", now=late) == sh(11, 19, 15)
    assert past("3pm", now=late) == sh(11, 18, 15)


def test_now_keeps_seconds_of_the_clock() -> None:
    precise = datetime(2026, 11, 18, 10, 0, 42, 123456, tzinfo=SH)
    assert future("now", now=precise) == precise
    assert future("现在", now=precise) == precise


def test_date_only_in_the_past_uses_wall_clock_to_the_minute() -> None:
    precise = datetime(2026, 11, 18, 10, 7, 42, tzinfo=SH)
    assert past("yesterday", now=precise) == sh(11, 17, 10, 7)
    assert past("昨天", now=precise) == sh(11, 17, 10, 7)


# --------------------------------------------------------------------------- Chinese

CHINESE = [
    ("明天下午三点", sh(11, 19, 15), sh(11, 19, 15)),
    # 下周五 is Friday of next calendar week, unlike English "next friday"
    ("下周五下午3点", sh(11, 27, 15), sh(11, 27, 15)),
    ("今天晚上8点半", sh(11, 18, 20, 30), sh(11, 18, 20, 30)),
    ("两小时后", sh(11, 18, 12), sh(11, 18, 12)),
    ("昨天下午三点", sh(11, 17, 15), sh(11, 17, 15)),
    ("明天上午10点", sh(11, 19, 10), sh(11, 19, 10)),
    ("后天", sh(11, 20, 9), sh(11, 20, 10)),
    ("下周一", sh(11, 23, 9), sh(11, 23, 10)),
    # today is Wednesday and 09:00 has passed: the next Wednesday / today for the past
    ("周三", sh(11, 25, 9), sh(11, 18, 10)),
    ("周三下午3点", sh(11, 18, 15), sh(11, 11, 15)),
    ("星期五上午九点半", sh(11, 20, 9, 30), sh(11, 13, 9, 30)),
    ("12月1日", sh(12, 1, 9), sh(12, 1, 10, year=2025)),
    ("12月1号下午2点", sh(12, 1, 14), sh(12, 1, 14, year=2025)),
    ("3号", sh(12, 3, 9), sh(11, 3, 10)),
    ("半小时后", sh(11, 18, 10, 30), sh(11, 18, 10, 30)),
    ("三天后", sh(11, 21, 9), sh(11, 21, 10)),
    ("两周后", sh(12, 2, 9), sh(12, 2, 10)),
    ("两个星期后", sh(12, 2, 9), sh(12, 2, 10)),
    ("今天", sh(11, 18, 9), sh(11, 18, 10)),
    ("现在", sh(11, 18, 10), sh(11, 18, 10)),
    ("刚才", sh(11, 18, 10), sh(11, 18, 10)),
    ("前天晚上7点", sh(11, 16, 19), sh(11, 16, 19)),
    # 晚上12点 is the midnight that ends the evening
    ("今天晚上12点", sh(11, 19, 0), sh(11, 19, 0)),
    ("中午12点", sh(11, 18, 12), sh(11, 17, 12)),
    ("下午三点", sh(11, 18, 15), sh(11, 17, 15)),
    ("三点", sh(11, 18, 15), sh(11, 17, 15)),  # bare 1..6点 is afternoon
    ("凌晨3点", sh(11, 19, 3), sh(11, 18, 3)),
    ("15:30", sh(11, 18, 15, 30), sh(11, 17, 15, 30)),
    ("周五十点", sh(11, 20, 10), sh(11, 13, 10)),
    ("三点一刻", sh(11, 18, 15, 15), sh(11, 17, 15, 15)),
    ("明天下午", sh(11, 19, 15), sh(11, 19, 15)),
    ("今晚", sh(11, 18, 20), sh(11, 18, 20)),
    ("下周", sh(11, 23, 9), sh(11, 23, 10)),
    ("本周五", sh(11, 20, 9), sh(11, 20, 10)),
    ("上周五", sh(11, 13, 9), sh(11, 13, 10)),
    ("周日", sh(11, 22, 9), sh(11, 15, 10)),
    ("下个月3号", sh(12, 3, 9), sh(12, 3, 10)),
    ("二十五号", sh(11, 25, 9), sh(10, 25, 10)),
    ("2027年1月5日", sh(1, 5, 9, year=2027), sh(1, 5, 10, year=2027)),
    ("一个半小时后", sh(11, 18, 11, 30), sh(11, 18, 11, 30)),
    ("三天前", sh(11, 15, 9), sh(11, 15, 10)),
    ("三天后下午3点", sh(11, 21, 15), sh(11, 21, 15)),
    ("週五下午3點", sh(11, 20, 15), sh(11, 13, 15)),  # traditional characters
    ("明天下午３点。", sh(11, 19, 15), sh(11, 19, 15)),  # full-width digit, full stop
]


@pytest.mark.parametrize(("text", "expected_future", "expected_past"), CHINESE)
def test_chinese(text: str, expected_future: datetime, expected_past: datetime) -> None:
    assert_same_instant_and_zone(future(text), expected_future)
    assert_same_instant_and_zone(past(text), expected_past)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天下午三点", "明天下午3点"),
        ("星期五上午九点半", "星期5上午9点半"),
        ("周五十点", "周510点"),
        ("十二月二十五号", "12月25号"),
        ("两小时后", "2小时后"),
        ("二〇二六年", "2026年"),
        ("三点零五分", "3点5分"),
        ("週五下午３點", "周5下午3点"),
        ("我们一起统一", "我们一起统一"),
    ],
)
def test_normalize_zh(text: str, expected: str) -> None:
    assert normalize_zh(text) == expected


# --------------------------------------------------------------------------- zones


def test_answers_are_on_the_wall_clock_of_the_users_zone() -> None:
    # 10:00 in Shanghai is 03:00 in Berlin (CET, UTC+1) on the same day.
    assert_same_instant_and_zone(
        future("tomorrow 10am", tz=BERLIN), datetime(2026, 11, 19, 10, 0, tzinfo=BERLIN)
    )
    assert_same_instant_and_zone(
        future("3pm", tz=BERLIN), datetime(2026, 11, 18, 15, 0, tzinfo=BERLIN)
    )
    assert_same_instant_and_zone(
        future("明天上午10点", tz=BERLIN), datetime(2026, 11, 19, 10, 0, tzinfo=BERLIN)
    )
    assert_same_instant_and_zone(
        future("两小时后", tz=BERLIN), datetime(2026, 11, 18, 5, 0, tzinfo=BERLIN)
    )


def test_today_depends_on_the_users_zone_not_on_the_zone_of_now() -> None:
    # 02:00 on the 18th in Shanghai is still the evening of the 17th in Berlin.
    now = datetime(2026, 11, 18, 2, 0, tzinfo=SH)
    assert future("tomorrow", now=now, tz=BERLIN) == datetime(2026, 11, 18, 9, tzinfo=BERLIN)
    assert future("明天", now=now, tz=BERLIN) == datetime(2026, 11, 18, 9, tzinfo=BERLIN)
    assert future("tomorrow", now=now, tz=SH) == sh(11, 19, 9)


def test_now_may_be_given_in_utc() -> None:
    assert future("tomorrow 10am", now=NOW.astimezone(UTC)) == sh(11, 19, 10)
    assert future("now", now=NOW.astimezone(UTC)).tzinfo == SH  # type: ignore[union-attr]


def test_chinese_durations_are_exact_across_a_dst_change() -> None:
    # Berlin springs forward at 02:00 on 29 March 2026: 01:30 CET + 2h = 04:30 CEST.
    now = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)
    result = future("两小时后", now=now, tz=BERLIN)
    assert result == datetime(2026, 3, 29, 4, 30, tzinfo=BERLIN)
    assert result is not None
    assert (result.astimezone(UTC) - now.astimezone(UTC)).total_seconds() == 2 * 3600


def test_times_skipped_by_dst_are_moved_to_an_existing_time() -> None:
    now = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    result = future("明天凌晨2点半", now=now, tz=BERLIN)
    assert result is not None
    # 02:30 does not exist that night (clocks jump from 02:00 CET to 03:00 CEST)
    assert (result.hour, result.minute, result.utcoffset()) == (3, 30, timedelta(hours=2))
    assert result.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


# --------------------------------------------------------------------------- not dates


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "acme",
        "",
        "   ",
        "1234567",
        "5",
        "😀🎉",
        "may",
        "we",
        "a second",
        "这周",
        "好一点",
        "客户",
        "3号楼",
        "25点",
        "13月40日",
        "2月30日",
        "\x00",
        "明天下午三点左右开会吧",
    ],
)
def test_not_a_date(text: str) -> None:
    assert future(text) is None
    assert past(text) is None


def test_long_input_is_not_parsed() -> None:
    padded = "tomorrow" + " " * (MAX_PARSE_CHARS + 10) + "."
    assert future(padded) is None
    assert future("明天" * 200) is None
    assert future("tomorrow" + "!" * 10_000) is None


def test_programming_errors_still_raise() -> None:
    naive = NOW.replace(tzinfo=None)
    with pytest.raises(ValueError, match="aware"):
        parse_when("tomorrow", now=naive, tz=SH, prefer="future")
    with pytest.raises(ValueError, match="prefer"):
        search_when("tomorrow", now=NOW, tz=SH, prefer="soon")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- search


def find(text: str, prefer: str = "future") -> list[tuple[str, datetime]]:
    return search_when(text, now=NOW, tz=SH, prefer=prefer)  # type: ignore[arg-type]


def test_search_english_sentence_skips_quantities() -> None:
    assert find("Visited Acme, they want 200 units, call back next Friday") == [
        ("next Friday", sh(11, 20, 9))
    ]


def test_search_finds_two_expressions_in_order() -> None:
    assert find("met Li at Acme yesterday 3pm, follow up in 2 weeks") == [
        ("yesterday 3pm", sh(11, 17, 15)),
        ("in 2 weeks", sh(12, 2, 9)),
    ]


def test_search_chinese_sentence() -> None:
    assert find("拜访了星辰贸易，下周五下午3点回访") == [("下周五下午3点", sh(11, 27, 15))]


def test_search_chinese_takes_the_whole_weekday() -> None:
    assert find("下周五开会") == [("下周五", sh(11, 27, 9))]


def test_search_reports_original_substrings_of_chinese_numerals() -> None:
    assert find("约好星期五上午九点半在公司见，十二月二十五号前交货") == [
        ("星期五上午九点半", sh(11, 20, 9, 30)),
        ("十二月二十五号", sh(12, 25, 9)),
    ]


def test_search_mixed_languages() -> None:
    assert find("拜访了Acme，明天 call back at 3pm") == [
        ("明天", sh(11, 19, 9)),
        ("3pm", sh(11, 18, 15)),
    ]


def test_search_uses_prefer() -> None:
    assert find("visited them on friday", prefer="past") == [("friday", sh(11, 13, 10))]
    assert find("周五拜访过", prefer="past") == [("周五", sh(11, 13, 10))]


@pytest.mark.parametrize(
    "text",
    [
        "I may call them to discuss",  # modal "may"
        "we will order 1234567 units",
        "a second chance",
        "known issue, nowhere to go",
        "twice a day, good morning",
        "3号楼的客户，一周三次，好一点，5号线",
        "他十分后悔",
        "",
        "hello",
    ],
)
def test_search_ignores_junk(text: str) -> None:
    assert find(text) == []


def test_search_filters_junk_but_keeps_the_real_date() -> None:
    assert find("I may call them on Monday to discuss") == [("Monday", sh(11, 23, 9))]
    assert find("call on 1 dec and discuss") == [("1 dec", sh(12, 1, 9))]
    assert find("call Li tomorrow morning about the 3 pallets") == [
        ("tomorrow morning", sh(11, 19, 9))
    ]
    assert find("send the 2 quotes tomorrow at the office") == [("tomorrow", sh(11, 19, 9))]


def test_search_english_next_to_chinese_does_not_run_into_it() -> None:
    assert find("TOMORROW明天0") == [("TOMORROW", sh(11, 19, 9)), ("明天", sh(11, 19, 9))]


def test_search_only_looks_at_the_first_characters() -> None:
    filler = "x" * (MAX_SEARCH_CHARS - 3)
    assert find(filler + "下周五") == [("下周五", sh(11, 27, 9))]
    # one more character pushes 五 beyond the limit: "下周" alone would be wrong, so nothing
    assert find(filler + "x下周五") == []
    assert find("明天" + "x" * 5000 + "后天") == [("明天", sh(11, 19, 9))]


# --------------------------------------------------------------------------- properties

DATE_WORDS = [
    "明天",
    "下周",
    "五",
    "下午",
    "三",
    "点",
    "半",
    "号",
    "月",
    "日",
    "周",
    "星期",
    "后",
    "前",
    "两",
    "十",
    "小时",
    "天",
    "晚上",
    "12",
    "3",
    ":",
    "30",
    "tomorrow",
    "next",
    "friday",
    "pm",
    "in",
    "2",
    "weeks",
    "ago",
    "may",
    "on",
    " ",
    "，",
    "2026-12-01",
    "😀",
    "现在",
    "号楼",
    "0",
]
mixed_text = st.lists(st.sampled_from(DATE_WORDS), max_size=25).map("".join) | st.lists(
    st.sampled_from(DATE_WORDS), max_size=25
).map(" ".join)
any_text = st.text(max_size=300) | mixed_text | st.text(alphabet="明天下周五点半号0123456789 :")

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,  # dateparser's first call loads its language data
    database=None,  # keep no example files in the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def no_errors_logged(caplog: pytest.LogCaptureFixture) -> bool:
    return not [r for r in caplog.records if r.levelno >= logging.ERROR]


@PROPERTY_SETTINGS
@given(text=any_text, prefer=st.sampled_from(["future", "past"]))
def test_parse_when_never_fails(caplog: pytest.LogCaptureFixture, text: str, prefer: str) -> None:
    caplog.clear()
    result = parse_when(text, now=NOW, tz=SH, prefer=prefer)  # type: ignore[arg-type]
    assert no_errors_logged(caplog), caplog.text  # the safety net was not needed
    if result is not None:
        assert result.tzinfo == SH
        assert result.utcoffset() is not None


@PROPERTY_SETTINGS
@given(text=any_text | st.text(min_size=900, max_size=1100))
def test_search_when_never_fails(caplog: pytest.LogCaptureFixture, text: str) -> None:
    caplog.clear()
    results = find(text)
    assert no_errors_logged(caplog), caplog.text
    cursor = 0
    for substring, value in results:
        assert substring
        position = text.find(substring, cursor)
        assert position >= 0  # a real substring, in order of appearance
        cursor = position + len(substring)
        assert value.tzinfo == SH
        assert value.utcoffset() is not None


COMMON_PHRASES = [
    "today",
    "Tomorrow",
    "yesterday",
    "in 3 days",
    "in a day",
    "in two weeks",
    "in 2 weeks",
    "in 10 days",
    *(f"next {day}" for day in ("monday", "wednesday", "friday", "sunday")),
]


@pytest.mark.parametrize("phrase", COMMON_PHRASES)
@pytest.mark.parametrize("prefer", ["future", "past"])
@pytest.mark.parametrize(
    "now",
    [NOW, datetime(2026, 11, 22, 23, 30, tzinfo=SH), datetime(2026, 3, 8, 1, 30, tzinfo=UTC)],
)
def test_common_phrases_read_directly_as_dateparser_reads_them(
    phrase: str, prefer: Prefer, now: datetime
) -> None:
    """The shortcut for the button phrases must not change a single answer."""
    zone = ZoneInfo("America/New_York") if now.tzinfo is UTC else SH
    ctx = _context(now, zone, prefer)
    direct = _parse_en_common(phrase, ctx)
    assert direct is not None
    assert direct == _parse_dateparser(phrase, ctx)


PLAIN_PHRASES = [
    *(
        f"{prefix}{day}"
        for prefix in ("", "next ")
        for day in ("monday", "Tuesday", "wed", "thu", "Fri", "saturday", "sunday", "tues", "mon")
    ),
    "today",
    "tomorrow",
    "Dec 10",
    "december 3",
    "Nov 2",
    "jan 8",
    "12/1",
    "1/10",
    "11/30",
    "next week",
    "next month",
]


@pytest.mark.parametrize("phrase", PLAIN_PHRASES)
@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 11, 22, 23, 30, tzinfo=SH),
        datetime(2026, 12, 31, 8, 0, tzinfo=SH),
        datetime(2026, 3, 8, 1, 30, tzinfo=UTC),
    ],
)
def test_plain_dates_in_notes_read_directly_as_dateparser_reads_them(
    phrase: str, now: datetime
) -> None:
    """The shortcut for the plainest dates of a note must not change a single answer."""
    zone = ZoneInfo("America/New_York") if now.tzinfo is UTC else SH
    ctx = _context(now, zone, "future")
    note = f"call back {phrase}, thanks"
    found = _plain_en(note, ctx, [])
    searched = [value for _, _, value in _search_en(note, ctx, [])]
    if found:
        [(start, end, value)] = found
        assert note[start:end] == phrase
        assert [value] == searched or value == _parse_dateparser(phrase, ctx)
    else:  # left to dateparser: a bare weekday said on that day, or today's date
        local = now.astimezone(zone)
        assert phrase[:3].lower() == local.strftime("%a").lower() or any(
            value.date() == local.date() for value in searched
        )


@pytest.mark.parametrize(
    "text",
    ["Friday 3pm", "tomorrow morning", "2pm today", "this friday", "Monday at 10", "fri 11am"],
)
def test_plain_dates_next_to_a_time_are_left_to_dateparser(text: str) -> None:
    assert _plain_en(text, _context(NOW, SH, "future"), []) == []
