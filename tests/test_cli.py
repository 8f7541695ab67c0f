"""The `crmbot` command as an admin and a scripting program use it, in a fresh directory."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from bot.cli import main
from bot.config import Settings

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
    """One crmbot command, as an operator runs it in `tmp_path` (settings in `env`): its exit
    code and what it printed.

    `main` runs in this process, with the environment, directory and standard streams the
    command would have (a new interpreter would spend seconds importing for each command); what
    only a process of its own shows (piping, signals, a start refused) the tests that start one
    check (`tests.processes`). Only for tests that run no event loop of their own."""
    out, err = io.StringIO(), io.StringIO()
    EXECUTOR_CACHE.clear()  # a new process starts without the SQL Tortoise kept for another
    with (
        _environment(env_for(tmp_path, **env)),
        contextlib.chdir(tmp_path),
        logging_restored(),
        _stdin(stdin),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(list(args))
        except SystemExit as exited:  # argparse refusing the arguments
            code = exited.code if isinstance(exited.code, int) else 1
    return subprocess.CompletedProcess(["crmbot", *args], code, out.getvalue(), err.getvalue())


async def crmbot_process(
    tmp_path: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """One crmbot command in a process of its own, for a test whose event loop holds the
    database open already (an in-process `main` would take over the ORM's connections)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=tmp_path,
        env=env_for(tmp_path, **env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    code = proc.returncode if proc.returncode is not None else -1
    return subprocess.CompletedProcess(["crmbot", *args], code, out.decode(), err.decode())


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def logging_restored() -> Iterator[None]:
    """The root logger (handlers, level) and ours as they are now, back after: a command
    configures them as its process's."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    loggers = {name: logging.getLogger(name).level for name in ("apscheduler", "bot", "crmbot")}
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, saved in loggers.items():
            logging.getLogger(name).setLevel(saved)


@contextlib.contextmanager
def _stdin(text: str) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved


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
            ("1", "Saved: Acme Trading Co."),  # 1) Save now saves at once
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


BAD_SETTINGS = [
    ("CRM_DIGEST_TIME", "25:99", "expected a time of day as HH:MM from 00:00 to 23:59"),
    ("CRM_LARGE_DEAL_THRESHOLD", "CNY=1000000", "expected CURRENCY:AMOUNT pairs"),
    ("CRM_TIMEZONE", "Mars/Base", "expected an IANA time zone"),
]


def _one_line_naming(stderr: str, name: str, value: str, expected: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"crmbot: {name}={value}: ") and expected in lines[0], lines[0]


def test_each_bad_setting_stops_every_command_with_one_line(tmp_path: Path) -> None:
    """Run as the operator runs it: exit code 2, one line on stderr, no traceback."""
    commands = [("run",), ("outbox",), ("chat",)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *command],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env=env_for(tmp_path, **{name: value}),
        )
        for (name, value, _), command in zip(BAD_SETTINGS, commands, strict=True)
    ]
    for proc, (name, value, expected) in zip(procs, BAD_SETTINGS, strict=True):
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 2, err
        _one_line_naming(err, name, value, expected)
        assert out == ""
    assert not (tmp_path / "cli.db").exists()  # stopped before touching the database


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        *BAD_SETTINGS,
        ("CRM_SUMMARY_TIME", "6pm", "expected a time of day as HH:MM"),
        ("CRM_LARGE_DEAL_THRESHOLD", "CNY:1000000,USX:150000", "'USX' is not an ISO 4217"),
        ("CRM_LARGE_DEAL_THRESHOLD", "CNY:0", "the amount for CNY must be above 0"),
        ("CRM_LARGE_DEAL_THRESHOLD", "CNY:1,CNY:2", "CNY appears twice"),
        ("CRM_APPROVAL_ESCALATE_ABOVE", "CNY:50000,%:150", "at most 100"),
        ("CRM_CURRENCY", "yuan", "expected an ISO 4217 currency code"),
        ("CRM_LOCALE", "fr", "expected 'en' or 'zh'"),
        ("CRM_PAGE_SIZE", "100", "expected a whole number from 3 to 30"),
        ("CRM_SEND_RATE", "0", "expected a number above 0"),
        ("CRM_DORMANT_DAYS", "thirty", "expected a whole number ≥ 1"),
        ("CRM_DIGEST_WHEN_EMPTY", "always", "expected 'skip' or 'line'"),
        ("CRM_DATABASE_URL", "crm.db", "expected sqlite://path or postgres://"),
        ("TELEGRAM_WEBHOOK_URL", "crm.example.com/hook", "expected an http(s) URL"),
    ],
)
def test_a_bad_setting_is_named_with_what_is_expected(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of ours
    for key in os.environ:
        if key.startswith(("CRM_", "TELEGRAM_", "WECHAT_", "WECOM_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv(name, value)
    assert main(["outbox"]) == 2
    captured = capsys.readouterr()
    _one_line_naming(captured.err, name, value, expected)


def test_a_secret_is_never_echoed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "not allowed: spaces and s3cr3t")
    assert main(["outbox"]) == 2
    err = capsys.readouterr().err
    assert "s3cr3t" not in err
    assert err.strip() == (
        "crmbot: TELEGRAM_WEBHOOK_SECRET=(hidden): expected 1 to 256 characters of A-Z a-z 0-9 _ -"
    )


def test_settings_are_typed() -> None:
    settings = Settings(
        CRM_DIGEST_TIME="7:05",
        CRM_LARGE_DEAL_THRESHOLD=" cny:1000000 , USD:150000.50",
        CRM_APPROVAL_ESCALATE_ABOVE="EUR:7000,%:12.5",
        CRM_CURRENCY="usd",
        CRM_TIMEZONE="Europe/Berlin",
    )
    assert settings.digest_time == time(7, 5) and settings.summary_time == time(18, 30)
    assert settings.large_deal_threshold == {"CNY": Decimal(1000000), "USD": Decimal("150000.50")}
    assert settings.approval_escalate_above == {"EUR": Decimal(7000), "%": Decimal("12.5")}
    assert settings.currency == "USD" and settings.timezone == "Europe/Berlin"
    assert Settings(CRM_LARGE_DEAL_THRESHOLD="").large_deal_threshold == {}  # no alerts at all
    defaults = Settings()
    assert defaults.large_deal_threshold == {"CNY": Decimal(1000000), "USD": Decimal(150000)}


def test_invites_warn_of_a_rep_without_manager_and_users_align_chinese_names(
    tmp_path: Path,
) -> None:
    from wcwidth import wcswidth

    assert crmbot(tmp_path, "migrate").returncode == 0
    assert "created the local admin" in crmbot(tmp_path, "chat", stdin="/help\n").stdout
    alone = crmbot(tmp_path, "invite", "--role", "rep")
    assert alone.returncode == 0 and "Invite code:" in alone.stdout
    assert alone.stderr.startswith("Warning: this rep has no manager"), alone.stderr
    assert "--manager ID" in alone.stderr
    nobody = crmbot(tmp_path, "invite", "--role", "rep", "--manager", "99")
    assert nobody.returncode == 2 and nobody.stderr.strip() == (
        "Cannot invite: there is no active user 99 to be the manager (see crmbot users)."
    )
    managed = crmbot(tmp_path, "invite", "--role", "rep", "--manager", "1", "--name", "李伟")
    assert managed.returncode == 0 and "Warning" not in managed.stderr
    code = re.search(r"Invite code: (\w+)", managed.stdout)
    assert code, managed.stdout
    joined = crmbot(tmp_path, "chat", "--as", "li", stdin=f"/start {code.group(1)}\n")
    assert "李伟" in joined.stdout

    listing = crmbot(tmp_path, "users").stdout.splitlines()
    rows = [line for line in listing if re.search(r" (admin|rep) ", line)]
    assert len(rows) == 2 and "李伟" in rows[1], listing
    assert wcswidth(rows[0][: rows[0].index("admin")]) == wcswidth(
        rows[1][: rows[1].index("rep")]
    ), listing

    to_self = crmbot(tmp_path, "users", "deactivate", "2", "--handover-to", "2")
    assert to_self.returncode == 2 and "handover_to_self" not in to_self.stderr
    assert "cannot hand over to themselves" in to_self.stderr
