"""The labelled notes: loading them, their customers, and scoring a draft against a label.

Shared by the accuracy test and `benchmarks/bench_capture.py`, so both measure the same thing.
Notes marked `holdout` were written after the parser and scored once before any change to it
(customer and follow-up 30/30, kind 27/30, amounts 27/30); they stay in the set.
Labels are relative to `CLOCK` (Wednesday 18 Nov 2026, 10:00 in Shanghai) and written as local
wall-clock times.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.services.language.capture import Draft

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
