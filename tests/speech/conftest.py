"""Voice fixtures: the committed recordings and the sentences they say."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CUSTOMERS = (
    "Acme Trading",
    "Blue River Foods",
    "Northwind",
    "Zhongshan Electric",
    "Golden Star Logistics",
    "Harbor Tools",
    "上海机电",
)


def recording(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# The Telegram journeys here run on the same fake Bot API as tests/telegram.
from tests.telegram.conftest import _ptb_timedelta, api, telegram, tg_settings  # noqa: E402, F401
