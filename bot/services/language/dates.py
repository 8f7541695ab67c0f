"""Understand the dates and times sales reps type freely, in English or Simplified Chinese.

Reps answer "when?" with whatever comes to mind ("tomorrow 10am", "下周五下午3点", "两小时后"),
so the bot must turn that into one aware datetime on the *user's* wall clock; the caller
converts it to UTC for storage.

English goes to ``dateparser``. Its Chinese support misses common phrases ("明天下午三点",
"下周五", "两小时后") and, when searching, matches "下周" inside "下周五", so Chinese is resolved
by the small matcher in this module (after ``normalize_zh``) and never handed to dateparser's
search; ``parse_when`` only asks dateparser about Chinese the matcher does not know ("下个月").

Rules (chosen so that follow-ups and visit logs both come out sensible):

* ``prefer="future"`` is for follow-ups, ``prefer="past"`` for when a visit happened.
* A date without a time ("tomorrow", "下周五", "2026-12-01", "in 3 days", "三天后") means
  09:00 that day for the future (the start of a working day, so the reminder is useful), and
  that day at the current wall-clock time (to the minute) for the past, so "yesterday" keeps
  the visits of one day in the order they were logged. A time that is given is always kept.
  An explicit day ("today"/"今天") is never moved, even if 09:00 has already passed.
* Expressions that only fix part of the date ("周五", "3号", "12月1日", "3pm", "下午三点")
  resolve to the nearest occurrence not before ``now`` (future) or not after it (past).
* Chinese weeks start on Monday: "下周五" is Friday of next calendar week, "这周五"/"本周五"
  Friday of this week, "下周" alone Monday of next week. English "next friday" is dateparser's:
  the first Friday after today (on Wednesday 18 Nov 2026 that is 20 Nov, the same day as
  "friday"). Both are pinned by tests.
* "晚上12点" is midnight at the end of that evening, i.e. 00:00 of the next day; likewise
  "晚上1点".."晚上4点" are the small hours after that evening, while "凌晨12点" is 00:00 at
  the start of the day named. A bare "1点".."6点" without
  上午/下午 is read as afternoon (a 3 a.m. sales call is unlikely); "HH:MM" is a 24-hour clock.
* "N小时后"/"半小时后" are exact durations (computed in UTC, so they are right across a DST
  change). English "in 2 hours" is dateparser's wall-clock arithmetic, which can be an hour off
  on the night of a DST change; time zone names typed in English text ("3pm EST") are ignored,
  the time is read on the user's wall clock.
* English words that are only sometimes dates are not dates on their own ("may", "we", "sun",
  "a second", bare numbers); "may 5", "sun 3pm" are.
* Input longer than ``MAX_PARSE_CHARS`` is not a date; ``search_when`` only looks at the first
  ``MAX_SEARCH_CHARS`` characters. Both never raise on any string: unexpected errors from
  dateparser are logged and treated as "no date".
"""

from __future__ import annotations

import calendar
import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser
from dateparser.search import search_dates

from bot.services.language.amounts import zh_number

__all__ = [
    "MAX_PARSE_CHARS",
    "MAX_SEARCH_CHARS",
    "Prefer",
    "normalize_zh",
    "parse_when",
    "search_when",
]

Prefer = Literal["past", "future"]

MAX_PARSE_CHARS = 200
MAX_SEARCH_CHARS = 1000
FOLLOW_UP_TIME = time(9, 0)
FOLLOW_UP_OFFSET = timedelta(hours=9)  # the same, as an offset from midnight

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Ctx:
    """The user's clock: ``now`` already converted to ``tz``, and the preferred direction."""

    now: datetime
    tz: ZoneInfo
    prefer: Prefer

    @property
    def today(self) -> date:
        return self.now.date()


def _context(now: datetime, tz: ZoneInfo, prefer: Prefer) -> _Ctx:
    # Programming errors, not user input: fail loudly instead of returning a wrong date.
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if prefer not in ("past", "future"):
        raise ValueError(f"prefer must be 'past' or 'future', not {prefer!r}")
    return _Ctx(now=now.astimezone(tz), tz=tz, prefer=prefer)


# --------------------------------------------------------------------------- public API


def parse_when(text: str, *, now: datetime, tz: ZoneInfo, prefer: Prefer) -> datetime | None:
    """Return an aware datetime in ``tz`` (caller converts to UTC) or None when text is not a date.

    ``text`` is a whole answer to "when?", so it must be a date expression as a whole;
    see the module docstring for how incomplete expressions are completed. ``now`` may be in
    any zone; it is read on the wall clock of ``tz``.
    """
    ctx = _context(now, tz, prefer)
    try:
        return _parse(text, ctx)
    except Exception:  # dateparser is a large heuristic library; a bad message must not crash
        log.exception("parse_when failed on %.300r", text)
        return None


def search_when(
    text: str, *, now: datetime, tz: ZoneInfo, prefer: Prefer = "future"
) -> list[tuple[str, datetime]]:
    """Find the date expressions inside a free-text note, for "quick capture".

    "Visited Acme, call back next Friday" -> [("next Friday", dt)];
    "下周五下午3点回访" -> [("下周五下午3点", dt)]. Returns each matched substring of ``text``
    with its aware datetime in ``tz``, in order of appearance. Bare numbers ("200 units") and
    English words that are only sometimes dates ("may", "we", "sun") are not reported.
    """
    ctx = _context(now, tz, prefer)
    try:
        return _search(text, ctx)
    except Exception:  # see parse_when
        log.exception("search_when failed on %.300r", text)
        return []


def normalize_zh(text: str) -> str:
    """Rewrite Chinese date text into one canonical spelling the matcher can read.

    Full-width digits and colons become ASCII, traditional characters used in dates become
    simplified (點→点, 週→周, 後→后 ...), and Chinese numerals that count something date-like
    become Arabic digits ("星期五上午九点半" -> "星期5上午9点半", "二十五号" -> "25号").
    Numerals in ordinary words ("一起", "统一") are left alone.
    """
    return _normalize_zh(text)[0]


# --------------------------------------------------------------------------- shared helpers

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_EN_NOW = frozenset({"now", "right now", "just now"})


def _parse(text: str, ctx: _Ctx) -> datetime | None:
    text = text.strip()
    if not text or len(text) > MAX_PARSE_CHARS:
        return None
    if text.lower() in _EN_NOW:
        return ctx.now
    common = _parse_en_common(text, ctx)
    if common is not None:
        return common
    phrases = _phrases(text, ctx)
    if len(phrases) == 1 and phrases[0][:2] == (0, len(text)):
        return phrases[0][2]
    if _CJK.search(text):
        return _parse_zh(text, ctx) or _parse_dateparser(text, ctx)
    return _parse_dateparser(text, ctx) if _looks_like_date(text) else None


