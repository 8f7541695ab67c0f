"""Read one free-text visit note: kind of contact, when, next follow-up, amounts, and the notes.

Pure functions of the text, the user's clock and the company currency, so every rule is tested
without a database. Dates come from `bot.services.language.dates.search_when` (dateparser for
English, the project's matcher for Chinese, and the phrases both languages share: "end of the
month", "月底", "on the 15th", "下周初"); this module decides which date is which:

* every date in the past is a candidate for when the contact happened, the latest one wins;
* every date in the future is a candidate for the next follow-up: one in a clause that announces
  the next contact ("call back", "follow up", "回访", "再联系") first, else the latest one wins
  ("send samples Monday, see them again next Friday" → Friday; "deliver by December, call back
  tomorrow" → tomorrow);
* a bare time of day ("at 10am", "下午3点") is today's: past → when it happened, later → follow-up;
* with no past date the contact happened now.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rapidfuzz.distance import OSA

from bot.models import VisitKind
from bot.services.language.amounts import Amount, find_amounts
from bot.services.language.dates import parse_when, search_when
from bot.services.records.visits import MAX_NOTES

# Dates, amounts and the kind are read in the first MAX_READ_CHARS characters (dateparser's time
# grows with the text); the notes keep the whole text up to what a visit holds.
MAX_READ_CHARS = 1000
MAX_NOTE_CHARS = MAX_NOTES
_CJK_CHARS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class Reading:
    """What a note says, before the customer is known."""

    text: str
    kind: VisitKind
    kind_said: bool
    at: datetime
    at_said: bool
    followup: datetime | None
    amounts: tuple[Amount, ...]
    notes: str  # the rep's words as typed or spoken, dates and all
    small_talk: bool

    @property
    def says_something(self) -> bool:
        """Whether the note reads like a visit log: a few words with a kind, a date or an amount.

        A lone "call" or "tomorrow" typed outside a dialog is more likely a stray answer than a
        note, so it is not turned into a draft.
        """
        words = len(re.findall(r"[^\W\d_]+", _CJK_CHARS.sub(" ", self.text)))
        words += len(_CJK_CHARS.findall(self.text)) / 2
        said = self.kind_said or self.at_said or self.followup or self.amounts
        return bool(said) and words >= 3


# --------------------------------------------------------------------------- small talk

_SMALL_TALK = frozenset(
    " ".join(
        (
            "hi hello hey yo hiya thanks thank thx ty ok okay k cool great nice good bye goodbye",
            "morning evening night cheers sure yes no yep nope lol haha",
            "你好 您好 嗨 哈喽 谢谢 多谢 谢了 好的 好 嗯 嗯嗯 哦 早 早上好 晚上好 晚安 拜拜",
            "再见 收到 在吗 哈哈",
        )
    ).split()
)
_SMALL_TALK_PHRASES = frozenset(
    {"thank you", "good morning", "good night", "how are you", "谢谢你"}
)


def is_small_talk(text: str) -> bool:
    """A greeting or a thank-you, not a note about a customer."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = re.sub(r"[\W_]+", " ", folded).split()
    if not words:
        return True
    phrase = " ".join(words)
    if phrase in _SMALL_TALK_PHRASES or phrase in _SMALL_TALK:
        return True
    return len(words) <= 3 and all(w in _SMALL_TALK for w in words)


# --------------------------------------------------------------------------- kind

