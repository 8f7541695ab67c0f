"""One claim from a process of its own, for the race tests: `python -m tests.discipline.claimer
URL USER CUSTOMER QUOTA` connects, says `ready`, waits for a line on stdin, claims, and prints
`won` or the refusal's code."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from bot.db import close_db, open_db
from bot.models import User
from bot.services.discipline import pool

NOW = datetime(2026, 12, 19, 2, 0, tzinfo=UTC)


async def main(url: str, user_id: int, customer_id: int, quota: int) -> None:
    await open_db(url, apply_migrations=False)
    try:
        user = await User.get(id=user_id)
        rules = pool.PoolRules({"C": 30}, claims_per_day=quota)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        try:
            await pool.claim(user, customer_id, rules, now=NOW)
        except pool.Refused as refused:
            print(refused.code, flush=True)
        else:
            print("won", flush=True)
    finally:
        await close_db()


if __name__ == "__main__":
    url, user, customer, quota = sys.argv[1:5]
    asyncio.run(main(url, int(user), int(customer), int(quota)))
