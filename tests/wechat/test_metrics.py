"""The WeCom edge is counted like Telegram's: a message handled, a retry of it a duplicate."""

from __future__ import annotations

from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_engine, build_wechat
from bot.config import Settings
from bot.metrics import Metrics
from bot.server import HttpServer
from tests.support import FakeClock
from tests.wechat.callbacks import wecom_callbacks


async def test_wecom_messages_and_retries_are_counted(
    wx_settings: Settings, clock: FakeClock
) -> None:
    metrics = Metrics(clock=clock)
    server = HttpServer("127.0.0.1", 0, metrics=metrics)
    engine = build_engine(wx_settings, clock=clock, metrics=metrics)
    channels = build_wechat(wx_settings, engine, server, metrics=metrics)
    await server.start()
    for channel in channels:
        await channel.start()
    wecom = wecom_callbacks(server.url + "/wecom")
    try:
        xml = wecom.text("someone", "你好")
        first = await wecom.post(xml)
        assert first.text is not None and "邀请" in first.text
        retry = await wecom.post(xml)  # WeChat did not see the answer in time and asks again
        assert retry.body == "success"
        async with ClientSession() as http, http.get(f"{server.url}/metrics") as response:
            text = await response.text()
    finally:
        await wecom.close()
        for channel in channels:
            await channel.stop()
        await server.stop()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    updates = "crmbot_updates_total"
    assert samples[(updates, (("channel", "wecom"), ("outcome", "ok")))] == 1
    assert samples[(updates, (("channel", "wecom"), ("outcome", "duplicate")))] == 1
    assert samples[("crmbot_reply_seconds_count", (("channel", "wecom"),))] == 1
