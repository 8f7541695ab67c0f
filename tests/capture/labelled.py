"""The labelled notes: loading them, their customers, and scoring a draft against a label.

Shared by the accuracy test and `benchmarks/bench_capture.py`, so both measure the same thing.
Notes marked `holdout` were written after the parser and scored once before any change to it
(customer and follow-up 30/30, kind 27/30, amounts 27/30); they stay in the set.
Labels are relative to `CLOCK` (Wednesday 18 Nov 2026, 10:00 in Shanghai) and written as local
wall-clock times.

`corpus.jsonl` is the larger set (over 200 notes in each language, typed and dictated the way reps
write them): its first line says how it is labelled and split. Its follow-up labels are rules on
"today", so the same note is right or wrong on any clock (`acceptable_followup`):

- ``-`` no follow-up; ``d`` today; ``wd:fri`` the next Friday after today; ``wk0:fri``,
  ``wk1:fri``, ``wk2:fri`` Friday of this, next and the following calendar week (Monday first);
- ``me`` the last day of this month, ``me1`` of next month; ``m1:15`` the 15th of next month;
  ``dom:15`` the next 15th after today; ``md:01-08`` the next 8 January after today;
- any of them ``+N`` days; ``A..B`` any day from A to B; ``@15:00`` the time too; ``|`` or.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.models import User
from bot.services.language.capture import Draft
from bot.services.records import customers

HERE = Path(__file__).resolve().parent
CLOCK = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")
FIELDS = ("customer", "followup", "kind", "amounts", "at")


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled note."""

    text: str
    customer: str | None
    choices: tuple[str, ...]
    kind: str
    followup: str | None
    amounts: tuple[str, ...]
    at: str | None
    core: bool
    holdout: bool


def cases() -> list[Case]:
    rows = [json.loads(line) for line in (HERE / "labelled.jsonl").read_text().splitlines()]
    return [
        Case(
            text=row["text"],
            customer=row["customer"],
            choices=tuple(row.get("choices", ())),
            kind=row["kind"],
            followup=row["followup"],
            amounts=tuple(row["amounts"]),
            at=row.get("at"),
            core=bool(row.get("core")),
            holdout=bool(row.get("holdout")),
        )
        for row in rows
    ]


def customer_names() -> dict[str, list[str]]:
    """'own' and 'decoys' belong to the rep who writes the notes; 'others' to someone else."""
    return dict(json.loads((HERE / "customers.json").read_text()))


async def seed_customers(users: Mapping[str, User]) -> None:
    """The notes' customers in the database: Li Wei's own and their look-alikes, and Sam's."""
    names = customer_names()
    for who, group in (("Li Wei", "own"), ("Li Wei", "decoys"), ("Sam", "others")):
        for name in names[group]:
            await customers.create_customer(users[who], customers.CustomerDraft(name=name))


def _local(moment: datetime | None) -> str | None:
    return moment.astimezone(TZ).strftime("%Y-%m-%dT%H:%M") if moment else None


def score(case: Case, draft: Draft) -> dict[str, bool | None]:
    """Per field: right, wrong, or None when the label does not say (`at`)."""
    names = [c.name for c in draft.candidates]
    if case.customer:
        customer = names == [case.customer]
    elif case.choices:
        customer = len(names) > 1 and set(names) == set(case.choices)
    else:
        customer = not names
    reading = draft.reading
    return {
        "customer": customer,
        "followup": _local(reading.followup) == case.followup,
        "kind": reading.kind.value == case.kind,
        "amounts": Counter(a.label for a in reading.amounts) == Counter(case.amounts),
        "at": None if case.at is None else _local(reading.at) == case.at,
    }


# --------------------------------------------------------------------------- the corpus

CORPUS_FIELDS = ("customer", "kind", "followup", "amount", "quantity")
LANGUAGES = ("en", "zh")
SPLITS = ("dev", "test")