# How the rep was in touch, per language. English words are matched as whole Latin words (a note
# may run them into Chinese: "给Globex发了email"); the longest match wins where two overlap
# ("电话会议" is a meeting, not a call).
_EN = r"(?<![a-z'])(?:{})(?![a-z])"
_KIND_WORDS: tuple[tuple[VisitKind, re.Pattern[str]], ...] = (
    (
        VisitKind.VISIT,
        re.compile(
            _EN.format(
                r"visit(?:ed|ing|s)?|site visit|dropped (?:by|in|off)|drop(?:ped)? by"
                r"|stopped (?:by|in)|popped (?:in|by)|swung by|went (?:to|over to|by)|on[- ]?site"
                r"|was at|were at|just left|came out of|got back from|walked the site|toured"
                r"|(?:at|in) their (?:office|offices|place|shop|store|lot|site|plant|factory"
                r"|warehouse|hq|showroom|premises|yard|farm|kitchen|lab|clinic)"
            )
            + r"|拜访|上门|走访|到访|登门|去了|去客户|跑了一趟|去了一趟|去现场|现场看|过去看|去看了"
            # "去宏远建材收款": going somewhere, said at the start of a clause or after "today"
            + r"|(?:^|(?<=[，。,；;\s])|(?<=今天)|(?<=刚才)|(?<=上午)|(?<=下午)|(?<=早上)"
            + r"|(?<=昨天))去(?![了年])(?=[\u4e00-\u9fffA-Za-z])",
            re.IGNORECASE,
        ),
    ),
    (
        VisitKind.CALL,
        re.compile(
            _EN.format(
                r"call(?:ed|ing|s)?|phoned?|phone call|(?:on|over|off) (?:the )?phone|by phone"
                r"|rang|ring|dial(?:l)?ed"
                r"|voicemail|vm|no answer|no one answered|(?:could ?n[o']?t|can[o']?t|did ?n[o']?t)"
                r" (?:reach|get through)|tried (?:calling|to call|to reach)|conf(?:erence)? call"
            )
            + r"|打电话|打了电话|打了个电话|来电话|来电|电话|通话|致电|电联|回电|没接|未接|没人接"
            + r"|没打通|打不通|忙音|占线|关机|打了[一两三四五六七八九几好\d]+[次遍个]|打过去|打给"
            + r"|语音通话|语音电话|(?<![a-z])call(?![a-z])",
            re.IGNORECASE,
        ),
    ),
    (
        VisitKind.MEETING,
        re.compile(
            _EN.format(
                r"meet(?:ing|s)?|met|mtg|lunch|dinner|breakfast|coffee|drinks|zoom(?:ed|'d)?|skyped?"
                r"|teams|video call"
                r"|conference|workshop|presentation|presented|demo(?:ed|'d)?|trade show"
                r"|came (?:to|by|in to|into|over to) our (?:office|place|showroom|shop|factory)"
                r"|visited us|came (?:in|by|over)"
            )
            + r"|会议|开会|开了个会|开了会|视频会|视频了|视频|会面|见面|面谈|吃了?[个顿过]?饭|饭局"
            + r"|喝了?[个杯点]?(?:茶|咖啡)|展会|来公司"
            + r"|来我们公司|来我们|来访|演示|座谈|电话会议",
            re.IGNORECASE,
        ),
    ),
    (
        VisitKind.MESSAGE,
        re.compile(
            _EN.format(
                r"messag(?:e|ed|es|ing)|msg(?:'d|d|ed)?|texted|texts?|txt(?:'d|d|ed)?|sms(?:'d|ed)?"
                r"|wechat(?:ed|'d)?|whatsapp(?:ed|'d)?|e-?mail(?:ed|s)?|dm(?:'d|ed)?|linkedin"
            )
            + r"|微信|消息|短信|邮件|留言|发信息|钉钉|发了报价|发报价|报价发|发了合同|发了资料"
            + r"|(?<![a-z])(?:email|qq)(?![a-z])",
            re.IGNORECASE,
        ),
    ),
)
# English words that say the contact happened whatever follows ("called", "had lunch").
_DONE_EN = re.compile(
    r"(?:ed|'d)\b|\b(?:met|rang|went|spoke|left|came|got|toured|(?:on|over|off|by) (?:the )?phone"
    r"|no answer|answered|reach|through|vm"
    r"|voicemail)\b|^(?:was|were) at",
    re.IGNORECASE,
)
_DONE_BEFORE_EN = re.compile(
    r"\b(?:had|did|got|just|quick|short|long|good|great)\s+(?:a\s+|an\s+)?$", re.IGNORECASE
)
# Words before a kind word that make it a plan, not a contact: "will call", "to meet", "再去".
_PLAN_BEFORE_EN = re.compile(
    r"\b(?:will|'ll|to|next|gonna|should|must|need to|plan to|pls|please|let's|lets|then|and)\s+$",
    re.IGNORECASE,
)
_PLAN_AFTER_EN = re.compile(
    r"^\s*(?:back|again|postponed|rescheduled|moved|cancell?ed|scheduled|booked|set (?:for|up))\b",
    re.IGNORECASE,
)
# Said later in the clause, these undo the contact: "mtg w/ tanaka cancelled".
_UNDONE_AFTER_EN = re.compile(
    r"^[^,;.!?]{0,40}?\b(?:cancell?ed|postponed|rescheduled|called off|fell through)\b",
    re.IGNORECASE,
)
# A channel named after a verb in the past says how something was done: "sent over the sample
# book via email", "got the PO by email".
_CHANNEL_AFTER_PAST_EN = re.compile(
    r"\b(?:sent|got|received|shared|forwarded|\w{3,}ed)\b(?:\s+\S+){0,6}?\s+"
    r"(?:via|by|over|through|per|on)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_PLAN_BEFORE_ZH = re.compile(
    r"(?:再|约了?|准备|打算|计划|安排|回头|下次|将)[\u4e00-\u9fffA-Za-z]{0,6}$|(?:要|会|得|去)$"
)
_KIND_CLAUSE = re.compile(r"[,;.!?，。；！？\n]|\s[-–—]\s|:(?!\d)|：")
# Near slips of the English past tenses: "visitd", "vistied", "calld".
_SLIPPED = {
    w: k
    for k, words in (
        (VisitKind.VISIT, ("visited",)),
        (VisitKind.CALL, ("called", "phoned")),
        (VisitKind.MESSAGE, ("emailed", "texted", "messaged")),
        (VisitKind.MEETING, ("meeting",)),
    )
    for w in words
}
_LATIN = re.compile(r"[a-z]+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class KindWord:
    """A word of the note that names a kind of contact, and whether it is one that happened."""

    start: int
    end: int
    kind: VisitKind
    done: bool


def kind_words(text: str, future: list[tuple[int, int]] | None = None) -> list[KindWord]:
    """Every kind word of the note, in order, each judged done or only planned.

    A kind word is a plan when its clause puts a future date or a plan word right around it
    ("call them Friday", "下周三开会", "will visit", "再去", "mtg postponed"), unless the word
    itself says it happened ("called", "拜访了", "had lunch").
    """
    spans: list[tuple[int, int, VisitKind]] = []
    for kind, pattern in _KIND_WORDS:
        spans += [(m.start(), m.end(), kind) for m in pattern.finditer(text)]
    for m in _LATIN.finditer(text):
        word = m.group().lower()
        if len(word) >= 5 and not any(a <= m.start() < b for a, b, _ in spans):
            for right, kind in _SLIPPED.items():
                # one slip, or two in a long word that starts right ("vistd" for "visited")
                slips = OSA.distance(word, right, score_cutoff=2)
                if word != right and (
                    slips == 1 or (slips == 2 and len(right) >= 7 and word[:2] == right[:2])
                ):
                    spans.append((m.start(), m.end(), kind))
                    break
    spans.sort(key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int, VisitKind]] = []
    for span in spans:
        if kept and span[0] < kept[-1][1]:
            continue
        kept.append(span)
    future = future or []
    out = []
    for start, end, kind in kept:
        left, right = clause_around(text, start, end, _KIND_CLAUSE)
        before, after = text[left:start], text[end:right]
        word = text[start:end]
        if _CJK_CHARS.search(word):
            done = (
                "了" in word
                or after.startswith(("了", "过"))
                or not (
                    _PLAN_BEFORE_ZH.search(before[-8:])
                    or any(left <= f_end <= start and start - f_end <= 8 for _, f_end in future)
                )
            )
        elif _UNDONE_AFTER_EN.search(after):
            done = False
        elif _DONE_EN.search(word) or _DONE_BEFORE_EN.search(before):
            done = not re.search(r"\b(?:will|'ll|gonna|to)\s+$", before, re.IGNORECASE)
        elif _CHANNEL_AFTER_PAST_EN.search(before) and not _PLAN_BEFORE_EN.search(before):
            done = True
        else:
            near_date = any(
                (end <= f_start <= right and f_start - end <= 30)
                or (left <= f_end <= start and start - f_end <= 12)
                for f_start, f_end in future
            )
            done = not (_PLAN_BEFORE_EN.search(before) or _PLAN_AFTER_EN.search(after) or near_date)
        out.append(KindWord(start, end, kind, done))
    return out


