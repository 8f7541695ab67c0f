"""Money as people type it ("1.2m", "120万", "¥80k") → exact Decimal, plus per-currency limits.

Amounts are never floats: a float would turn 0.1 + 0.2 into a rounding error on an invoice.
This module also holds the one place alerts are queued for the outbox, shared by the money
services (deals, approvals, tasks).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from bot.models import User
from bot.services.errors import InvalidInput

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999999999.99")

SYMBOLS = {"¥": "CNY", "￥": "CNY", "元": "CNY", "rmb": "CNY", "$": "USD", "€": "EUR", "£": "GBP"}
CODES = ("CNY", "USD", "EUR", "GBP", "HKD", "JPY", "SGD", "RMB")
MULTIPLIERS = {
    "k": Decimal(1000),
    "m": Decimal(1_000_000),
    "mn": Decimal(1_000_000),
    "b": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
    "千": Decimal(1000),
    "万": Decimal(10_000),
    "萬": Decimal(10_000),
    "百万": Decimal(1_000_000),
    "千万": Decimal(10_000_000),
    "亿": Decimal(100_000_000),
    "億": Decimal(100_000_000),
}
_NUMBER = re.compile(
    r"^(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*(?P<mult>百万|千万|[kmb千万萬亿億]|mn|bn)?$"
)


def parse_amount(text: str) -> tuple[Decimal, str | None]:
    """'1,200,000' / '1.2m' / '120万' / '¥80k' / '80k USD' → (Decimal, currency or None).

    Raises InvalidInput('amount_invalid') for anything that is not one positive amount.
    """
    value = unicodedata.normalize("NFKC", text or "").strip().lower()
    value = value.replace("，", ",").replace(" ", "").replace("_", "")
    currency: str | None = None
    for code in CODES:
        low = code.lower()
        if value.startswith(low) or value.endswith(low):
            currency = "CNY" if code == "RMB" else code
            value = value[len(low) :] if value.startswith(low) else value[: -len(low)]
            break
    for symbol, code in SYMBOLS.items():
        if symbol in ("元", "rmb"):
            if value.endswith(symbol):
                value, currency = value[: -len(symbol)], currency or code
            continue
        if value.startswith(symbol):
            if currency not in (None, code):
                raise InvalidInput("amount_invalid", text)
            value, currency = value[len(symbol) :], code
    match = _NUMBER.match(value)
    if not match:
        raise InvalidInput("amount_invalid", text)
    try:
        amount = Decimal(match["num"].replace(",", ""))
    except InvalidOperation as bad:
        raise InvalidInput("amount_invalid", text) from bad
    if match["mult"]:
        amount *= MULTIPLIERS[match["mult"]]
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if amount <= 0 or amount > MAX_AMOUNT:
        raise InvalidInput("amount_invalid", text)
    return amount, currency


def parse_percent(text: str) -> Decimal:
    """'7.5', '7.5%' → Decimal('7.50'); a percent is between 0 (excluded) and 100."""
    value = unicodedata.normalize("NFKC", text or "").strip().rstrip("%").strip()
    try:
        percent = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as bad:
        raise InvalidInput("percent_invalid", text) from bad
    if not percent.is_finite() or percent <= 0 or percent > 100:
        raise InvalidInput("percent_invalid", text)
    return percent


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