@dataclass(frozen=True, slots=True)
class Note:
    """One note of the corpus and what a right draft says about it."""

    text: str
    lang: str
    customer: str | None
    choices: tuple[str, ...]
    kind: str  # "visit" | "call" | "meeting" | "message" | "none"
    followup: str  # a rule on today (see the module doc)
    amount: tuple[str, ...]
    quantity: tuple[str, ...]

    @property
    def split(self) -> str:
        """The corpus's fixed rule: SHA-256 of the text odd → test, even → dev."""
        return split_of(self.text)


def split_of(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return "test" if digest[-1] & 1 else "dev"


def corpus(split: str | None = None) -> list[Note]:
    """The corpus's notes, all or one split's."""
    lines = (HERE / "corpus.jsonl").read_text().splitlines()
    notes = [
        Note(
            text=row["text"],
            lang=row["lang"],
            customer=row["customer"],
            choices=tuple(row.get("choices", ())),
            kind=row["kind"],
            followup=row["followup"],
            amount=tuple(row["amount"]),
            quantity=tuple(row["quantity"]),
        )
        for row in map(json.loads, lines)
        if "about" not in row
    ]
    return [n for n in notes if split is None or n.split == split]


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_POINT = re.compile(r"(?P<base>[a-z]+\d?)(?::(?P<arg>[\w-]+))?(?:\+(?P<plus>\d+))?$")


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _point(text: str, today: date) -> date:
    m = _POINT.match(text)
    if not m:
        raise ValueError(f"unknown follow-up rule {text!r}")
    base, arg, plus = m["base"], m["arg"], int(m["plus"] or 0)
    if base == "d":
        day = today
    elif base == "wd":
        day = today + timedelta(days=(_WEEKDAYS.index(arg) - today.weekday() - 1) % 7 + 1)
    elif base in ("wk0", "wk1", "wk2"):
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=int(base[2]))
        day = monday + timedelta(days=_WEEKDAYS.index(arg))
    elif base == "me":
        day = _month_end(today)
    elif base == "me1":
        day = _month_end(_month_end(today) + timedelta(days=1))
    elif base == "m1":
        day = (_month_end(today) + timedelta(days=1)).replace(day=int(arg))
    elif base == "dom":
        day = today.replace(day=int(arg))
        if day <= today:
            day = (_month_end(today) + timedelta(days=1)).replace(day=int(arg))
    elif base == "md":
        month, day_of_month = map(int, arg.split("-"))
        day = date(today.year, month, day_of_month)
        if day <= today:
            day = date(today.year + 1, month, day_of_month)
    else:
        raise ValueError(f"unknown follow-up rule {text!r}")
    return day + timedelta(days=plus)


def acceptable_followup(rule: str, value: datetime | None, today: date) -> bool:
    """Whether a follow-up (local wall-clock time, or None) is one the rule accepts."""
    for option in rule.split("|"):
        option = option.strip()
        if option == "-":
            if value is None:
                return True
            continue
        if value is None:
            continue
        span, _, clock = option.partition("@")
        first, _, last = span.partition("..")
        low = _point(first, today)
        high = _point(last, today) if last else low
        if low <= value.date() <= high and (not clock or value.strftime("%H:%M") == clock):
            return True
    return False


def score_note(note: Note, draft: Draft) -> dict[str, bool]:
    """Per field of the corpus: right or wrong."""
    names = [c.name for c in draft.candidates]
    if note.customer:
        customer = names == [note.customer]
    elif note.choices:
        customer = len(names) > 1 and set(names) == set(note.choices)
    else:
        customer = not names
    reading = draft.reading
    kind = not reading.kind_said if note.kind == "none" else reading.kind.value == note.kind
    followup = reading.followup.astimezone(TZ) if reading.followup else None
    money = Counter(a.label for a in reading.amounts if a.kind != "quantity")
    goods = Counter(a.label for a in reading.amounts if a.kind == "quantity")
    return {
        "customer": customer,
        "kind": kind and reading.kind_said == (note.kind != "none"),
        "followup": acceptable_followup(note.followup, followup, CLOCK.astimezone(TZ).date()),
        "amount": money == Counter(note.amount),
        "quantity": goods == Counter(note.quantity),
    }
