"""crmbot processes started as an operator starts them, read until they are ready, stopped."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from tests.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.test_cli import env_for

CRMBOT = (sys.executable, "-m", "bot.cli")


def telegram_env(tmp_path: Path, api: FakeBotApi, port: int, **extra: str) -> dict[str, str]:
    """`env_for` a `crmbot run` against the fake Bot API, its HTTP server on 127.0.0.1:`port`."""
    return env_for(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        CRM_HTTP_HOST="127.0.0.1",
        CRM_HTTP_PORT=str(port),
        **extra,
    )


async def start(
    argv: Sequence[str], cwd: Path, env: dict[str, str], *, stdout: int = asyncio.subprocess.PIPE
) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=env, stdout=stdout, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stderr is not None
    return proc


async def read_until(
    proc: asyncio.subprocess.Process, log: list[str], ready: str, within: float
) -> None:
    """Its stderr, a line at a time into `log`, until `ready` is in it; it must not end first."""
    assert proc.stderr is not None
    async with asyncio.timeout(within):
        while ready not in "".join(log):
            line = (await proc.stderr.readline()).decode()
            assert line, "".join(log)
            log.append(line)


@asynccontextmanager
async def running(
    argv: Sequence[str],
    cwd: Path,
    env: dict[str, str],
    ready: str,
    *,
    within: float = 30,
    stop_within: float = 20,
) -> AsyncIterator[list[str]]:
    """The process until `ready` is in its log (yielded); on leaving, a SIGTERM that must stop it
    with 0 (the rest of the log is then the last item of the list)."""
    proc = await start(argv, cwd, env)
    assert proc.stderr is not None
    log: list[str] = []
    try:
        await read_until(proc, log, ready, within)
        yield log
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(stop_within):
            log.append((await proc.stderr.read()).decode())
            assert await proc.wait() == 0, "".join(log)


@asynccontextmanager
async def crmbot_running(
    tmp_path: Path, env: dict[str, str], ready: str
) -> AsyncIterator[list[str]]:
    """`crmbot run` in its own process until `ready` is in its log (yielded); on leaving, a
    SIGTERM that must stop it cleanly (the rest of the log is then added to the list)."""
    async with running([*CRMBOT, "run"], tmp_path, env, ready) as log:
        yield log
    assert "stopped" in log[-1]