def _search(text: str, ctx: _Ctx) -> list[tuple[str, datetime]]:
    truncated = len(text) > MAX_SEARCH_CHARS
    text = text[:MAX_SEARCH_CHARS]
    found = _phrases(text, ctx)
    if _CJK.search(text):
        found += _search_zh(text, ctx, taken=[(start, end) for start, end, _ in found])
    found += _plain_en(text, ctx, taken=[(start, end) for start, end, _ in found])
    found += _search_en(text, ctx, taken=[(start, end) for start, end, _ in found])
    found += _times_en(text, ctx, taken=[(start, end) for start, end, _ in found])
    # A match touching the cut-off point may be a truncated expression ("下周" of "下周五").
    found = [f for f in found if not (truncated and f[1] == len(text))]
    return [(text[start:end], value) for start, end, value in sorted(found, key=lambda f: f[0])]


def _on(day: date, time_of_day: timedelta | None, ctx: _Ctx) -> datetime:
    """Combine a day with a time (offset from midnight, may be 24h) or the date-only default."""
    if time_of_day is None:
        clock = FOLLOW_UP_TIME if ctx.prefer == "future" else ctx.now.time()
        return _real(datetime.combine(day, clock.replace(second=0, microsecond=0), ctx.tz), ctx)
    return _real(datetime.combine(day, time(), ctx.tz) + time_of_day, ctx)


def _real(value: datetime, ctx: _Ctx) -> datetime:
    """Move a wall-clock time that a DST jump skipped to one that exists."""
    return value.astimezone(UTC).astimezone(ctx.tz)


def _pick(candidate: Callable[[int], datetime | None], ctx: _Ctx, tries: int) -> datetime | None:
    """Return the first occurrence not before now (future) or not after it (past).

    ``candidate(k)`` is the occurrence k steps (days, weeks, months or years) away from the one
    in the current period. With one try the expression named its day explicitly ("明天"), and
    it is kept even when it lies on the other side of now.
    """
    if tries == 1:
        return candidate(0)
    step = 1 if ctx.prefer == "future" else -1
    for k in range(0, step * tries, step):
        value = candidate(k)
        if value is None:
            continue
        if (value >= ctx.now) if ctx.prefer == "future" else (value <= ctx.now):
            return value
    return None


def _add_months(day: date, months: int, day_of_month: int | None = None) -> date | None:
    """Shift by whole months; with no day_of_month the day is clamped (31 Jan + 1 -> 28 Feb)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    if not 1 <= year <= 9999:
        return None
    if day_of_month is None:
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return _safe_date(year, month, day_of_month)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --------------------------------------------------------------------------- phrases

# Spans of time people name as a day in both languages ("end of the month", "月底", "下周初",
# "on the 15th"), which neither dateparser nor the Chinese matcher below reads. Each gives the
# day from the user's today; "rolls" moves a day already past to the next month's ("月底" said
# on the evening of the 30th is the end of next month).


def _month_end(day: date, months: int = 0) -> date:
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month0 + 1, calendar.monthrange(year, month0 + 1)[1])


def _month_start(day: date, months: int) -> date:
    year, month0 = divmod(day.month - 1 + months, 12)
    return date(day.year + year, month0 + 1, 1)


def _next_month(day: date) -> date:
    """The same day next month, clamped (as dateparser reads "next month")."""
    end = _month_end(day, 1)
    return end.replace(day=min(day.day, end.day))


def _week_day(day: date, weeks: int, weekday: int) -> date:
    """Monday (0) .. Sunday (6) of the week `weeks` after this one."""
    return day - timedelta(days=day.weekday()) + timedelta(weeks=weeks, days=weekday)


def _en(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


_DayFn = Callable[[date], date]
_PHRASES: tuple[tuple[re.Pattern[str], _DayFn, bool], ...] = (
    (re.compile(r"下下?个?月(?:底|末)"), lambda d: _month_end(d, 1), False),
    (re.compile(r"(?:这个|本)?月(?:底|末)"), _month_end, True),
    (re.compile(r"下个?月初"), lambda d: _month_start(d, 1), False),
    (re.compile(r"下个?月(?!\d|[一二三四五六七八九十]+[号日])"), _next_month, False),
    (re.compile(r"年底|年末"), lambda d: date(d.year, 12, 31), False),
    (re.compile(r"过两天|过几天"), lambda d: d + timedelta(days=2), False),
    (re.compile(r"下周末"), lambda d: _week_day(d, 1, 5), False),
    (re.compile(r"下(?:个)?(?:周|星期|礼拜)初"), lambda d: _week_day(d, 1, 0), False),
    (_en(r"(?:the )?end of next month"), lambda d: _month_end(d, 1), False),
    (_en(r"(?:the )?end of (?:the |this )?month|eom"), _month_end, True),
    (
        _en(r"(?:early|the beginning of|the start of|beginning of|start of) next month"),
        lambda d: _month_start(d, 1),
        False,
    ),
    (
        _en(r"(?:early|the beginning of|the start of|beginning of|start of) next week"),
        lambda d: _week_day(d, 1, 0),
        False,
    ),
    (_en(r"(?:the )?end of next week"), lambda d: _week_day(d, 1, 4), False),
    (_en(r"(?:the )?end of (?:the |this )?week"), lambda d: _week_day(d, 0, 4), False),
    (_en(r"(?:the )?end of (?:the |this )?year"), lambda d: date(d.year, 12, 31), False),
    (_en(r"(?:in )?a couple (?:of )?days|in a few days"), lambda d: d + timedelta(days=2), False),
    (_en(r"in (?:a|one) week"), lambda d: d + timedelta(days=7), False),
    (_en(r"in a fortnight"), lambda d: d + timedelta(days=14), False),
    (_en(r"tmrw|tmr|tmw|2moro|tomorow|tommorow|tomorrw"), lambda d: d + timedelta(days=1), False),
)
_MONTH_NAMES = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
# "the 15th" alone is a day of this month or the next; "15th of December" is dateparser's, and
# "the 2nd floor" or "the 3rd time" are no dates at all.
_EN_DAY_OF_MONTH = re.compile(
    r"\b(?:on\s+)?(?:the\s+)?(?P<day>3[01]|[12]\d|[1-9])(?:st|nd|rd|th)\b"
    rf"(?!\s+(?:of\s+)?(?:{_MONTH_NAMES})|\s+(?:floor|time|round|place|quarter|gen|edition|"
    r"year|day|week|month|anniversary|batch|shipment|order|call|visit|attempt|version)s?\b)",
    re.IGNORECASE,
)


# Parts of a month and other spans named by what they contain; each gives a day (and a time)
# from the match and today. They are read before the table above, so "下个月上旬" is not "下个月".
_SpanFn = Callable[[re.Match[str], date], tuple[date, timedelta | None] | None]
_MONTH_PART_DAY = {"上旬": 1, "初": 1, "中旬": 11, "中": 15, "下旬": 21}
# The last day of each part: "中" (mid-month) is one day, the others a stretch of days.
_MONTH_PART_LAST = {"上旬": 10, "初": 5, "中旬": 20, "中": 15}
_EN_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_ZH_MONTH = r"(?P<month>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_EN_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_EN_WEEKDAY = (
    r"(?P<weekday>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:s|nesday)?|thu(?:r(?:s(?:day)?)?)?"
    r"|fri(?:day)?|sat(?:urday)?|sun(?:day)?)"
)
_EN_ORDINALS = {
    word: number
    for number, word in enumerate(
        [
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "fifteenth",
            "sixteenth",
            "seventeenth",
            "eighteenth",
            "nineteenth",
            "twentieth",
        ],
        1,
    )
} | {"thirtieth": 30}
_EN_ORDINAL = (
    r"(?P<ordinal>(?:twenty|thirty)[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth"
    r"|ninth)|" + "|".join(sorted(_EN_ORDINALS, key=len, reverse=True)) + ")"
)
_EN_HOURS = {
    word: hour
    for hour, word in enumerate(
        [
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ],
        1,
    )
}
_EN_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "a couple of": 2, "couple of": 2}
_END_OF_DAY = timedelta(hours=17)
# Words after which "sat" is Saturday, not "sat down".
_SAT_AFTER = ("on", "by", "this", "next", "till", "until", "want", "deliver", "visit")
_NOT_A_DAY_AFTER = (
    r"floor|time|round|place|quarter|week|month|year|day|thing|batch|shipment|order|call|visit"
    r"|attempt|version"
)
_Span = tuple[date, timedelta | None]
_MONTH_CUES = ("revisit", "follow up", "follow up in", "f/u", "f/u in", "back in", "revisit in")


def _month_number(word: str) -> int:
    if word[0].isdigit():
        return int(word)
    if word[0] in "一二三四五六七八九十":
        return _zh_int(word)
    return next(i for i, name in enumerate(_EN_MONTHS, 1) if name.startswith(word.lower()[:3]))


def _ordinal(word: str) -> int:
    tens, _, unit = word.lower().replace("-", " ").partition(" ")
    if unit:
        return {"twenty": 20, "thirty": 30}[tens] + _EN_ORDINALS[unit]
    return _EN_ORDINALS[tens]


def _part_of_month(first: date, part: str, today: date) -> date | None:
    """The day a part of a month starts ("下旬" the 21st), tomorrow when it has begun, None when
    it is over."""
    if part in ("底", "末", "end"):
        end = _month_end(first)
        return end if end > today else None
    day = first.replace(day=_MONTH_PART_DAY[part])
    last = first.replace(day=_MONTH_PART_LAST[part]) if part in _MONTH_PART_LAST else None
    last = last or _month_end(first)
    if day > today:
        return day
    return today + timedelta(days=1) if last > today else None


def _this_or_next(part: str, today: date) -> _Span | None:
    day = _part_of_month(today.replace(day=1), part, today)
    return (day or _part_of_month(_month_start(today, 1), part, today) or today, None)


def _named_month(month_word: str, part: str, today: date) -> _Span | None:
    month = _month_number(month_word)
    if not 1 <= month <= 12:
        return None
    for year in (today.year, today.year + 1):
        day = _part_of_month(date(year, month, 1), part, today)
        if day is not None:
            return day, None
    return None


def _next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _weekday_number(word: str) -> int:
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(word.lower()[:3])


def _weekday_at(m: re.Match[str], today: date) -> _Span | None:
    """ "thursday at three": that day, 1 to 6 o'clock in the afternoon as in Chinese."""
    word = m["hour"].lower()
    hour = int(word) if word.isdigit() else _EN_HOURS[word]
    if not 1 <= hour <= 12:
        return None
    hour += 12 if hour <= 6 else 0
    return _next_weekday(today, _weekday_number(m["weekday"])), timedelta(hours=hour)


