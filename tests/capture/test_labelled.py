"""The parser against the labelled notes: overall accuracy, and exact fields on the core ones."""

from __future__ import annotations

import pytest

from bot.models import User
from bot.services.language.capture import draft_visit
from bot.services.records.customers import DuplicateFinder
from tests.capture.labelled import CLOCK, FIELDS, TZ, Case, cases, score, seed_customers
from tests.conftest import Team
from tests.support import once_per_database

BAR = 0.90


async def _scores(rep: User) -> list[tuple[Case, dict[str, bool | None]]]:
    finder = DuplicateFinder()
    out = []
    for case in cases():
        draft = await draft_visit(rep, case.text, now=CLOCK, tz=TZ, finder=finder)
        out.append((case, score(case, draft)))
    return out


@pytest.fixture
async def scored(team: Team, db_url: str) -> list[tuple[Case, dict[str, bool | None]]]:
    """The labelled notes scored once per database (both tests below read them)."""

    async def score_all() -> list[tuple[Case, dict[str, bool | None]]]:
        await seed_customers(team.users)
        return await _scores(team.users["Li Wei"])

    return await once_per_database("labelled", db_url, score_all)


def test_the_set_is_big_enough_and_bilingual() -> None:
    labelled = cases()
    chinese = [c for c in labelled if any("\u4e00" <= ch <= "\u9fff" for ch in c.text)]
    assert len(labelled) >= 100
    assert 30 <= len(chinese) <= len(labelled) - 30
    assert sum(c.core for c in labelled) >= 15


async def test_customer_and_follow_up_both_right_on_at_least_90_percent(
    scored: list[tuple[Case, dict[str, bool | None]]],
) -> None:
    right = [case for case, fields in scored if fields["customer"] and fields["followup"]]
    wrong = [(case.text, fields) for case, fields in scored if case not in right]
    assert len(right) / len(scored) >= BAR, wrong


async def test_every_field_of_the_core_notes(
    scored: list[tuple[Case, dict[str, bool | None]]],
) -> None:
    wrong = [
        (case.text, name)
        for case, fields in scored
        if case.core
        for name in FIELDS
        if fields[name] is False
    ]
    assert wrong == []
