"""`crmbot backup` / `crmbot restore`: a populated database comes back with the same rows in
every table; a database that is not empty is refused; a copy taken during writes is whole."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.services.data.backup import BackupError, backup, restore
from tests.conftest import PG_URL, postgres_statements
from tests.test_cli import crmbot


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names
        }


def populate(tmp_path: Path, **env: str) -> None:
    done = crmbot(
        tmp_path, "demo-data", "--reps", "3", "--customers", "40", "--visits", "80", **env
    )
    assert done.returncode == 0, done.stderr


def test_a_sqlite_backup_restores_every_row_and_refuses_a_full_database(tmp_path: Path) -> None:
    source = tmp_path / "cli.db"  # what tests.test_cli.env_for points at
    populate(tmp_path)
    done = crmbot(tmp_path, "invite", "--role", "rep", "--name", "New Rep")
    assert done.returncode == 0, done.stderr
    done = crmbot(tmp_path, "backup", "crm-backup.db")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Backup written to crm-backup.db (sqlite, ")

    target = tmp_path / "restored" / "crm.db"
    url = f"sqlite://{target}"
    done = crmbot(tmp_path, "restore", "crm-backup.db", CRM_DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    counts = sqlite_counts(source)
    assert counts["customers"] == 40 and counts["visits"] == 80 and counts["invites"] == 1
    assert sqlite_counts(target) == counts

    again = crmbot(tmp_path, "restore", "crm-backup.db", CRM_DATABASE_URL=url)
    assert again.returncode == 2
    assert again.stderr.strip().startswith("refusing to restore:")
    assert len(again.stderr.strip().splitlines()) == 1


def test_a_copy_taken_while_the_bot_writes_is_one_consistent_moment(tmp_path: Path) -> None:
    """Each write touches two tables in one transaction: the copy holds both halves or none."""
    live = tmp_path / "live.db"
    with sqlite3.connect(live) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE visits (id INTEGER PRIMARY KEY, note TEXT)")
        conn.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, visit INTEGER)")
    stop = threading.Event()

    def write() -> None:
        conn = sqlite3.connect(live, timeout=30)
        while not stop.is_set():
            with conn:
                cur = conn.execute("INSERT INTO visits (note) VALUES (?)", ("x" * 500,))
                conn.execute("INSERT INTO audit (visit) VALUES (?)", (cur.lastrowid,))
        conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        copies = []
        for n in range(5):
            copy = tmp_path / f"copy{n}.db"
            backup(f"sqlite://{live}", copy)
            copies.append(sqlite_counts(copy))
    finally:
        stop.set()
        writer.join()
    assert all(c["visits"] == c["audit"] for c in copies), copies
    assert copies[-1]["visits"] > 0


def test_what_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    with pytest.raises(BackupError, match="not a SQLite backup"):
        restore(f"sqlite://{tmp_path / 'new.db'}", junk)
    with pytest.raises(BackupError, match="no backup file"):
        restore(f"sqlite://{tmp_path / 'new.db'}", tmp_path / "missing.db")
    with pytest.raises(BackupError, match="no database file"):
        backup(f"sqlite://{tmp_path / 'absent.db'}", tmp_path / "out.db")


def test_without_pg_dump_it_says_what_to_run(tmp_path: Path) -> None:
    done = crmbot(
        tmp_path,
        "backup",
        "crm.dump",
        CRM_DATABASE_URL="postgres://crm:pw@db.internal:5432/crm",
        PATH=str(tmp_path),  # a host without the PostgreSQL client
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "pg_dump is not on PATH; install the PostgreSQL client and run: "
        "pg_dump --format=custom --file=crm.dump postgresql://crm@db.internal:5432/crm"
    )


@pytest.mark.skipif(not PG_URL, reason="CRM_TEST_DATABASE_URL not set")
@pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="pg_dump / pg_restore not on PATH",
)
def test_a_postgres_backup_restores_every_row_and_refuses_a_full_database(
    tmp_path: Path, postgres_template: str
) -> None:
    import asyncpg

    assert PG_URL is not None
    base = PG_URL.rsplit("/", 1)[0]
    # Databases of this run alone: two runs on one server must not drop each other's.
    run = PG_URL.rsplit("/", 1)[1]
    names = (f"{run}_backup_src_{os.getpid()}", f"{run}_backup_dst_{os.getpid()}")

    async def counts(name: str) -> dict[str, int]:
        conn = await asyncpg.connect(f"{base.replace('postgres://', 'postgresql://', 1)}/{name}")
        try:
            tables = await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
            return {
                t["table_name"]: await conn.fetchval(f'SELECT count(*) FROM "{t["table_name"]}"')
                for t in tables
            }
        finally:
            await conn.close()

    source_made = f"CREATE DATABASE {names[0]} TEMPLATE {postgres_template}"  # migrated
    asyncio.run(
        postgres_statements(
            PG_URL,
            *(f"DROP DATABASE IF EXISTS {n}" for n in names),
            source_made,
            f"CREATE DATABASE {names[1]}",  # empty, as a restore wants it
        )
    )
    try:
        source, target = (f"{base}/{n}" for n in names)
        populate(tmp_path, CRM_DATABASE_URL=source)
        done = crmbot(tmp_path, "backup", "crm.dump", CRM_DATABASE_URL=source)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "crm.dump").read_bytes().startswith(b"PGDMP")
        done = crmbot(tmp_path, "restore", "crm.dump", CRM_DATABASE_URL=target)
        assert done.returncode == 0, done.stderr
        expected = asyncio.run(counts(names[0]))
        assert expected["customers"] == 40 and expected["visits"] == 80
        assert asyncio.run(counts(names[1])) == expected
        again = crmbot(tmp_path, "restore", "crm.dump", CRM_DATABASE_URL=target)
        assert again.returncode == 2
        assert again.stderr.strip().startswith("refusing to restore:")
        invite = crmbot(tmp_path, "invite", "--role", "rep", CRM_DATABASE_URL=target)
        assert invite.returncode == 0, invite.stderr  # ids continue after the restored rows
    finally:
        drops = (f"DROP DATABASE IF EXISTS {n} WITH (FORCE)" for n in names)
        asyncio.run(postgres_statements(PG_URL, *drops))