def _count(word: str) -> int:
    word = word.lower()
    return int(word) if word.isdigit() else _EN_COUNTS.get(word, 0)


def _later(unit: timedelta) -> _SpanFn:
    """ "in 2 wks", "2 more days": that many units after today."""

    def span(m: re.Match[str], today: date) -> _Span | None:
        count = _count(m["count"])
        return (today + count * unit, None) if count else None

    return span


def _next_month_day(month: int, dom: int, today: date) -> _Span | None:
    for year in (today.year, today.year + 1):
        day = _safe_date(year, month, dom)
        if day is not None and day > today:
            return day, None
    return None


def _next_day_of_month(dom: int, today: date) -> _Span | None:
    for months in range(13):
        day = _add_months(today.replace(day=1), months, dom)
        if day is not None and day > today:
            return day, None
    return None


def _weekend(weeks: int) -> _SpanFn:
    return lambda m, d: (_week_day(d, weeks, 5) if weeks or d.weekday() < 5 else d, None)


_EN_COUNT = r"(?P<count>\d{1,2}|a|one|two|three|four|a couple of|couple of)"
_SPANS: tuple[tuple[re.Pattern[str], _SpanFn], ...] = (
    (
        re.compile(r"下个?月(?P<part>上旬|中旬|下旬|中|初)"),
        lambda m, d: (_part_of_month(_month_start(d, 1), m["part"], d) or d, None),
    ),
    (
        re.compile(_ZH_MONTH + r"月份?(?P<part>上旬|中旬|下旬|中|初|底|末)"),
        lambda m, d: _named_month(m["month"], m["part"], d),
    ),
    (
        # a month named alone: "3月份招标", "明年1月" (its first day)
        re.compile(
            r"(?:明年)?"
            + _ZH_MONTH
            + r"月份|明年"
            + _ZH_MONTH.replace("h>", "h2>")
            + r"月(?![0-9一二三四五六七八九十]+[日号])"
        ),
        lambda m, d: _named_month(m["month"] or m["month2"], "初", d),
    ),
    (
        re.compile(r"(?:这个|本)?月?(?P<part>上旬|中旬|下旬)|(?:这个|本)?月中(?!旬)"),
        lambda m, d: _this_or_next(m["part"] or "中", d),
    ),
    (re.compile(r"(?:今天)?下班(?:之)?前|今天(?:之)?内"), lambda m, d: (d, _END_OF_DAY)),
    # later today: "晚点再打", "待会儿回电" (晚点 alone may be "late": a flight 晚点)
    (
        re.compile(r"(?:晚点|晚些(?:时候)?|待会儿?|等会儿?|一会儿)(?=再|回|打|联系|给|发|去)"),
        lambda m, d: (d, _END_OF_DAY),
    ),
    (_en(r"later today|later on today|later this afternoon"), lambda m, d: (d, _END_OF_DAY)),
    (_en(r"after lunch"), lambda m, d: (d, timedelta(hours=14))),
    (
        # "try again at 4": an hour alone after a call word, today (1 to 6 in the afternoon)
        re.compile(
            r"(?:(?<=again )|(?<=back )|(?<=call )|(?<=ring ))at (?P<hour>1[0-2]|[1-9])"
            r"(?![\d:.]|\s*(?:am|pm|a\.m|p\.m|o'?clock|%))",
            re.IGNORECASE,
        ),
        lambda m, d: (d, timedelta(hours=int(m["hour"]) + (12 if int(m["hour"]) <= 6 else 0))),
    ),
    (re.compile(r"(?:这个?|本)?周末(?:之)?前"), lambda m, d: (_week_day(d, 0, 4), None)),
    (re.compile(r"(?:这个?|本)周末|(?<![下上])周末"), _weekend(0)),
    (
        _en(r"eod|end of (?:the )?day|by tonight|cob|close of business|end of business|eob"),
        lambda m, d: (d, _END_OF_DAY),
    ),
    (_en(r"eow"), lambda m, d: (_week_day(d, 0, 4), None)),
    (_en(r"(?:nxt|next) wk|nxt week"), lambda m, d: (_week_day(d, 1, 0), None)),
    (
        # a month alone is a date only right after a follow-up word: "revisit Jan"
        _en(
            "(?:"
            + "|".join(f"(?<={cue} )" for cue in _MONTH_CUES)
            + ")"
            + _EN_MONTH
            + r"(?![\s,]*(?:\d|the\b|"
            + _EN_ORDINAL.replace("?P<ordinal>", "?:")
            + "))"
        ),
        lambda m, d: _named_month(m["month"], "初", d),
    ),
    (_en(r"mid[- ]?next month"), lambda m, d: (_month_start(d, 1).replace(day=15), None)),
    (
        _en(r"mid[- ]?month|the middle of (?:the |this )?month"),
        lambda m, d: _this_or_next("中", d),
    ),
    (
        _en(r"(?P<part>mid|early|late|(?:the )?end of)[- ]?" + _EN_MONTH),
        lambda m, d: _named_month(
            m["month"],
            {"mid": "中", "early": "初", "late": "下旬"}.get(m["part"].lower(), "end"),
            d,
        ),
    ),
    (_en(r"(?:before|by) the weekend"), lambda m, d: (_week_day(d, 0, 4), None)),
    (_en(r"next weekend"), _weekend(1)),
    (_en(r"(?<!after )(?<!after the )(?:this |the |over the )?weekend"), _weekend(0)),
    (
        _en(_EN_WEEKDAY + r" (?:week|wk)|a week (?:on|from) " + _EN_WEEKDAY.replace("y>", "y2>")),
        lambda m, d: (
            _next_weekday(d, _weekday_number(m["weekday"] or m["weekday2"])) + timedelta(weeks=1),
            None,
        ),
    ),
    (
        _en(
            _EN_WEEKDAY + r" at (?P<hour>" + "|".join(_EN_HOURS) + r"|\d{1,2})"
            r"(?!\s*(?::|am|pm|a\.m|p\.m|o'clock))"
        ),
        _weekday_at,
    ),
    (
        _en(r"(?:in\s+)?" + _EN_COUNT + r"\s*(?:more\s+)?(?:wks?|weeks?)(?!\s+ago)"),
        _later(timedelta(weeks=1)),
    ),
    (_en(_EN_COUNT + r"\s+more\s+days"), _later(timedelta(days=1))),
    (_en(r"in (?:a|one) month|a month from (?:now|today)"), lambda m, d: (_next_month(d), None)),
    (_en(r"(?:in )?(?:a )?couple (?:of )?days"), lambda m, d: (d + timedelta(days=2), None)),
    (
        _en(
            _EN_MONTH
            + r"\s+(?:the\s+)?"
            + _EN_ORDINAL
            + r"|(?:the\s+)?"
            + _EN_ORDINAL.replace("l>", "l2>")
            + r"\s+of\s+"
            + _EN_MONTH.replace("h>", "h2>")
        ),
        lambda m, d: _next_month_day(
            _month_number(m["month"] or m["month2"]), _ordinal(m["ordinal"] or m["ordinal2"]), d
        ),
    ),
    (
        _en(
            r"(?:on\s+)?the\s+" + _EN_ORDINAL + rf"(?!\s+(?:of\s+)?(?:{_MONTH_NAMES})"
            rf"|\s+(?:{_NOT_A_DAY_AFTER})s?\b)"
        ),
        lambda m, d: _next_day_of_month(_ordinal(m["ordinal"]), d),
    ),
    (
        _en(
            r"(?:thurs|thur|weds)(?!\w)|(?:"
            + "|".join(f"(?<={w} )" for w in _SAT_AFTER)
            + r")sat(?!\w)|sat(?=\s*$)"
        ),
        lambda m, d: (_next_weekday(d, _weekday_number(m.group())), None),
    ),
)


