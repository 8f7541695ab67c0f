"""Reading the customer-name change log from where an instance stands, never skipping a commit.

The log (`CustomerNameChange`) is written by triggers in the writing transaction. What makes a
reader exact differs per database:

- PostgreSQL hands out log ids (and transaction ids) before commit, so ids are not commit order.
  A look remembers its snapshot's xmin: every transaction below it had finished by then, so
  everything they wrote was seen. The next look reads the rows of transactions from that xmin
  on, skips the ones it has applied, and leaves its own transaction's uncommitted rows for later.
- SQLite has one writer at a time, so ids are taken in commit order and "after the last id read"
  is exact, provided uncommitted rows are never read: the log is read through a connection of its
  own, outside whatever transaction the caller is in.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from typing import Any

from tortoise import connections

# (log id, customer id, alias id or None, normalized name or None when gone, owner id or None)
Change = tuple[int, int, int | None, str | None, int | None]

_PG_CHANGES = """
SELECT h.horizon, h.own, l.id, l.customer_id, l.alias_id, l.normalized_name, l.owner_id, l.xid
FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon,
             pg_current_xact_id_if_assigned()::text::bigint AS own) h
LEFT JOIN customer_name_changes l ON l.xid >= $1 AND l.xid IS DISTINCT FROM h.own
ORDER BY l.id
"""
_SQLITE_CHANGES = """
SELECT id, customer_id, alias_id, normalized_name, owner_id
FROM customer_name_changes WHERE id > ? ORDER BY id
"""
_SQLITE_LAST = "SELECT COALESCE(MAX(id), 0) FROM customer_name_changes"
_NOTHING_YET = 2**62  # a position no transaction id reaches: the first look reads no rows


class ChangeLog:
    """An instance's place in the change log; not shared between tasks (the finder locks)."""

    def __init__(self) -> None:
        self.started = False
        self._position = 0  # PostgreSQL: the last look's xmin; SQLite: the last id read
        self._applied: dict[int, int] = {}  # PostgreSQL: rows read at or above it (id → xid)
        self._reader: sqlite3.Connection | None = None

    async def start(self) -> None:
        """Take the log's current position; changes from here on will be read."""
        conn = connections.get("default")
        if conn.capabilities.dialect == "postgres":
            self._position = -1
            self._applied = {}
            await self._postgres_changes(conn)
        else:
            rows = await self.read(_SQLITE_LAST)
            self._position = int(rows[0][0])
        self.started = True

    async def read(self, sql: str) -> Sequence[Sequence[Any]]:
        """Every row of a query as committed (SQLite: in a worker thread, on the log's own
        connection); on PostgreSQL in the caller's connection."""
        conn = connections.get("default")
        reader = self._sqlite_reader(conn)
        if reader is None:
            _, rows = await conn.execute_query(sql)
            return rows
        return await asyncio.to_thread(lambda: reader.execute(sql).fetchall())

    async def changes(self) -> list[Change]:
        """The changes committed since the last look, in log order, each once."""
        conn = connections.get("default")
        if conn.capabilities.dialect == "postgres":
            return await self._postgres_changes(conn)
        reader = self._sqlite_reader(conn)
        if reader is None:
            _, rows = await conn.execute_query(_SQLITE_CHANGES.replace("?", "$1"), [self._position])
        else:
            # An indexed read of the few rows since the last look: quicker than a thread hop.
            rows = reader.execute(_SQLITE_CHANGES, (self._position,)).fetchall()
        if rows:
            self._position = rows[-1][0]
        return [tuple(row) for row in rows]  # type: ignore[misc]

    async def _postgres_changes(self, conn: Any) -> list[Change]:
        position = self._position if self._position >= 0 else _NOTHING_YET
        _, rows = await conn.execute_query(_PG_CHANGES, [position])
        horizon, own = rows[0][0], rows[0][1]
        if own is not None:  # never pass the caller's own transaction: it may still commit
            horizon = min(horizon, own)
        fresh: list[Change] = [
            (row[2], row[3], row[4], row[5], row[6])
            for row in rows
            if row[2] is not None and row[2] not in self._applied
        ]
        self._position = max(self._position, horizon)
        self._applied = {
            row[2]: row[7] for row in rows if row[2] is not None and row[7] >= self._position
        }
        return fresh

    def _sqlite_reader(self, conn: Any) -> sqlite3.Connection | None:
        """The log's own connection to the SQLite file (None for PostgreSQL and in-memory
        databases, which a second connection would not see)."""
        if self._reader is not None:
            return self._reader
        filename = getattr(conn, "filename", None)
        if conn.capabilities.dialect != "sqlite" or not filename or ":memory:" in filename:
            return None
        reader = sqlite3.connect(filename, isolation_level=None, check_same_thread=False)
        reader.execute("PRAGMA query_only = ON")
        reader.execute("PRAGMA busy_timeout = 5000")
        self._reader = reader
        return reader

    def close(self) -> None:
        """Close the SQLite reading connection, if one was opened."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
