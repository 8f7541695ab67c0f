"""Money in the database and in settings: exact Decimals, per-currency limits, alerts.

How people write amounts is `bot.services.amounts`, one grammar for every dialog. This module
also holds the one place alerts are queued for the outbox, shared by the money services (deals,
approvals, tasks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from bot.models import User
from bot.services import outbox
from bot.services.amounts import CENT, MAX_AMOUNT

__all__ = [
    "CENT",
    "MAX_AMOUNT",
    "at_or_above",
    "cents",
    "manager_chain",
    "parse_limits",
    "queue_alert",
    "reply_payload",
]


def parse_limits(spec: str) -> dict[str, Decimal]:
    """'CNY:1000000,USD:150000' → {'CNY': Decimal(1000000), 'USD': ...}; bad parts are ignored."""
    limits: dict[str, Decimal] = {}
    for part in (spec or "").split(","):
        code, _, raw = part.strip().partition(":")
        try:
            limits[code.strip().upper()] = Decimal(raw.strip())
        except InvalidOperation:
            continue
    return limits


def at_or_above(amount: Decimal, currency: str, limits: Mapping[str, Decimal]) -> bool:
    """True when a threshold exists for the currency and the amount reaches it."""
    limit = limits.get(currency.upper())
    return limit is not None and amount >= limit


def cents(value: Any) -> Decimal:
    """A database number (Decimal, int, str, or SQLite's float) as an exact two-place Decimal."""
    if value is None:
        return Decimal(0).quantize(CENT)
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


async def queue_alert(
    recipient_id: int, dedupe_key: str, kind: str, payload: dict[str, Any]
) -> bool:
    """Queue an alert in the caller's transaction (the outbox); False when already queued."""
    return await outbox.notify(recipient_id, outbox.payload_to_reply(payload), dedupe_key)


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


def reply_payload(text: str, buttons: Sequence[Sequence[tuple[str, str]]] = ()) -> dict[str, Any]:
    """A neutral Reply as JSON (text and rows of action buttons) for the outbox to render."""
    return {
        "text": text,
        "buttons": [
            [{"label": label, "data": data, "kind": "action"} for label, data in row]
            for row in buttons
        ],
    }