# A length of time is not a date: "on the phone 20 min", "a 2 hour drive".
_DURATION = re.compile(r"\d+\s*(?:min|mins|minutes?|hrs?|hours?|secs?|seconds?)", re.IGNORECASE)


def _phrases(text: str, ctx: _Ctx) -> list[tuple[int, int, datetime]]:
    """Every phrase of the tables and every English day of the month, in order, not overlapping."""
    found: list[tuple[int, int, datetime]] = []
    masked = list(text)
    for pattern, span in _SPANS:
        for m in pattern.finditer("".join(masked)):
            day = span(m, ctx.today)
            if day is None:
                continue
            found.append((m.start(), m.end(), _on(day[0], day[1] or FOLLOW_UP_OFFSET, ctx)))
            masked[m.start() : m.end()] = " " * (m.end() - m.start())
    for pattern, day_of, rolls in _PHRASES:
        for m in pattern.finditer("".join(masked)):
            value = _on(day_of(ctx.today), FOLLOW_UP_OFFSET, ctx)
            if value <= ctx.now and rolls and ctx.prefer == "future":
                value = _on(_month_end(ctx.today, 1), FOLLOW_UP_OFFSET, ctx)
            found.append((m.start(), m.end(), value))
            masked[m.start() : m.end()] = " " * (m.end() - m.start())
    for m in _EN_DAY_OF_MONTH.finditer("".join(masked)):
        first, dom = ctx.today.replace(day=1), int(m["day"])
        value = _pick(
            lambda k, first=first, dom=dom: _on_day(_add_months(first, k, dom), ctx), ctx, 13
        )
        if value is not None:
            found.append((m.start(), m.end(), value))
    return sorted(found, key=lambda f: f[0])


