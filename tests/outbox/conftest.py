"""The outbox's Telegram path runs on the same fake Bot API as tests/telegram."""

from tests.telegram.conftest import _ptb_timedelta, api  # noqa: F401
