"""The Telegram channel: python-telegram-bot in front of the same core as every channel.

`parse` turns updates into `Incoming`, `render` replies into messages and inline keyboards,
`adapter` calls the core and answers the update, `sender` is the outbox's (the only) push to a
chat, `updates` orders processing per chat, `ratelimit` keeps within Telegram's limits,
`webhook` receives pushed updates, `channel` builds and runs it all for `bot.app`.
"""

from bot.handlers.telegram.adapter import CHANNEL, TelegramAdapter
from bot.handlers.telegram.channel import Backoff, TelegramChannel, build_application

__all__ = ["CHANNEL", "Backoff", "TelegramAdapter", "TelegramChannel", "build_application"]
