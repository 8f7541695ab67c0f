"""WeChat Official Account and WeCom app: signed, encrypted callbacks and pushed messages."""

from bot.handlers.wechat.channel import WeChatChannel
from bot.handlers.wechat.platform import (
    WECHAT,
    WECOM,
    Platform,
    configured,
    official_account,
    wecom_app,
)
from bot.handlers.wechat.sender import WeChatSender

__all__ = [
    "WECHAT",
    "WECOM",
    "Platform",
    "WeChatChannel",
    "WeChatSender",
    "configured",
    "official_account",
    "wecom_app",
]