def _on_day(day: date | None, ctx: _Ctx) -> datetime | None:
    return None if day is None else _on(day, None, ctx)


# --------------------------------------------------------------------------- English


def _settings(prefer: Prefer, base: datetime) -> dict[str, object]:
    # No TIMEZONE/TO_TIMEZONE: with them dateparser reads a naive base as UTC. The naive base is
    # the user's wall clock; the zone is attached afterwards. Timestamps are not dates to us.
    return {
        "PREFER_DATES_FROM": prefer,
        "RELATIVE_BASE": base,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PARSERS": ["relative-time", "custom-formats", "absolute-time"],
    }


@functools.lru_cache(maxsize=32)
def _date_parser(prefer: Prefer, base: datetime, languages: tuple[str, ...]) -> DateDataParser:
    """One parser per settings tuple; built lazily so importing this module stays cheap.

    The relative base is part of the settings, so a new ``now`` needs a new parser; building
    one is cheap (dateparser caches the language data itself), the cache serves repeated
    calls with the same clock, e.g. parsing a substring right after searching for it.
    """
    return DateDataParser(languages=list(languages), settings=_settings(prefer, base))


def _wall_base(ctx: _Ctx) -> datetime:
    return ctx.now.replace(tzinfo=None)


_BARE_NUMBER = re.compile(r"[+-]?\d+")


def _parse_dateparser(text: str, ctx: _Ctx) -> datetime | None:
    if _BARE_NUMBER.fullmatch(text):  # "5" would be May, "2027" a year: not an answer
        return None
    languages = ("en", "zh") if _CJK.search(text) else ("en",)
    data = _date_parser(ctx.prefer, _wall_base(ctx), languages).get_date_data(text)
    if data.date_obj is None:
        return None
    value = data.date_obj.replace(tzinfo=None)  # zones typed in the text are not supported
    if "time" not in data.parts:
        return _on(value.date(), None, ctx)
    return _real(value.replace(tzinfo=ctx.tz), ctx)


_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EN_DAY_OFFSETS = {"today": 0, "tomorrow": 1, "yesterday": -1}
_EN_IN_DAYS = re.compile(r"in (\d{1,3}|a|one|two|three|four) (day|week)s?")
_EN_SMALL = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4}


def _parse_en_common(text: str, ctx: _Ctx) -> datetime | None:
    """The day-only phrases of the follow-up buttons and most typing ("tomorrow", "in 3 days",
    "next monday"), read directly: dateparser takes about 2 ms for each, on every tap.

    Gives what dateparser gives (a test compares them); None for anything else.
    """
    phrase = " ".join(text.lower().split())
    if phrase in _EN_DAY_OFFSETS:
        return _on(ctx.today + timedelta(days=_EN_DAY_OFFSETS[phrase]), None, ctx)
    if (match := _EN_IN_DAYS.fullmatch(phrase)) is not None:
        count, unit = match.groups()
        days = int(count) if count.isdigit() else _EN_SMALL[count]
        return _on(ctx.today + timedelta(days=days * (7 if unit == "week" else 1)), None, ctx)
    first, _, day = phrase.partition(" ")
    if first == "next" and day in _EN_WEEKDAYS:
        ahead = (_EN_WEEKDAYS.index(day) - ctx.today.weekday() - 1) % 7 + 1
        return _on(ctx.today + timedelta(days=ahead), None, ctx)
    return None


_WORD = re.compile(r"[a-z]+|\d+")


def _words(spaced: str) -> frozenset[str]:
    return frozenset(_WORD.findall(spaced))


# Words that make a match a date on their own.
_EN_STRONG = _words(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs "
    "fri today tomorrow tmr tmrw yesterday tonight now noon midnight ago january february "
    "march april june july august september october november december"
)
# Units and parts of the day need a number or a relative word: "in a week" and "this evening"
# are dates, "twice a day" and "good morning" are not.
_EN_UNITS = _words(
    "minute minutes min mins hour hours hr hrs day days week weeks fortnight fortnights month "
    "months year years morning afternoon evening night"
)
_EN_RELATIVE = _words("next last this coming following previous past in ago")
# Words that are dates only next to a number: "may 5" but not "I may call".
_EN_WITH_NUMBER = _words("may jan feb mar apr jun jul aug sep sept oct nov dec sat sun am pm")
_EN_NUMERIC_DATE = re.compile(r"\d{1,2}:\d{2}|\d{1,4}[-/]\d{1,2}")
_EDGE_WORDS = re.compile(
    r"^(?:(?:on|at|by|the|and|or|of|for)\s+)+|(?:\s+(?:and|or|to|then|the|a|an|at|on|by|of))+$",
    re.IGNORECASE,
)
# dateparser's search skips these words, so "tomorrow morning about the 3 pallets" comes back
# whole; nothing after them belongs to the date.
_CUT_AT = re.compile(r"\s+(?:about|and)\b.*", re.IGNORECASE | re.DOTALL)
_EDGE_PUNCT = " \t\r\n,.;:!?()[]{}\"'#@|"


def _looks_like_date(phrase: str) -> bool:
    words = set(_WORD.findall(phrase.lower()))
    has_number = any(w.isdigit() for w in words)
    return bool(
        words & _EN_STRONG
        or (words & _EN_UNITS and (has_number or words & _EN_RELATIVE))
        or (has_number and words & _EN_WITH_NUMBER)
        or _EN_NUMERIC_DATE.search(phrase)
    )


def _find_phrase(text: str, phrase: str, start: int) -> int:
    """Index of phrase in text at or after start, on word boundaries ("now" not in "known")."""
    at = text.find(phrase, start)
    while at >= 0:
        end = at + len(phrase)
        before_ok = at == 0 or not text[at - 1].isalnum() or not phrase[0].isalnum()
        after_ok = end == len(text) or not text[end].isalnum() or not phrase[-1].isalnum()
        if before_ok and after_ok:
            return at
        at = text.find(phrase, at + 1)
    return -1


def _search_en(
    text: str, ctx: _Ctx, taken: list[tuple[int, int]]
) -> list[tuple[int, int, datetime]]:
    """English dates via dateparser's search, one stretch of non-Chinese text at a time.

    dateparser's matches run across any separator ("TOMORROW明天0" would give "TOMORROW  0"
    if the Chinese were blanked out), so Chinese characters and the spans already found cut
    the text into segments that are searched separately.
    """
    chars = ["\0" if _CJK.match(ch) else ch for ch in text]
    for start, end in taken:
        chars[start:end] = "\0" * (end - start)
    found: list[tuple[int, int, datetime]] = []
    for segment in re.finditer(r"[^\0]+", "".join(chars)):
        for start, end in _windows(segment.group()):
            window = segment.group()[start:end]
            if _looks_like_date(window):  # every match must pass it, so skip cheaply
                found += _search_en_segment(window, segment.start() + start, ctx)
    return found


