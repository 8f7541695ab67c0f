"""The deploy files do what they say: the Dockerfile's steps and the systemd units' commands run
in a clean virtual environment and give a `crmbot run` that answers /healthz.

No container engine runs here, so the Dockerfile is executed step by step against a directory
standing in for the image: COPY copies from the build context, WORKDIR and ENV apply, `pip
install` installs the copied project (its dependencies come from the test environment, to stay
fast), USER must not be root, and CMD is started. The systemd units' ExecStart lines run the same
way, with the example environment file. A wrong path, a missing COPY, a broken entry point or a
command that does not exist fails here.
"""

from __future__ import annotations

import asyncio
import configparser
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from aiohttp import ClientSession

from tests.processes import running
from tests.telegram.conftest import free_port
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNIT_VENV = "/opt/crmbot/venv"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    steps: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        steps.append((word.upper(), rest.strip()))
    return steps


@dataclass
class Image:
    """A directory standing in for the built image, and what the Dockerfile set up in it."""

    root: Path
    venv: Path
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    user: str = "root"
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    base: str = ""

    def inside(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    def mapped(self, value: str) -> str:
        """A setting as seen from outside the stand-in (SQLite paths under its root)."""
        if value.startswith("sqlite:///"):
            return f"sqlite://{self.inside(value[len('sqlite://') :])}"
        return value


def clean_venv(path: Path) -> Path:
    """A venv without the project, whose dependencies resolve from the test environment."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, timeout=60
    )
    purelib = Path(sysconfig.get_paths(vars={"base": str(path)})["purelib"])
    here = sysconfig.get_paths()["purelib"]
    # A plain path, not a site dir: the test environment's own .pth files (an editable install
    # of this very project) are not read, so `bot` can only come from what the steps install.
    (purelib / "deps.pth").write_text(here + "\n")
    return path


def run_step(image: Image, command: str) -> None:
    argv = shlex.split(command)
    if argv[:2] == ["pip", "install"]:
        pip = [str(image.venv / "bin" / "python"), "-m", "pip", "install"]
        fast = ["--no-deps", "--no-build-isolation", "--no-index", "--quiet"]
        done = subprocess.run(
            [*pip, *fast, *argv[2:]],
            cwd=image.workdir,
            env={**os.environ, **image.env, "PIP_NO_CACHE_DIR": "1"},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    elif argv[0] == "useradd":
        assert "--system" in argv and argv[-1] != "root", argv
        subprocess.run(["sh", "-n", "-c", command], check=True)  # well-formed; not run here
    else:
        raise AssertionError(f"a RUN step this test does not know how to check: {command}")


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    """The Dockerfile executed step by step (the build context is the project root)."""
    base = tmp_path_factory.mktemp("image")
    img = Image(root=base / "root", venv=clean_venv(base / "venv"), workdir=base / "root")
    img.root.mkdir()
    for word, args in instructions((DEPLOY / "Dockerfile").read_text()):
        match word:
            case "FROM":
                img.base = args
            case "ENV":
                for pair in shlex.split(args):
                    key, _, value = pair.partition("=")
                    img.env[key] = img.mapped(value)
            case "WORKDIR":
                img.workdir = img.inside(args)
                img.workdir.mkdir(parents=True, exist_ok=True)
            case "COPY":
                *sources, target = shlex.split(args)
                dest = img.workdir / target
                for source in sources:
                    src = ROOT / source
                    if src.is_dir():
                        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
                    else:
                        dest.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(src, dest / src.name)
            case "RUN":
                run_step(img, args)
            case "USER":
                img.user = args
            case "CMD":
                img.cmd = json.loads(args)
            case "HEALTHCHECK":
                img.healthcheck = json.loads(args.split("CMD", 1)[1])
            case "EXPOSE" | "VOLUME":
                pass
            case _:
                raise AssertionError(f"an instruction this test does not check: {word}")
    return img


def outside_env(**settings: str) -> dict[str, str]:
    """The process environment without this checkout or the test's own settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CRM_", "TELEGRAM_", "WECHAT_", "WECOM_")) and k != "PYTHONPATH"
    }
    return env | settings


def serving(
    argv: list[str], cwd: Path, env: dict[str, str]
) -> AbstractAsyncContextManager[list[str]]:
    """A `crmbot run` until it says the scheduler started; SIGTERM must then stop it with 0
    (so Restart=on-failure leaves it be)."""
    return running(argv, cwd, env, "scheduler started", within=60, stop_within=30)