def guess_kind(text: str, future: list[tuple[int, int]] | None = None) -> VisitKind | None:
    """The first kind of contact the note says happened; None when it names none (or plans).

    A bare "去" (went) gives way to any other kind word: "去永盛包装开了个会" is a meeting.
    """
    done = [w for w in kind_words(text, future) if w.done]
    strong = [w for w in done if text[w.start : w.end] != "去"]
    return (strong or done)[0].kind if done else None


# --------------------------------------------------------------------------- dates


@dataclass(frozen=True, slots=True)
class Found:
    """A date phrase of the note: where it stands and what it means."""

    start: int
    end: int
    value: datetime


def find_dates(text: str, *, now: datetime, tz: ZoneInfo) -> list[Found]:
    """Every date phrase, resolved on the user's clock (past or future: see the module doc)."""
    local_now = now.astimezone(tz)
    today = local_now.date()
    found: list[Found] = []
    for phrase, start, future in _search_by_clause(text, now=now, tz=tz):
        cursor = start + len(phrase)
        value = future
        # Re-read as a past date only when that can change the answer: a past date without a
        # time keeps the current time of day, a bare time may be earlier today.
        if future <= local_now or future.date() <= today + timedelta(days=1):
            past = parse_when(phrase, now=now, tz=tz, prefer="past")
            if (
                past is not None
                and past <= local_now
                and (future <= local_now or (past.date() == today and future.date() != today))
            ):
                value = past
        found.append(Found(start, cursor, value))
    found.sort(key=lambda f: f.start)
    return _with_times(found, text, tz)


