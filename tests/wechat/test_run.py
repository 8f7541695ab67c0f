"""`crmbot run` with only a WeCom app configured: it serves, answers, and stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from aiohttp import ClientSession

from tests.telegram.conftest import free_port
from tests.wechat.callbacks import WECOM_AES_KEY, WECOM_TOKEN, Callbacks
from tests.wechat.fake_wechat_api import AGENT_ID, CORP_ID, CORP_SECRET, FakeWeChatApi

ROOT = Path(__file__).resolve().parents[2]


async def test_run_serves_wecom_alone_until_sigterm(tmp_path: Path, api: FakeWeChatApi) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "TELEGRAM_", "WE"))} | {
        "PYTHONPATH": str(ROOT),
        "CRM_DATABASE_URL": f"sqlite://{tmp_path / 'run.db'}",
        "CRM_HTTP_HOST": "127.0.0.1",
        "CRM_HTTP_PORT": str(port),
        "WECOM_CORP_ID": CORP_ID,
        "WECOM_AGENT_ID": AGENT_ID,
        "WECOM_SECRET": CORP_SECRET,
        "WECOM_TOKEN": WECOM_TOKEN,
        "WECOM_AES_KEY": WECOM_AES_KEY,
        "WECOM_API_BASE_URL": api.base_url,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    log: list[str] = []
    wecom = Callbacks(
        f"http://127.0.0.1:{port}/wecom",
        token=WECOM_TOKEN,
        aes_key=WECOM_AES_KEY,
        receiver_id=CORP_ID,
        enterprise=True,
        account=CORP_ID,
        agent_id=AGENT_ID,
    )
    try:
        async with asyncio.timeout(30):
            while "dispatcher" not in "".join(log):
                line = (await proc.stderr.readline()).decode()
                assert line, "".join(log)
                log.append(line)
        assert any("WeCom app" in line and "/wecom (encrypted)" in line for line in log)
        async with ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as health:
            assert health.status == 200
            assert (await health.json())["channels"] == {"wecom": "ok"}
        answer = await wecom.say("someone", "你好")
        assert answer.text is not None and "邀请" in answer.text
    finally:
        await wecom.close()
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(20):
            rest = (await proc.stderr.read()).decode()
            assert await proc.wait() == 0, "".join(log) + rest
    assert "stopped" in rest