# The plainest English dates of a note, read directly as dateparser reads them (a test compares
# them): a weekday, "next friday", today, tomorrow, "Dec 10", "12/10", next week, next month.
# Anything next to a time or a part of the day ("Friday 3pm", "tomorrow morning") is left to
# dateparser, which reads the two together.
_NOT_AFTER = "".join(
    f"(?<!{word} )" for word in ("this", "last", "coming", "following", "every", "the")
)
_NO_TIME_NEXT = (
    r"(?![^\S\n]*(?:at\b|@|\d|morning|afternoon|evening|night|noon|midnight|week|wk|am\b|pm\b))"
)
_PLAIN_EN = re.compile(
    rf"{_NOT_AFTER}\b(?:(?P<next>next\s+)?(?P<weekday>monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday|mon|tues?|wed|thu|fri)"
    rf"|(?<![\d:])(?<!am )(?<!pm )(?P<day>today|tomorrow)"
    r"|(?P<month>jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april"
    r"|june|july|august|september|october|november|december)\.?\s+(?P<dom>[12]\d|3[01]|0?[1-9])"
    r"(?![\d:.]|\s*(?:st|nd|rd|th|am|pm)\b|,?\s*\d)"
    r"|(?<![\d/.-])(?P<mm>1[0-2]|0?[1-9])/(?P<dd>[12]\d|3[01]|0?[1-9])(?![\d/])"
    r"|next\s+(?P<span>week|month))\b" + _NO_TIME_NEXT,
    re.IGNORECASE,
)


def _plain_day(m: re.Match[str], today: date) -> date | None:
    """The day of one plain English date, or None to leave it to dateparser."""
    if m["weekday"]:
        weekday = _weekday_number(m["weekday"])
        if not m["next"] and weekday == today.weekday():
            return None  # "friday" said on a Friday: dateparser decides
        return _next_weekday(today, weekday)
    if m["day"]:
        return today + timedelta(days=1 if m["day"].lower() == "tomorrow" else 0)
    if m["span"]:
        return today + timedelta(weeks=1) if m["span"].lower() == "week" else _next_month(today)
    month = _month_number(m["month"]) if m["month"] else int(m["mm"])
    dom = int(m["dom"] or m["dd"])
    day = _safe_date(today.year, month, dom)
    if day is None or day == today:
        return None
    return day if day > today else _safe_date(today.year + 1, month, dom)


def _plain_en(
    text: str, ctx: _Ctx, taken: list[tuple[int, int]]
) -> list[tuple[int, int, datetime]]:
    """The plain English dates outside the spans already read (future dates only)."""
    if ctx.prefer != "future":
        return []
    found = []
    for m in _PLAIN_EN.finditer(text):
        if any(start < m.end() and m.start() < end for start, end in taken):
            continue
        day = _plain_day(m, ctx.today)
        if day is not None:
            found.append((m.start(), m.end(), _on(day, None, ctx)))
    return found


# A time of day alone ("10am", "at 3:30pm", "noon"), which dateparser's search misses next to a
# day it does not read ("tmrw 10am"): today at that time (the caller joins it to its day).
_EN_CLOCK = re.compile(
    r"(?<![\w:.])(?:at\s+|@\s*)?(?:(?P<hour>1[0-2]|0?[1-9])(?::(?P<minute>[0-5]\d))?\s*"
    r"(?P<half>am|pm|a\.m\.?|p\.m\.?)|(?P<noon>noon))(?![a-z])",
    re.IGNORECASE,
)


def _times_en(
    text: str, ctx: _Ctx, taken: list[tuple[int, int]]
) -> list[tuple[int, int, datetime]]:
    found = []
    for m in _EN_CLOCK.finditer(text):
        if any(start < m.end() and m.start() < end for start, end in taken):
            continue
        if m["noon"]:
            hour, minute = 12, 0
        else:
            hour, minute = int(m["hour"]) % 12, int(m["minute"] or 0)
            hour += 12 if m["half"].lower().startswith("p") else 0
        found.append(
            (m.start(), m.end(), _on(ctx.today, timedelta(hours=hour, minutes=minute), ctx))
        )
    return found


# A stretch of text is searched only around its date-like words: dateparser's n-gram search
# tries every run of words, so its time grows much faster than the text (a dictated note has
# no commas to cut it). Two words either side hold every phrase it reads ("in two weeks",
# "20th of December", "tomorrow at 3pm"); the phrases of this module are read before.
_WINDOW_REACH = 2
_TOKEN = re.compile(r"\S+")
_ANCHORS = _EN_STRONG | _EN_UNITS | _EN_WITH_NUMBER
_CLOCKISH = re.compile(r"\d(?::\d\d|[-/]\d|\s*(?:am|pm|a\.m|p\.m)\b)|^\d{1,2}(?:am|pm)$", re.I)


def _windows(text: str) -> list[tuple[int, int]]:
    """Spans of `text` around the words that may belong to a date, overlapping spans merged."""
    tokens = list(_TOKEN.finditer(text))
    spans: list[tuple[int, int]] = []
    for i, token in enumerate(tokens):
        word = token.group().lower().strip(_EDGE_PUNCT)
        if word in _ANCHORS or set(_WORD.findall(word)) & _ANCHORS or _CLOCKISH.search(word):
            first = tokens[max(0, i - _WINDOW_REACH)].start()
            last = tokens[min(len(tokens) - 1, i + _WINDOW_REACH)].end()
            if spans and first <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(last, spans[-1][1]))
            else:
                spans.append((first, last))
    return spans


def _search_en_segment(text: str, offset: int, ctx: _Ctx) -> list[tuple[int, int, datetime]]:
    settings = _settings(ctx.prefer, _wall_base(ctx))
    matches = search_dates(text, languages=["en"], settings=settings, strategy="ngram") or []
    found: list[tuple[int, int, datetime]] = []
    cursor = 0
    for raw, _ in matches:
        phrase = _CUT_AT.sub("", raw.strip(_EDGE_PUNCT))
        phrase = _EDGE_WORDS.sub("", phrase).strip(_EDGE_PUNCT)
        if not phrase or not _looks_like_date(phrase):
            continue
        start = _find_phrase(text, phrase, cursor)
        if start < 0:
            continue
        cursor = start + len(phrase)
        if _DURATION.fullmatch(phrase):
            continue
        value = _parse_dateparser(phrase, ctx)
        if value is not None:
            found.append((offset + start, offset + cursor, value))
    return found


