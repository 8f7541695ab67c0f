"""Two instances claim at the same moment on PostgreSQL: exactly one gets the customer, and one
rep's two simultaneous claims cannot both pass a quota of one."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from bot.models import Customer, PoolMove, PoolMoveKind, Role, User
from tests.discipline.claimer import NOW

ROOT = Path(__file__).resolve().parents[2]


async def _claimer(
    url: str, user: User, customer: Customer, quota: int
) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.discipline.claimer",
        url,
        str(user.id),
        str(customer.id),
        str(quota),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert (await asyncio.wait_for(proc.stdout.readline(), 60)).strip() == b"ready"
    return proc


async def _go(procs: list[asyncio.subprocess.Process]) -> list[str]:
    """Let these claimers go at once and read each outcome."""
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
    await asyncio.gather(*(proc.stdin.drain() for proc in procs if proc.stdin))
    outcomes = await asyncio.gather(*(proc.communicate() for proc in procs))
    for proc in procs:
        assert proc.returncode == 0
    return sorted(out.decode().strip() for out, _ in outcomes)


async def _pooled(name: str, previous: User) -> Customer:
    return await Customer.create(
        name=name,
        normalized_name=name.lower(),
        tier="C",
        owner_id=None,
        previous_owner_id=previous.id,
        pooled_at=NOW,
    )


async def test_two_instances_claiming_at_once_one_wins(db_url: str) -> None:
    if not db_url.startswith("postgres"):
        pytest.skip("several instances need PostgreSQL")
    old = await User.create(name="Old Rep", role=Role.REP)
    li = await User.create(name="Li Wei", role=Role.REP)
    sam = await User.create(name="Sam", role=Role.REP)
    olga = await User.create(name="Olga", role=Role.REP)
    acme, zeta, omega = [await _pooled(name, old) for name in ("Acme", "Zeta", "Omega")]
    # Four instances, started together (starting is what takes time).
    procs = await asyncio.gather(
        _claimer(db_url, li, acme, 5),
        _claimer(db_url, sam, acme, 5),
        _claimer(db_url, olga, zeta, 1),
        _claimer(db_url, olga, omega, 1),
    )
    assert await _go(procs[:2]) == ["pool_taken", "won"]
    winner = (await Customer.get(id=acme.id)).owner_id
    assert winner in (li.id, sam.id)
    claims = await PoolMove.filter(customer_id=acme.id, kind=PoolMoveKind.CLAIMED)
    assert [move.user_id for move in claims] == [winner]

    # One rep, two customers, two instances, a quota of one: the quota holds.
    assert await _go(procs[2:]) == ["pool_quota", "won"]
    assert await Customer.filter(owner_id=olga.id).count() == 1