# A time of day said on its own ("10am", "3:30 pm", "at noon") and a day said without one
# ("tmrw", "next Thurs") side by side are one date: "mtg 10am tmrw", "next Thurs 3pm".
_TIME_ONLY = re.compile(
    r"(?:at\s+|@\s*)?(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.?|p\.m\.?)|\d{1,2}:\d{2}|noon)",
    re.IGNORECASE,
)
_HAS_TIME = re.compile(
    r"\d\s*(?:am|pm|a\.m|p\.m|:\d)|noon|midnight|morning|afternoon|evening|tonight|eod"
    r"|点|时|上午|下午|中午|晚上|早上|傍晚|下班",
    re.IGNORECASE,
)
_JOINS_DAY_AND_TIME = re.compile(r"[\s,@]*(?:at|on|by)?[\s,@]*", re.IGNORECASE)


def _with_times(found: list[Found], text: str, tz: ZoneInfo) -> list[Found]:
    out: list[Found] = []
    for f in found:
        if out and _JOINS_DAY_AND_TIME.fullmatch(text[out[-1].end : f.start]):
            first, second = out[-1], f
            phrases = (text[first.start : first.end], text[second.start : second.end])
            timed = [bool(_TIME_ONLY.fullmatch(p.strip())) for p in phrases]
            dated = [not _HAS_TIME.search(p) for p in phrases]
            if timed[0] != timed[1] and dated[1 - timed.index(True)]:
                day, clock = (second, first) if timed[0] else (first, second)
                local = clock.value.astimezone(tz)
                value = day.value.astimezone(tz).replace(hour=local.hour, minute=local.minute)
                out[-1] = Found(first.start, second.end, value)
                continue
        out.append(f)
    return out


# Where a note's clauses end for the date search: a comma not followed by a number ("Dec 3,
# 2026" stays whole), a full stop ending a sentence (not "9.30"), ; ! ? and line ends.
_CLAUSE_BREAK = re.compile(r",(?!\s*\d)|[;!?\n]|\.(?=\s|$)")


def _search_by_clause(text: str, *, now: datetime, tz: ZoneInfo) -> list[tuple[str, int, datetime]]:
    """search_when clause by clause: (phrase, where it starts, value as a future date).

    dateparser's search grows much faster than the text (its n-grams span the whole segment),
    so a note is searched a clause at a time: 4 ms instead of 15 ms a note, the same dates on
    the labelled set. A date does not run across a clause break.
    """
    found: list[tuple[str, int, datetime]] = []
    start = 0
    for end in [m.start() for m in _CLAUSE_BREAK.finditer(text)] + [len(text)]:
        clause = text[start:end]
        cursor = 0
        for phrase, value in search_when(clause, now=now, tz=tz, prefer="future"):
            at = clause.find(phrase, cursor)
            if at >= 0:
                cursor = at + len(phrase)
                found.append((phrase, start + at, value))
        start = end + 1
    return found


