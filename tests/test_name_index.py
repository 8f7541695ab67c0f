"""The name indexes of several instances catch up exactly, however transactions interleave."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.transactions import in_transaction

from bot.services.people import users
from bot.services.records import customer_changes, customers
from bot.services.records.customers import CustomerDraft, DuplicateFinder
from tests.conftest import Team


async def _names(finder: DuplicateFinder, name: str) -> list[str]:
    return [hit.name for hit in await finder.find(name) if hit.score >= 90]


def _owners(finder: DuplicateFinder, name: str) -> dict[str, int]:
    """Who quick capture thinks owns each customer a note names."""
    index = finder.mentions
    return {
        str(index._key_of[found.customer_id]): index.owner_of(finder.resolve(found.customer_id))
        or 0
        for found in index.mentions(name, lambda _: True)
    }


async def test_an_insert_committed_after_a_later_one_is_still_found(
    team: Team, db_url: str
) -> None:
    if not db_url.startswith("postgres"):
        pytest.skip("SQLite has one writer at a time: its transactions cannot interleave")
    li, sam = team.users["Li Wei"], team.users["Sam"]
    third = DuplicateFinder()
    await third.refresh()
    inserted, release = asyncio.Event(), asyncio.Event()

    async def held_open() -> None:  # one instance's insert, its transaction not yet committed
        async with in_transaction():
            await customers.create_customer(li, CustomerDraft("Acme Trading Co"))
            inserted.set()
            await release.wait()

    slow = asyncio.create_task(held_open())
    await inserted.wait()
    # Another instance creates a customer later and commits first.
    await customers.create_customer(sam, CustomerDraft("Zenith Robotics"))
    assert await _names(third, "Zenith Robotics") == ["Zenith Robotics"]
    assert await _names(third, "Acme Trading Co") == []  # not committed: nobody may see it yet
    release.set()
    await slow
    assert await _names(third, "Acme Trading Co") == ["Acme Trading Co"]
    assert await _names(third, "Zenith Robotics") == ["Zenith Robotics"]


async def test_renames_merges_and_handovers_held_open_are_caught_up(
    team: Team, db_url: str
) -> None:
    if not db_url.startswith("postgres"):
        pytest.skip("SQLite has one writer at a time: its transactions cannot interleave")
    admin, li, sam = team.users["admin"], team.users["Li Wei"], team.users["Sam"]
    acme = await customers.create_customer(li, CustomerDraft("Acme Trading"))
    beta = await customers.create_customer(sam, CustomerDraft("Beta Foods"))
    dup = await customers.create_customer(sam, CustomerDraft("Gamma Steel"))
    keep = await customers.create_customer(li, CustomerDraft("Gamma Steel Works"))
    watcher = DuplicateFinder()
    await watcher.refresh()
    started, release = asyncio.Event(), asyncio.Event()

    async def held_open() -> None:  # a rename and a merge in one transaction, committed last
        async with in_transaction():
            await customer_changes.edit(admin, acme.id, "name", "Apex Trading")
            await customer_changes.merge(admin, dup.id, keep.id)
            started.set()
            await release.wait()

    slow = asyncio.create_task(held_open())
    await started.wait()
    await customers.reassign(admin, beta.id, li.id)  # committed meanwhile
    assert _owners(watcher, "visited beta foods") == {"beta foods": sam.id}  # until used
    assert await _names(watcher, "Beta Foods") == ["Beta Foods"]
    assert _owners(watcher, "visited beta foods") == {"beta foods": li.id}
    assert await _names(watcher, "Apex Trading") == []
    release.set()
    await slow
    assert await _names(watcher, "Apex Trading") == ["Apex Trading"]
    assert await _names(watcher, "Acme Trading") == []
    # The merged customer's name finds the one kept, whose owner it now follows.
    assert await _names(watcher, "Gamma Steel") == ["Gamma Steel Works"]
    assert _owners(watcher, "visited gamma steel")["gamma steel"] == li.id


async def test_a_check_inside_a_transaction_that_rolls_back_misses_nothing_after(
    team: Team,
) -> None:
    li = team.users["Li Wei"]
    finder = DuplicateFinder()
    await finder.refresh()

    class Undo(Exception):
        """Rolls the transaction back."""

    with pytest.raises(Undo):
        async with in_transaction():
            await customers.create_customer(li, CustomerDraft("Phantom Pumps"))
            # A check inside the writing transaction sees nothing uncommitted…
            assert await _names(finder, "Phantom Pumps") == []
            raise Undo
    # …so the next committed customer, which may take the rolled-back log id, is not skipped.
    await customers.create_customer(li, CustomerDraft("Real Pumps"))
    assert await _names(finder, "Real Pumps") == ["Real Pumps"]
    assert await _names(finder, "Phantom Pumps") == []


async def test_a_handover_moves_every_customer_in_every_index(team: Team) -> None:
    li, sam, admin = team.users["Li Wei"], team.users["Sam"], team.users["admin"]
    first = await customers.create_customer(li, CustomerDraft("Delta Motors"))
    await customers.create_customer(li, CustomerDraft("Omega Paper"))
    dup = await customers.create_customer(sam, CustomerDraft("Delta Motor"))
    await customer_changes.merge(admin, dup.id, first.id)
    finder = DuplicateFinder()
    await finder.refresh()
    await users.deactivate(li.id, handover_to=sam.id, actor_id=admin.id, now=team.engine.clock())
    await finder.refresh()
    assert _owners(finder, "met delta motors and omega paper") == {
        "delta motors": sam.id,
        "delta motor": sam.id,  # the merged customer's name follows the one kept
        "omega paper": sam.id,
    }
