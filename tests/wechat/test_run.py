"""`crmbot run` with only a WeCom app configured: it serves, answers, and stops cleanly."""

from __future__ import annotations

from pathlib import Path

from aiohttp import ClientSession

from tests.telegram.conftest import free_port
from tests.telegram.test_run import crmbot_running
from tests.test_cli import crmbot, env_for
from tests.wechat.callbacks import WECOM_AES_KEY, WECOM_TOKEN, wecom_callbacks
from tests.wechat.fake_wechat_api import AGENT_ID, CORP_ID, CORP_SECRET, FakeWeChatApi


async def test_run_serves_wecom_alone_until_sigterm(tmp_path: Path, api: FakeWeChatApi) -> None:
    port = free_port()
    env = env_for(
        tmp_path,
        CRM_HTTP_HOST="127.0.0.1",
        CRM_HTTP_PORT=str(port),
        WECOM_CORP_ID=CORP_ID,
        WECOM_AGENT_ID=AGENT_ID,
        WECOM_SECRET=CORP_SECRET,
        WECOM_TOKEN=WECOM_TOKEN,
        WECOM_AES_KEY=WECOM_AES_KEY,
        WECOM_API_BASE_URL=api.base_url,
    )
    wecom = wecom_callbacks(f"http://127.0.0.1:{port}/wecom")
    try:
        async with crmbot_running(tmp_path, env, "dispatcher") as log:
            assert any("WeCom app" in line and "/wecom (encrypted)" in line for line in log)
            async with (
                ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/healthz") as health,
            ):
                assert health.status == 200
                assert (await health.json())["channels"] == {"wecom": "ok"}
            answer = await wecom.say("someone", "你好")
            assert answer.text is not None and "邀请" in answer.text
    finally:
        await wecom.close()


def test_run_without_a_channel_names_the_wechat_settings_too(tmp_path: Path) -> None:
    done = crmbot(tmp_path, "run", WECOM_CORP_ID=CORP_ID)  # one WeCom setting alone is not enough
    assert done.returncode == 2
    assert "WECHAT_TOKEN" in done.stderr and "WECOM_AES_KEY" in done.stderr