# --------------------------------------------------------------------------- Chinese

_TRADITIONAL = str.maketrans(
    {
        "：": ":",
        "點": "点",
        "時": "时",
        "號": "号",
        "禮": "礼",
        "個": "个",
        "鐘": "钟",
        "後": "后",
        "週": "周",
        "兩": "两",
        "頭": "头",
        "　": " ",
    }
    | {chr(0xFF10 + i): str(i) for i in range(10)}
)
_NUMERALS = "零〇一二两三四五六七八九十百千"
_ZH_NUMBER = re.compile(
    # weekday after 周/星期/礼拜: one character, so "周五十点" is Friday 10:00, not "周50点"
    r"(?<=[周期拜])[一二三四五六七]"
    # minutes after the hour: "三点二十"
    rf"|(?<=[点时])[{_NUMERALS}]+"
    # a count of something date-like: "十二月", "两小时", "三号", "二〇二六年"
    rf"|[{_NUMERALS}]+(?=[点时分号日月年天周个小刻星礼钟半:])"
)


def _zh_int(numeral: str) -> int:
    """Value of a Chinese numeral ("十二" 12, "二〇二六" 2026), by the one converter amounts use."""
    value = zh_number(numeral)
    return int(value) if value is not None else 0


def _normalize_zh(text: str) -> tuple[str, list[int]]:
    """Normalised text plus, for every position in it, the position in ``text`` it came from.

    The index map (with one extra entry for the end) lets search report original substrings.
    """
    text = text.translate(_TRADITIONAL)  # one character for one, so indices are unchanged
    out: list[str] = []
    origin: list[int] = []
    last = 0
    for m in _ZH_NUMBER.finditer(text):
        out.append(text[last : m.start()])
        origin.extend(range(last, m.start()))
        digits = str(_zh_int(m.group()))
        out.append(digits)
        origin.extend([m.start()] * len(digits))
        last = m.end()
    out.append(text[last:])
    origin.extend(range(last, len(text) + 1))
    return "".join(out), origin


_PERIODS = "凌晨|半夜|早上|早晨|清晨|上午|中午|午间|下午|傍晚|晚上|夜里|夜间"
# The same hours as dateparser's parts of day; 半夜 has no sensible default.
_PERIOD_DEFAULT_HOUR = {
    "凌晨": 3,
    "早上": 9,
    "早晨": 9,
    "清晨": 9,
    "上午": 9,
    "中午": 12,
    "午间": 12,
    "下午": 15,
    "傍晚": 18,
    "晚上": 20,
    "夜里": 20,
    "夜间": 20,
}
_TIME = re.compile(
    rf"(?P<period>{_PERIODS})?\s*"
    r"(?:(?P<hour>\d{1,2})(?:点钟|点|时)(?:(?P<half>半)|(?P<quarter>[13])刻|(?P<minute>\d{1,2})"
    r"(?!\d)分?|整)?|(?P<hh>\d{1,2}):(?P<mm>\d{2})(?!\d))"
)
_PERIOD_ONLY = re.compile(_PERIODS)
_SEP = re.compile(r"\s*的?\s*")
_NOW_ZH = re.compile(r"现在|刚才|刚刚|此刻")
_OFFSET = re.compile(
    r"(?P<num>\d{1,4}|半)个?(?P<half>半)?个?"
    r"(?P<unit>小时|钟头|分钟|刻钟|天|日|周|星期|礼拜|月|年)(?P<dir>以后|之后|后|以前|之前|前)"
)
_REL_DAYS = {
    "大前天": -3,
    "前天": -2,
    "昨天": -1,
    "昨日": -1,
    "今天": 0,
    "今日": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "大后天": 3,
    "昨晚": -1,
    "今晚": 0,
    "明晚": 1,
    "今早": 0,
    "明早": 1,
}
_REL_DAY_PERIOD = {"昨晚": "晚上", "今晚": "晚上", "明晚": "晚上", "今早": "早上", "明早": "早上"}
_REL_DAY = re.compile("|".join(sorted(_REL_DAYS, key=len, reverse=True)))
_WEEK = re.compile(
    r"(?P<pre>下下个?|上上个?|下个?|上个?|这个?|本)?(?:周|星期|礼拜)(?P<day>[1-7日天末])?"
)
_WEEKDAYS = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6, "日": 6, "天": 6, "末": 5}
_WEEK_SHIFT = {"下下": 2, "下": 1, "这": 0, "本": 0, "上": -1, "上上": -2}
_MONTH_DAY = re.compile(r"(?:(?P<year>\d{4}|\d{2})年)?(?P<month>\d{1,2})月(?P<day>\d{1,2})[日号]")
_REL_MONTH_DAY = re.compile(r"(?P<pre>下下个?|下个?|上个?|这个?|本)月(?P<day>\d{1,2})[日号]")
_MONTH_SHIFT = {"下下": 2, "下": 1, "这": 0, "本": 0, "上": -1}
# "3号楼" is building 3, "5号线" metro line 5
_DAY_OF_MONTH = re.compile(r"(?P<day>\d{1,2})[日号](?![楼线室房门座层栋位床车机码])")
# "好一点", "早点", "一点点": 点 meaning "a bit", not o'clock
_NOT_OCLOCK_BEFORE = set("早晚快慢多少好有差这那些")


def _clock(m: re.Match[str], period_hint: str | None) -> timedelta | None:
    """Time of day from a _TIME match, as an offset from midnight (24h = next midnight)."""
    period = m["period"] or period_hint
    if m["hh"] is not None:
        return _to_24h(period, int(m["hh"]), int(m["mm"]), guess_afternoon=False)
    minute = 30 if m["half"] else 15 * int(m["quarter"]) if m["quarter"] else int(m["minute"] or 0)
    return _to_24h(period, int(m["hour"]), minute, guess_afternoon=True)


def _to_24h(
    period: str | None, hour: int, minute: int, *, guess_afternoon: bool
) -> timedelta | None:
    if not (0 <= hour <= 24 and 0 <= minute <= 59) or (hour == 24 and minute):
        return None
    if period in ("下午", "傍晚") or (period in ("中午", "午间") and hour < 11):
        hour += 12 if hour < 12 else 0
    elif period in ("晚上", "夜里", "夜间", "半夜"):
        if hour == 12 or hour <= 4:  # midnight and the small hours after the evening
            hour = 24 + hour % 12
        elif hour < 12:
            hour += 12
    elif period == "凌晨" and hour == 12:
        hour = 0
    elif period is None and guess_afternoon and 1 <= hour <= 6:
        hour += 12
    if hour > 28:
        return None
    return timedelta(hours=hour, minutes=minute)


