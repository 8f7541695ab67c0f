"""What `bot.app` builds for a process that pushes without serving (`crmbot scheduler`)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.app import deliver_queued, has_channels, pushing
from bot.config import Settings
from bot.handlers.telegram.sender import TelegramSender
from bot.handlers.wechat import WeChatSender


async def test_without_a_channel_nothing_is_pushed(settings: Settings) -> None:
    assert not has_channels(settings)
    assert not await deliver_queued(settings), "no channel: the outbox waits for `crmbot run`"
    async with pushing(settings) as senders:
        assert senders == {}


async def test_one_outbox_sender_per_configured_channel(
    wx_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    every = wx_settings.model_copy(update={"telegram_bot_token": SecretStr("123:fake")})
    assert has_channels(wx_settings) and has_channels(every)
    async with pushing(every) as senders:
        kinds = {name: type(sender) for name, sender in senders.items()}
    assert kinds == {"telegram": TelegramSender, "wechat": WeChatSender, "wecom": WeChatSender}
