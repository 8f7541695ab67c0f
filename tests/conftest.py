"""Fixtures: a real database per test (SQLite file; PostgreSQL too when configured)."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE

from bot.app import build_engine
from bot.config import Settings
from bot.db import close_db, migrate, open_db
from bot.dialogs import FEATURES
from bot.dialogs.base import Dialog, StepLike
from bot.dialogs.engine import Engine
from bot.dialogs.feature import Command, Feature
from bot.i18n import N_
from bot.models import Role, User
from bot.services.people import users
from tests.support import Chat, FakeClock

# Property tests: `ci` (the default) keeps them under a minute; HYPOTHESIS_PROFILE=thorough
# explores longer before a release. No deadline: a turn's time depends on the shared machine.
hypothesis_settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
hypothesis_settings.register_profile("thorough", max_examples=1000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PG_URL = os.environ.get("CRM_TEST_DATABASE_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres", marks=pytest.mark.skipif(not PG_URL, reason="CRM_TEST_DATABASE_URL not set")
    ),
]
# A Wednesday morning in Shanghai.
START = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


async def reset_postgres(url: str) -> None:
    """Empty the test database so the suite starts from the migrations."""
    import asyncpg

    dsn = url.replace("postgres://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


async def _migrated(url: str, *, reset: bool = False) -> None:
    if reset:
        await reset_postgres(url)
    await migrate(url)


def _emptying() -> str:
    """SQL that empties every model's table and restarts its ids, as in a fresh database.

    DELETE, with foreign keys and triggers off for the statement's transaction, rather than
    TRUNCATE: truncating some forty tables gives each a new file, about a second per test, while
    deleting the few rows a test left is nearly free. One round trip."""
    tables = ", ".join(f"'{m._meta.db_table}'" for m in Tortoise.apps["models"].values())
    return f"""
DO $$
DECLARE
    t text;
    s text;
BEGIN
    SET LOCAL session_replication_role = replica;
    FOREACH t IN ARRAY ARRAY[{tables}] LOOP
        EXECUTE format('DELETE FROM %I', t);
        FOR s IN
            SELECT pg_get_serial_sequence(format('%I', t), a.attname)
            FROM pg_attribute a
            WHERE a.attrelid = t::regclass AND a.attnum > 0 AND NOT a.attisdropped
        LOOP
            IF s IS NOT NULL THEN
                PERFORM setval(s, 1, false);
            END IF;
        END LOOP;
    END LOOP;
END $$;
"""


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per run; every test gets a copy (migrating takes ~0.4 s)."""
    path = tmp_path_factory.mktemp("template") / "crm.db"
    asyncio.run(_migrated(f"sqlite://{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str | None]:
    """The PostgreSQL test database, migrated once per run; tests then only empty the tables.

    A copy of it as migrated (`postgres_template`) is made at once, while it is still empty."""
    if not PG_URL:
        yield None
        return
    asyncio.run(_migrated(PG_URL, reset=True))
    drop = f"DROP DATABASE IF EXISTS {_template_name(PG_URL)} WITH (FORCE)"
    made = f"CREATE DATABASE {_template_name(PG_URL)} TEMPLATE {PG_URL.rsplit('/', 1)[1]}"
    asyncio.run(postgres_statements(PG_URL, drop, made))
    try:
        yield PG_URL
    finally:
        asyncio.run(postgres_statements(PG_URL, drop))


def _template_name(url: str) -> str:
    return f"{url.rsplit('/', 1)[1]}_migrated_{os.getpid()}"  # this run's alone


@pytest.fixture(scope="session")
def postgres_template(postgres_migrated: str | None) -> str:
    """An empty database of this run as the migrations leave it: tests that need a database of
    their own create it from this template (CREATE DATABASE … TEMPLATE) in a fraction of a
    second, where migrating one takes seconds."""
    if not postgres_migrated:
        pytest.skip("CRM_TEST_DATABASE_URL not set")
    return _template_name(postgres_migrated)


async def postgres_statements(url: str, *statements: str) -> None:
    """Run `statements` one by one in the database of `url`."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(params=BACKENDS)
async def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_migrated: str | None,
) -> AsyncIterator[str]:
    if request.param == "postgres":
        assert postgres_migrated
        url = postgres_migrated
    else:
        shutil.copyfile(sqlite_template, tmp_path / "crm.db")
        url = f"sqlite://{tmp_path / 'crm.db'}"
    # Tortoise caches insert SQL per connection name, not per dialect; one process never switches
    # backends in production, but this suite does.
    EXECUTOR_CACHE.clear()
    await open_db(url, apply_migrations=False)
    if request.param == "postgres":
        await connections.get("default").execute_script(_emptying())
    try:
        yield url
    finally:
        await close_db()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        CRM_DATABASE_URL=db_url,
        CRM_LOCALE="en",
        CRM_TIMEZONE="Asia/Shanghai",
        CRM_PHOTO_DIR=str(tmp_path / "photos"),
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def engine(settings: Settings, clock: FakeClock) -> Engine:
    return build_engine(settings, clock=clock)


def one_question(name: str, roles: frozenset[Role], title: str, step: StepLike) -> Feature:
    """A feature declared by a test: the command /`name` for `roles`, one question (`step`)."""
    dialog = Dialog(name=name, title=title, steps=(step,))
    return Feature(name, commands=(Command(name, N_("this list"), roles, dialog=dialog),))


class Team:
    """An admin, a manager with two reps, another manager with one rep; all joined by invite."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.chats: dict[str, Chat] = {}
        self.users: dict[str, User] = {}

    @classmethod
    def with_feature(cls, settings: Settings, clock: FakeClock, feature: Feature) -> Team:
        """Nobody yet, on an engine that has `feature` besides the product's own."""
        return cls(build_engine(settings, clock=clock, features=(*FEATURES, feature)))

    async def join(self, name: str, role: Role, manager: str | None = None) -> Chat:
        manager_id = self.users[manager].id if manager else None
        invite = await users.create_invite(
            None, role, manager_id=manager_id, name=name, now=self.engine.clock()
        )
        chat = Chat(self.engine, external_id=f"ext-{name}", name=name)
        reply = await chat.say(f"/start {invite.code}")
        assert "Welcome" in reply, reply
        self.chats[name] = chat
        self.users[name] = await User.get(name=name)
        return chat


@pytest.fixture
async def team(engine: Engine) -> Team:
    crew = Team(engine)
    admin = await users.ensure_local_admin(users.Defaults())
    assert admin is not None
    crew.users["admin"] = admin
    crew.chats["admin"] = Chat(engine, external_id=users.LOCAL_CONSOLE_ID, name="Admin")
    await crew.join("Mia", Role.MANAGER)
    await crew.join("Li Wei", Role.REP, manager="Mia")
    await crew.join("Sam", Role.REP, manager="Mia")
    await crew.join("Otto", Role.MANAGER)
    await crew.join("Olga", Role.REP, manager="Otto")
    return crew
