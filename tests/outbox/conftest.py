"""The outbox's Telegram path runs on the same fake Bot API and channel as tests/telegram."""

from tests.telegram.conftest import _ptb_timedelta, api, telegram, tg_settings  # noqa: F401