def _time_after(s: str, pos: int, period_hint: str | None) -> tuple[int, timedelta | None]:
    """Optional time following a date: "下午3点", "15:30", "下午" alone, or nothing."""
    start = sep.end() if (sep := _SEP.match(s, pos)) else pos
    m = _TIME.match(s, start)
    if m and (tod := _clock(m, period_hint)) is not None:
        return m.end(), tod
    p = _PERIOD_ONLY.match(s, start)
    if p and p.group() in _PERIOD_DEFAULT_HOUR:
        return p.end(), timedelta(hours=_PERIOD_DEFAULT_HOUR[p.group()])
    if period_hint is not None:
        return pos, timedelta(hours=_PERIOD_DEFAULT_HOUR[period_hint])
    return pos, None


_DateFn = Callable[[int], date | None]


def _date_at(s: str, pos: int, ctx: _Ctx) -> tuple[int, _DateFn, int, str | None] | None:
    """A date starting at pos: (end, date for step k, how many steps to try, period hint).

    Explicit dates get one try (k=0); partial ones ("周五", "3号") are moved forward or back.
    """
    today = ctx.today
    if m := _REL_DAY.match(s, pos):
        day = today + timedelta(days=_REL_DAYS[m.group()])
        return m.end(), lambda k: day, 1, _REL_DAY_PERIOD.get(m.group())
    if (m := _WEEK.match(s, pos)) and (m["pre"] or m["day"]):
        monday = today - timedelta(days=today.weekday())
        weekday = _WEEKDAYS[m["day"] or "1"]
        if m["pre"] is None:  # "周五": this week's or the next/previous one
            return m.end(), lambda k: monday + timedelta(weeks=k, days=weekday), 2, None
        pre = m["pre"].rstrip("个")
        if m["day"] is None and pre in ("这", "本"):
            return None  # "这周" is a span of time, not a day
        target = monday + timedelta(weeks=_WEEK_SHIFT[pre], days=weekday)
        return m.end(), lambda k: target, 1, None
    if m := _REL_MONTH_DAY.match(s, pos):
        months, dom = _MONTH_SHIFT[m["pre"].rstrip("个")], int(m["day"])
        return m.end(), lambda k: _add_months(today, months, dom), 1, None
    if m := _MONTH_DAY.match(s, pos):
        month, dom = int(m["month"]), int(m["day"])
        if m["year"]:
            year = int(m["year"]) + (2000 if len(m["year"]) == 2 else 0)
            return m.end(), lambda k: _safe_date(year, month, dom), 1, None
        return m.end(), lambda k: _safe_date(today.year + k, month, dom), 9, None
    if m := _DAY_OF_MONTH.match(s, pos):
        dom = int(m["day"])
        return m.end(), lambda k: _add_months(today.replace(day=1), k, dom), 13, None
    return None


def _offset_at(s: str, pos: int, ctx: _Ctx) -> tuple[int, datetime] | None:
    """Offsets from now: "两小时后", "半小时后", "三天后(下午3点)", "两个星期后", "一个月前"."""
    m = _OFFSET.match(s, pos)
    if not m:
        return None
    amount = (0.5 if m["num"] == "半" else int(m["num"])) + (0.5 if m["half"] else 0)
    sign = -1 if m["dir"].endswith("前") else 1
    unit = m["unit"]
    minutes = {
        "分钟": 1,
        "刻钟": 15,
        "小时": 60,
        "钟头": 60,
        "天": 1440,
        "日": 1440,
        "周": 10080,
        "星期": 10080,
        "礼拜": 10080,
    }.get(unit)
    if minutes is not None and (minutes < 1440 or amount != int(amount)):
        # an exact duration: do it in UTC so a DST change in between does not shift it
        delta = timedelta(minutes=sign * amount * minutes)
        return m.end(), (ctx.now.astimezone(UTC) + delta).astimezone(ctx.tz)
    if minutes is not None:
        day: date | None = ctx.today + timedelta(minutes=sign * int(amount) * minutes)
    elif amount == int(amount):
        day = _add_months(ctx.today, sign * int(amount) * (12 if unit == "年" else 1))
    else:
        return None  # "半个月后" has no clear day
    if day is None:
        return None
    end, tod = _time_after(s, m.end(), None)
    return end, _on(day, tod, ctx)


def _match_zh_at(s: str, pos: int, ctx: _Ctx) -> tuple[int, datetime] | None:
    """The Chinese date expression starting exactly at pos of normalised text, if any."""
    if pos > 0 and s[pos - 1].isdigit() and (s[pos].isdigit() or s[pos] in "周星礼"):
        return None  # never start inside a number ("123号") or after one ("一周三次")
    if m := _NOW_ZH.match(s, pos):
        return m.end(), ctx.now
    if found := _offset_at(s, pos, ctx):
        return found
    if dated := _date_at(s, pos, ctx):
        end, date_fn, tries, hint = dated
        end, tod = _time_after(s, end, hint)

        def candidate(k: int) -> datetime | None:
            day = date_fn(k)
            return None if day is None else _on(day, tod, ctx)

        value = _pick(candidate, ctx, tries)
        return None if value is None else (end, value)
    m = _TIME.match(s, pos)
    if m and (tod := _clock(m, None)) is not None:
        bare = m["period"] is None
        after = s[m.end() : m.end() + 1]
        if bare and ((pos > 0 and s[pos - 1] in _NOT_OCLOCK_BEFORE) or after in ("点", "儿")):
            return None
        value = _pick(lambda k: _on(ctx.today + timedelta(days=k), tod, ctx), ctx, 2)
        return None if value is None else (m.end(), value)
    return None


def _parse_zh(text: str, ctx: _Ctx) -> datetime | None:
    s, _ = _normalize_zh(text)
    s = s.strip().rstrip("。！!，,.~～ ")
    found = _match_zh_at(s, 0, ctx)
    return found[1] if found is not None and found[0] == len(s) else None


def _search_zh(
    text: str, ctx: _Ctx, taken: list[tuple[int, int]]
) -> list[tuple[int, int, datetime]]:
    s, origin = _normalize_zh(text)
    busy = [False] * (len(text) + 1)
    for start, end in taken:
        busy[start:end] = [True] * (end - start)
    found: list[tuple[int, int, datetime]] = []
    pos = 0
    while pos < len(s):
        match = None if busy[origin[pos]] else _match_zh_at(s, pos, ctx)
        if match is not None and any(busy[origin[pos] : origin[match[0]]]):
            match = None  # it would run into a phrase already read ("下个月" of "下个月底")
        if match is None:
            pos += 1
            continue
        end, value = match
        found.append((origin[pos], origin[end], value))
        pos = end
    return found
