"""The `crmbot` command as an admin and a scripting program use it, in a fresh directory."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a crmbot process: none of ours, a database in `tmp_path`, `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "TELEGRAM_"))}
    env["PYTHONPATH"] = str(ROOT)
    env["CRM_DATABASE_URL"] = f"sqlite://{tmp_path / 'cli.db'}"
    return env | extra


def crmbot(
    tmp_path: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """One crmbot command, as an operator runs it in `tmp_path` (settings in `env`)."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env_for(tmp_path, **env),
        timeout=60,
        check=False,
    )


async def test_chat_answers_each_piped_line_as_it_arrives(tmp_path: Path) -> None:
    """A driving program reads each answer before it writes the next line."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "chat",
        cwd=tmp_path,
        env=env_for(tmp_path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin and proc.stdout

    async def until(marker: str) -> str:
        seen = ""
        while marker not in seen:
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line, f"output ended before {marker!r}: {seen}"
            seen += line.decode()
        return seen

    try:
        assert "created the local admin" in await until("/help")
        for typed, expected in (
            ("/newcustomer", "What is the company called?"),
            ("Acme Trading Co.", "Phone number?"),
            ("/skip", "Address?"),
            ("1", "Save this customer?"),  # 1) Save now
            ("1", "Saved: Acme Trading Co."),
            ("/newcustomer ACME Trading Company Ltd.", "Phone number?"),
            ("/skip", "Acme Trading Co. (owned by you)"),
            ("/cancel", "Cancelled. Nothing was saved."),
        ):
            proc.stdin.write(typed.encode() + b"\n")
            await proc.stdin.drain()
            await until(expected)
        proc.stdin.close()
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_invite_users_and_handover_from_the_command_line(tmp_path: Path) -> None:
    assert crmbot(tmp_path, "migrate").returncode == 0
    first = crmbot(tmp_path, "chat", stdin="/help\n")
    assert "created the local admin (user 1)" in first.stdout
    made = crmbot(tmp_path, "invite", "--role", "manager", "--name", "Mia")
    code = re.search(r"Invite code: (\w+)", made.stdout)
    assert code, made.stdout + made.stderr
    assert (
        "Welcome, Mia!"
        in crmbot(tmp_path, "chat", "--as", "mia", stdin=f"/start {code.group(1)}\n").stdout
    )

    listing = crmbot(tmp_path, "users").stdout
    assert re.search(r"1\s+Admin\s+admin\s+-\s+console\s+yes", listing), listing
    assert "Mia" in listing

    refused = crmbot(tmp_path, "users", "deactivate", "1", "--handover-to", "99")
    assert refused.returncode == 2 and "Cannot deactivate" in refused.stderr
    bad_role = crmbot(tmp_path, "invite", "--role", "boss")
    assert bad_role.returncode == 2 and "invalid choice" in bad_role.stderr