async def healthy(port: int) -> None:
    async with ClientSession() as http:
        for path in ("/healthz", "/readyz"):
            async with http.get(f"http://127.0.0.1:{port}{path}") as response:
                assert response.status == 200, (path, await response.text())


def test_the_image_is_slim_and_does_not_run_as_root(image: Image) -> None:
    assert image.base.startswith("python:") and image.base.endswith("-slim")
    assert image.user not in ("root", "0", "")
    assert image.cmd == ["crmbot", "run"]
    installed = subprocess.run(
        [str(image.venv / "bin" / "python"), "-c", "import bot; print(bot.__file__)"],
        cwd=image.workdir,
        env=outside_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert installed.startswith(str(image.venv)), installed  # the copy the steps installed


async def test_the_image_steps_give_a_crmbot_that_serves(image: Image, api: FakeBotApi) -> None:
    port = free_port()
    env = outside_env(
        **image.env
        | {
            "CRM_HTTP_HOST": "127.0.0.1",
            "CRM_HTTP_PORT": str(port),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url,
        }
    )
    command = [str(image.venv / "bin" / image.cmd[0]), *image.cmd[1:]]
    async with serving(command, image.workdir, env):
        await healthy(port)
        probe = [
            str(image.venv / "bin" / "python") if part == "python" else part
            for part in image.healthcheck
        ]
        probe = [part.replace(":8080/", f":{port}/") for part in probe]
        done = await asyncio.create_subprocess_exec(*probe, env=env)
        assert await done.wait() == 0
    assert image.inside("/data/crm.db").is_file()  # the database lives on the volume


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text())
    return parser


def env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def command_line(line: str, image: Image, state: Path) -> list[str]:
    """An Exec line as systemd runs it here: %% unescaped, the install paths redirected."""
    line = line.replace("%%", "%").replace(UNIT_VENV, str(image.venv))
    return shlex.split(line.replace("/var/lib/crmbot", str(state)))


async def test_the_systemd_units_run_crmbot_and_its_backup(
    image: Image, api: FakeBotApi, tmp_path: Path
) -> None:
    service = unit("crmbot.service")["Service"]
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/crmbot/crmbot.env"
    assert service["User"] != "root"
    settings = env_file(DEPLOY / "crmbot.env.example")
    assert {"CRM_DATABASE_URL", "CRM_LOG_FORMAT", "CRM_METRICS_TOKEN"} <= settings.keys()
    state = tmp_path / "state"
    state.mkdir()
    settings = {k: v.replace("/var/lib/crmbot", str(state)) for k, v in settings.items()}
    port = free_port()
    settings |= {
        "CRM_HTTP_PORT": str(port),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
    }
    env = outside_env(**settings)
    cwd = Path(service["WorkingDirectory"].replace("/var/lib/crmbot", str(state)))
    async with serving(command_line(service["ExecStart"], image, state), cwd, env) as log:
        await healthy(port)
    first = json.loads(log[0])  # CRM_LOG_FORMAT=json from the example file
    assert {"time", "level", "message"} <= first.keys()

    backup = unit("crmbot-backup.service")["Service"]
    assert backup["Type"] == "oneshot"
    for key in ("ExecStartPre", "ExecStart", "ExecStartPost"):
        done = await asyncio.to_thread(
            subprocess.run,
            command_line(backup[key], image, state),
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, (key, done.stdout, done.stderr)
    (copy,) = (state / "backups").glob("crm-*.backup")
    assert copy.read_bytes().startswith(b"SQLite format 3")
    timer = unit("crmbot-backup.timer")["Timer"]
    assert timer["OnCalendar"] and timer["Persistent"] == "true"


def test_compose_adds_postgres_and_the_proxy_keeps_metrics_private() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    app, db = compose["services"]["crmbot"], compose["services"]["db"]
    assert db["image"].startswith("postgres:")
    assert app["build"]["dockerfile"] == "deploy/Dockerfile"
    assert app["environment"]["CRM_DATABASE_URL"].startswith("postgres://crmbot:")
    assert app["environment"]["CRM_DATABASE_URL"].endswith("@db:5432/crmbot")
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    proxy = (DEPLOY / "nginx.conf").read_text()
    for path in ("/telegram", "/wechat", "/wecom", "/healthz"):
        assert f"location {path}" in proxy or f"location = {path}" in proxy, path
    assert "/metrics" not in [line.split()[-2] for line in proxy.splitlines() if "location" in line]
    assert "listen 443 ssl" in proxy
