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


def spoken() -> dict[str, str]:
    """File name → the sentence it says ('' for silence)."""
    rows: dict[str, str] = {}
    for line in (FIXTURES / "sentences.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, text = line.partition("\t")
            rows[name.strip()] = text.strip()
    return rows


# The Telegram journeys here run on the same fake Bot API as tests/telegram.
from tests.telegram.conftest import _ptb_timedelta, api, telegram, tg_settings  # noqa: E402, F401
