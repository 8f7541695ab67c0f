"""Money in the database and in settings: exact Decimals, per-currency limits, the manager chain
that large-deal alerts and approvals climb.

How people write amounts is `bot.services.language.amounts`, one grammar for every dialog.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.models import User
from bot.services.language.amounts import CENT, MAX_AMOUNT

__all__ = [
    "CENT",
    "MAX_AMOUNT",
    "at_or_above",
    "cents",
    "manager_chain",
]


def at_or_above(amount: Decimal, currency: str, limits: Mapping[str, Decimal]) -> bool:
    """True when a threshold exists for the currency and the amount reaches it."""
    limit = limits.get(currency.upper())
    return limit is not None and amount >= limit


def cents(value: Any) -> Decimal:
    """A database number (Decimal, int, str, or SQLite's float) as an exact two-place Decimal."""
    if value is None:
        return Decimal(0).quantize(CENT)
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


async def manager_chain(user_id: int, *, limit: int = 10) -> list[int]:
    """The user's manager, their manager, and so on (stops at a loop or after `limit` levels)."""
    chain: list[int] = []
    current: int | None = user_id
    while current is not None and len(chain) < limit:
        boss = await User.filter(id=current).values_list("manager_id", flat=True)
        current = boss[0] if boss else None
        if current is None or current in chain or current == user_id:
            break
        chain.append(current)
    return chain
