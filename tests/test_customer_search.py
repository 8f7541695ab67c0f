"""The picker's search: substring of the name key or of the name as typed, within scope, paged."""

from __future__ import annotations

from bot.services.records import customers
from tests.conftest import Team


async def _make(team: Team, owner: str, *names: str) -> None:
    for name in names:
        await customers.create_customer(team.users[owner], customers.CustomerDraft(name))


async def test_search_pages_and_counts_within_the_reps_own_customers(team: Team) -> None:
    await _make(team, "Li Wei", "Acme Trading", "Acme Logistics", "ACME Foods", "Zenith")
    await _make(team, "Sam", "Acme Sam")
    li = team.users["Li Wei"]
    page, total = await customers.search(li, "acme", limit=2)
    assert total == 3
    assert [c.name for c in page] == ["ACME Foods", "Acme Logistics"]
    page, total = await customers.search(li, "acme", limit=2, offset=2)
    assert ([c.name for c in page], total) == (["Acme Trading"], 3)
    assert page[0].owner_name == "Li Wei" and page[0].last_contact_at is None


async def test_a_manager_searches_the_whole_team(team: Team) -> None:
    await _make(team, "Li Wei", "Acme Trading")
    await _make(team, "Sam", "Acme Sam")
    await _make(team, "Olga", "Acme Olga")
    page, total = await customers.search(team.users["Mia"], "acme")
    assert {c.name for c in page} == {"Acme Trading", "Acme Sam"} and total == 2
    page, total = await customers.search(team.users["admin"], "acme")
    assert total == 3


async def test_chinese_substrings_and_like_wildcards_typed_by_the_rep(team: Team) -> None:
    await _make(team, "Li Wei", "上海星辰贸易有限公司", "A_Z Trading", "ABZ Trading")
    li = team.users["Li Wei"]
    assert [c.name for c in (await customers.search(li, "星辰"))[0]] == ["上海星辰贸易有限公司"]
    # "_" typed by the rep is a character, not SQL's any-character wildcard.
    assert [c.name for c in (await customers.search(li, "a_z t"))[0]] == ["A_Z Trading"]
    assert await customers.search(li, "%") == ([], 0)
