"""Backup and restore of the whole database, consistent while the bot keeps running.

SQLite: the online backup API copies every page under one read snapshot, so writes during the
copy (WAL mode lets them continue) are either all in or all out; the copy is written beside the
target and renamed, so a half-written file never carries the backup's name. PostgreSQL:
`pg_dump --format=custom` (one snapshot as well), restored with `pg_restore`; without them on
PATH the command that would do it is named instead. Restore goes into an empty database only:
merging a backup into live data is not a restore. A backup older than the code is brought up to
date by the migrations on the next start.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bot.db import sqlite_path

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """Why a backup or restore did not happen, in one line for the operator."""


@dataclass(frozen=True, slots=True)
class Done:
    """What was written: where, from which kind of database, how many tables, how big."""

    path: Path
    engine: str
    tables: int
    size: int


def backup(db_url: str, file: Path) -> Done:
    """A consistent copy of the database behind `db_url` into `file` (replaced if present)."""
    path = sqlite_path(db_url)
    if path is not None:
        return _sqlite_backup(Path(path), file)
    if db_url.startswith(("postgres://", "postgresql://")):
        return _pg_backup(db_url, file)
    raise BackupError(f"cannot back up this kind of database: {_redacted(db_url)}")


def restore(db_url: str, file: Path) -> Done:
    """Bring `file` back into the empty database behind `db_url`; refuse one that holds tables."""
    if not file.is_file():
        raise BackupError(f"no backup file {file}")
    with file.open("rb") as head:
        magic = head.read(len(SQLITE_MAGIC))
    path = sqlite_path(db_url)
    if path is not None:
        if not magic.startswith(SQLITE_MAGIC):
            raise BackupError(f"{file} is not a SQLite backup, and the database is SQLite")
        return _sqlite_restore(file, Path(path))
    if db_url.startswith(("postgres://", "postgresql://")):
        if not magic.startswith(PGDUMP_MAGIC):
            raise BackupError(f"{file} is not a pg_dump custom-format file")
        return _pg_restore(file, db_url)
    raise BackupError(f"cannot restore into this kind of database: {_redacted(db_url)}")


# --- SQLite ------------------------------------------------------------------------------------


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [row[0] for row in rows]


def _sqlite_backup(source: Path, file: Path) -> Done:
    if not source.is_file():
        raise BackupError(f"no database file at {source}")
    part = file.with_name(file.name + ".part")
    part.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(part)
        try:
            src.backup(dst)  # every page in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside
            tables = len(_tables(dst))
        finally:
            dst.close()
    except sqlite3.Error as failed:
        part.unlink(missing_ok=True)
        raise BackupError(f"backup of {source} failed: {failed}") from failed
    finally:
        src.close()
    os.replace(part, file)
    return Done(file, "sqlite", tables, file.stat().st_size)


def _sqlite_restore(file: Path, target: Path) -> Done:
    src = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
    try:
        try:
            if src.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"{file} is damaged (quick_check failed)")
            tables = len(_tables(src))
        except sqlite3.DatabaseError as bad:
            raise BackupError(f"{file} is not a readable SQLite database: {bad}") from bad
        if tables == 0:
            raise BackupError(f"{file} holds no tables: not a backup of this bot")
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target, timeout=30)
        try:
            if present := _tables(dst):
                raise BackupError(
                    f"refusing to restore: {target} is not empty ({len(present)} tables); "
                    "restore into a new file or an empty database"
                )
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return Done(target, "sqlite", tables, target.stat().st_size)


# --- PostgreSQL --------------------------------------------------------------------------------


def _libpq(db_url: str) -> tuple[str, dict[str, str]]:
    """The URL libpq reads (no password, none of Tortoise's pool options) and its environment."""
    parts = urlsplit(db_url)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = (f"{parts.username}@" if parts.username else "") + host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(("postgresql", netloc, parts.path, "", "")), env


def _redacted(db_url: str) -> str:
    parts = urlsplit(db_url)
    if not parts.password:
        return db_url
    return db_url.replace(f":{parts.password}@", ":***@", 1)


def _pg_backup(db_url: str, file: Path) -> Done:
    dsn, env = _libpq(db_url)
    command = ["pg_dump", "--format=custom", f"--file={file}", dsn]
    if shutil.which("pg_dump") is None:
        raise BackupError(
            "pg_dump is not on PATH; install the PostgreSQL client and run: " + shlex.join(command)
        )
    part = file.with_name(file.name + ".part")
    command[2] = f"--file={part}"
    _run(command, env, "pg_dump")
    os.replace(part, file)
    tables = int(_psql(dsn, env, _PG_TABLES) or 0)
    return Done(file, "postgres", tables, file.stat().st_size)


_PG_TABLES = (
    "SELECT count(*) FROM information_schema.tables "
    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
)


def _pg_restore(file: Path, db_url: str) -> Done:
    dsn, env = _libpq(db_url)
    command = [
        "pg_restore",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={dsn}",
        str(file),
    ]
    if shutil.which("pg_restore") is None:
        raise BackupError(
            "pg_restore is not on PATH; install the PostgreSQL client and run: "
            + shlex.join(command)
        )
    present = int(_psql(dsn, env, _PG_TABLES) or 0)
    if present:
        raise BackupError(
            f"refusing to restore: the database is not empty ({present} tables); "
            "create an empty one (createdb) and point CRM_DATABASE_URL at it"
        )
    _run(command, env, "pg_restore")
    tables = int(_psql(dsn, env, _PG_TABLES) or 0)
    return Done(file, "postgres", tables, file.stat().st_size)


def _psql(dsn: str, env: dict[str, str], sql: str) -> str:
    """One value from a query, through psql when present, else asyncpg (a dependency anyway)."""
    if shutil.which("psql") is not None:
        command = ["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql, dsn]
        return _run(command, env, "psql")
    import asyncio

    import asyncpg

    async def one() -> str:
        conn = await asyncpg.connect(dsn, password=env.get("PGPASSWORD"))
        try:
            return str(await conn.fetchval(sql))
        finally:
            await conn.close()

    return asyncio.run(one())


def _run(command: list[str], env: dict[str, str], name: str) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise BackupError(f"{name} failed: {last}")
    return done.stdout.strip()
