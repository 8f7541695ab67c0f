"""WeChat fixtures: the fake API, the real server with both platforms, WeChat calling it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from bot.app import build_engine, build_wechat
from bot.config import Settings
from bot.scheduler import Dispatcher
from bot.scheduler.limits import Limits
from bot.server import HttpServer
from tests.support import FakeClock
from tests.wechat.callbacks import (
    OA_AES_KEY,
    OA_TOKEN,
    WECOM_AES_KEY,
    WECOM_TOKEN,
    Callbacks,
    wecom_callbacks,
)
from tests.wechat.fake_wechat_api import (
    AGENT_ID,
    APP_ID,
    APP_SECRET,
    CORP_ID,
    CORP_SECRET,
    FakeWeChatApi,
)

OA_ACCOUNT = "gh_0123456789ab"


@pytest.fixture
async def api() -> AsyncIterator[FakeWeChatApi]:
    async with FakeWeChatApi() as fake:
        yield fake


@pytest.fixture
def wx_settings(settings: Settings, api: FakeWeChatApi) -> Settings:
    return settings.model_copy(
        update={
            "wechat_token": SecretStr(OA_TOKEN),
            "wechat_app_id": APP_ID,
            "wechat_app_secret": SecretStr(APP_SECRET),
            "wechat_aes_key": SecretStr(OA_AES_KEY),
            "wechat_api_base_url": api.base_url,
            "wecom_corp_id": CORP_ID,
            "wecom_agent_id": AGENT_ID,
            "wecom_secret": SecretStr(CORP_SECRET),
            "wecom_token": SecretStr(WECOM_TOKEN),
            "wecom_aes_key": SecretStr(WECOM_AES_KEY),
            "wecom_api_base_url": api.base_url,
        }
    )


class Rig:
    """The server as `crmbot run` builds it for WeChat and WeCom, and the dispatcher."""

    def __init__(self, settings: Settings, clock: FakeClock, api: FakeWeChatApi) -> None:
        self.settings = settings
        self.clock = clock
        self.api = api
        self.server = HttpServer("127.0.0.1", 0)
        self.engine = build_engine(settings, clock=clock)
        self.channels = {c.channel: c for c in build_wechat(settings, self.engine, self.server)}
        senders = {name: channel.sender for name, channel in self.channels.items()}
        fast = Limits(rate=1e6, burst=10_000, chat_rate=1e6, chat_burst=10_000)
        self.dispatcher = Dispatcher(senders, limits=fast)
        self.oa: Callbacks
        self.wecom: Callbacks

    async def start(self) -> None:
        await self.server.start()
        for channel in self.channels.values():
            await channel.start()
        self.oa = Callbacks(
            self.server.url + "/wechat",
            token=OA_TOKEN,
            aes_key=self.settings.wechat_aes_key.get_secret_value()
            if self.settings.wechat_aes_key
            else None,
            receiver_id=APP_ID,
            enterprise=False,
            account=OA_ACCOUNT,
        )
        self.wecom = wecom_callbacks(self.server.url + "/wecom")

    async def stop(self) -> None:
        for side in (self.oa, self.wecom):
            await side.close()
        for channel in self.channels.values():
            await channel.stop()
        await self.server.stop()

    async def deliver(self) -> int:
        """Send what the outbox holds now through the channels' senders."""
        return await self.dispatcher.drain(within=10)


@pytest.fixture
async def rig(wx_settings: Settings, clock: FakeClock, api: FakeWeChatApi) -> AsyncIterator[Rig]:
    built = Rig(wx_settings, clock, api)
    await built.start()
    try:
        yield built
    finally:
        await built.stop()