# Words that announce the next contact: a date right around them is the follow-up, even when the
# note names a later date for something else ("deliver by December, call back tomorrow").
_FOLLOW_UP_CUE = re.compile(
    r"\b(?:call(?:ing)? (?:back|again|them|him|her|next)|callback|call|ring|follow[- ]?up|f/?u"
    r"|revisit|check (?:in|back)|chase|ping|remind|next (?:visit|meeting|mtg|call|step)"
    r"|see (?:them|him|her) again|meet again|get back|reply|try again|visit again|confirm)\b"
    r"|回访|复访|再联系|跟进|回电|再打|再去|再谈|再聊|回复|再约|再确认|联系|打电话|再催|再试",
    re.IGNORECASE,
)
# How close a cue and its date stand in one clause (a run-on transcript is one long clause).
CUE_BEFORE_DATE = 30
CUE_AFTER_DATE = 12


def _cued(found: Found, text: str) -> bool:
    """Whether a follow-up word stands just before or just after the date, in its clause."""
    left, right = clause_around(text, found.start, found.end)
    for cue in _FOLLOW_UP_CUE.finditer(text, left, right):
        if 0 <= found.start - cue.end() <= CUE_BEFORE_DATE:
            return True
        # "下周一再联系": in Chinese the cue follows its date; in English it leads the next one
        if 0 <= cue.start() - found.end <= CUE_AFTER_DATE and _CJK_CHARS.match(cue.group()):
            return True
    return False


_TODAY = re.compile(r"(?:today|今天|今日)", re.IGNORECASE)


def _later_today(found: Found, now: datetime, text: str) -> Found:
    """ "call supplier today", "今天再打": today named next to a follow-up word is the follow-up,
    by the end of the working day (or in an hour, past it)."""
    if not (_TODAY.fullmatch(text[found.start : found.end]) and _cued(found, text)):
        return found
    end_of_day = now.replace(hour=17, minute=0, second=0, microsecond=0)
    return Found(found.start, found.end, max(end_of_day, now + timedelta(hours=1)))


def split_dates(
    found: list[Found], now: datetime, text: str = ""
) -> tuple[Found | None, Found | None]:
    """(when it happened, next follow-up).

    When it happened: the latest past date. The follow-up: the latest future date a follow-up
    word stands next to, else the future date named last (in a run-on "they need it by the end
    of the month and want a quote by Monday", the rep's next step is the last thing said).
    """
    found = [_later_today(f, now, text) for f in found]
    past = [f for f in found if f.value <= now]
    future = [f for f in found if f.value > now]
    cued = [f for f in future if _cued(f, text)]
    at = max(past, key=lambda f: f.value) if past else None
    if cued:
        followup = max(cued, key=lambda f: f.value)
    else:
        followup = max(future, key=lambda f: f.start) if future else None
    return at, followup


# --------------------------------------------------------------------------- notes

_CLAUSE_END = re.compile(r"[,;.!?，。；！？\n]")


def clause_around(
    text: str, start: int, end: int, breaks: re.Pattern[str] = _CLAUSE_END
) -> tuple[int, int]:
    """The clause (between punctuation) that contains text[start:end]."""
    left = max((m.end() for m in breaks.finditer(text, 0, start)), default=0)
    right = breaks.search(text, end)
    return left, right.start() if right else len(text)


# --------------------------------------------------------------------------- the reading


def read_note(text: str, *, now: datetime, tz: ZoneInfo, currency: str = "CNY") -> Reading:
    """Everything a note says except which customer it is about."""
    text = " ".join(text.split())[:MAX_NOTE_CHARS]
    head = text[:MAX_READ_CHARS]
    local_now = now.astimezone(tz)
    amounts = find_amounts(head, currency)
    masked = list(head)
    for start, end, _ in amounts:
        masked[start:end] = " " * (end - start)
    found = find_dates("".join(masked), now=now, tz=tz)
    at, followup = split_dates(found, local_now, head)
    kind = guess_kind(head, [(f.start, f.end) for f in found if f.value > local_now])
    return Reading(
        text=text,
        kind=kind or VisitKind.VISIT,
        kind_said=kind is not None,
        at=at.value if at else local_now,
        at_said=at is not None,
        followup=followup.value if followup else None,
        amounts=tuple(amount for _, _, amount in amounts),
        notes=text,
        small_talk=len(head) < 40 and is_small_talk(head),
    )


__all__ = [
    "Amount",
    "Reading",
    "clause_around",
    "find_amounts",
    "find_dates",
    "guess_kind",
    "is_small_talk",
    "read_note",
    "split_dates",
]
