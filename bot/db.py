"""Opening the database and bringing its schema up to date with the migrations."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from tortoise import Tortoise, connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.backends.sqlite.client import SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.connection import get_connections
from tortoise.migrations.api import migrate as run_migrations
from tortoise.transactions import in_transaction

CENT = Decimal("0.01")
MODELS = ["bot.models"]
MIGRATIONS = "bot.migrations"


T = TypeVar("T")


def tortoise_config(db_url: str) -> dict[str, Any]:
    """The one Tortoise configuration: our models, our migrations, UTC everywhere."""
    return {
        "connections": {"default": _with_sqlite_pragmas(db_url)},
        "apps": {
            "models": {
                "models": MODELS,
                "migrations": MIGRATIONS,
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _with_sqlite_pragmas(db_url: str) -> str:
    """SQLite tuned for a chat bot: WAL lets readers run while a dialog writes; NORMAL sync in WAL
    mode never corrupts the file and skips an fsync per message; a busy timeout beats 'database is
    locked'. Settings given in the URL win."""
    if not db_url.startswith("sqlite://") or ":memory:" in db_url:
        return db_url
    sep = "&" if "?" in db_url else "?"
    wanted = ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000")
    extras = [p for p in wanted if p.split("=")[0] not in db_url]
    return db_url + sep + "&".join(extras) if extras else db_url


def sqlite_path(db_url: str) -> str | None:
    """The file behind a `sqlite://` URL (None for PostgreSQL and in-memory databases)."""
    if not db_url.startswith("sqlite://"):
        return None
    path = db_url[len("sqlite://") :].split("?", 1)[0]
    return None if not path or ":memory:" in path else path


async def migrate(db_url: str) -> None:
    """Apply every pending migration (the embedded default runs this on each start)."""
    await run_migrations(config=tortoise_config(db_url))
    await Tortoise.close_connections()


async def open_db(db_url: str, *, apply_migrations: bool = True) -> None:
    """Connect, migrating first so a fresh SQLite file just works."""
    if apply_migrations:
        await migrate(db_url)
    await Tortoise.init(config=tortoise_config(db_url))


async def close_db() -> None:
    """Close every connection opened by `open_db`."""
    await Tortoise.close_connections()


_NUMBERED = re.compile(r"\$(\d+)")


@lru_cache(maxsize=64)
def _for_dialect(sql: str, dialect: str) -> str:
    return _NUMBERED.sub(r"?\1", sql) if dialect == "sqlite" else sql


async def fetch(sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Rows of a hand-written query, for the few that run on every message.

    Building a query through the ORM costs three times what SQLite takes to run one this small,
    so the per-message reads and writes are written out once. Placeholders are `$1, $2…`
    (PostgreSQL's; SQLite reads them as `?1, ?2…`). Runs in the caller's transaction, if any.
    """
    conn = connections.get("default")
    return await conn.execute_query_dict(_for_dialect(sql, conn.capabilities.dialect), list(params))


async def execute(sql: str, params: Sequence[Any] = ()) -> int:
    """Run a hand-written statement (see `fetch`); returns the rows it changed."""
    conn = connections.get("default")
    sql = _for_dialect(sql, conn.capabilities.dialect)
    changed, _ = await conn.execute_query(sql, list(params))
    return changed


IN_LIST = 900  # ids per IN (...) list: below SQLite's historical limit of 999 parameters


def chunks(ids: Sequence[T], size: int = IN_LIST) -> list[list[T]]:
    """`ids` in lists small enough for one IN (...) each, so a set-based query over any number
    of reps or customers stays a handful of statements on both databases."""
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def dialect() -> str:
    """ "sqlite" or "postgres": the few hand-written queries that differ ask here."""
    return connections.get("default").capabilities.dialect


class Params:
    """The one SQL-dialect helper of the hand-written aggregates (reports, receivables):
    numbered placeholders (`$1`, which `fetch` adapts for SQLite), owner scopes, and exact sums
    of money on both databases."""

    __slots__ = ("sqlite", "values")

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.sqlite = dialect() == "sqlite"

    def __call__(self, value: Any) -> str:
        """A placeholder for `value` (dates as ISO text on SQLite, as the ORM stores them)."""
        if self.sqlite and isinstance(value, datetime | date):
            value = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
        self.values.append(value)
        return f"${len(self.values)}"

    def ids(self, values: Iterable[int]) -> str:
        return ", ".join(self(v) for v in sorted(values))

    def scope(self, column: str, owners: Iterable[int] | None) -> str:
        """` AND column IN (…)` for the people in scope; nothing for everyone (None)."""
        return "" if owners is None else f" AND {column} IN ({self.ids(owners) or 'NULL'})"

    def cents(self, expr: str) -> str:
        """An exact sum on both databases: SQLite keeps decimals as text, so sum whole cents."""
        return f"CAST(ROUND(({expr}) * 100) AS INTEGER)" if self.sqlite else f"({expr})"

    def amount(self, raw: Any) -> Decimal:
        """A sum `cents` made, back as money to the cent."""
        if raw is None:
            return Decimal(0).quantize(CENT)
        return (Decimal(raw) / 100 if self.sqlite else Decimal(raw)).quantize(CENT)

    def number(self, column: str) -> str:
        """A decimal column compared as a number (SQLite keeps decimals as text)."""
        return f"CAST({column} AS REAL)" if self.sqlite else column

    @property
    def scan_all(self) -> str:
        """Over half of all invoices are open: on SQLite one sequential scan beats the index."""
        return "NOT INDEXED" if self.sqlite else ""


class _Turn:
    """Where a SQLite turn's transaction stands: BEGIN still to send, or sent."""

    __slots__ = ("begun",)

    def __init__(self) -> None:
        self.begun = False


_TURN: ContextVar[_Turn | None] = ContextVar("crm_turn", default=None)


class _BeginWithFirstRead(SqliteTransactionContext):
    """Tortoise's SQLite transaction (the one connection held, a wrapper set for the task),
    less the BEGIN on entry: `fetch_opening` sends it with the turn's first read."""

    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        await self.ensure_connection()
        self.token = get_connections().set(self.connection_name, self.connection)
        return self.connection  # type: ignore[no-any-return]


@asynccontextmanager
async def turn_transaction() -> AsyncIterator[None]:
    """One transaction for a chat's turn: the message's writes and its new state commit together.

    On SQLite every statement is a round trip to aiosqlite's thread, and a turn is only a few
    statements; Tortoise's BEGIN (two trips) and COMMIT (one) would make it half as many again.
    So the BEGIN travels with the turn's first read (`fetch_opening`) and the COMMIT with its
    last write (`execute_closing`), each in the same trip; what happens between (a service's
    nested transaction, a savepoint) is Tortoise's as usual. PostgreSQL: Tortoise's transaction.
    """
    conn = connections.get("default")
    if conn.capabilities.dialect != "sqlite" or isinstance(conn, TransactionalDBClient):
        outer = _TURN.set(None)  # inside another transaction: its own end, not this save's
        try:
            async with in_transaction():
                yield
        finally:
            _TURN.reset(outer)
        return
    wrapper = SqliteTransactionWrapper(conn)
    turn = _Turn()
    token = _TURN.set(turn)
    try:
        async with _BeginWithFirstRead(wrapper, conn._lock):
            try:
                yield
            finally:
                if not turn.begun:  # nothing ran inside a transaction: nothing to end
                    wrapper._finalized = True
    finally:
        _TURN.reset(token)


def _sqlite_turn() -> tuple[_Turn, Any] | None:
    """The SQLite turn this task is in and aiosqlite's connection under it, if any."""
    turn = _TURN.get()
    if turn is None:
        return None
    conn = connections.get("default")
    if not isinstance(conn, SqliteTransactionWrapper) or conn._finalized:
        return None
    return turn, conn._connection


async def fetch_opening(sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """A turn's first read (see `turn_transaction`): on SQLite it begins the turn's transaction
    in the same round trip."""
    found = _sqlite_turn()
    if found is None or found[0].begun:
        return await fetch(sql, params)
    turn, raw = found
    query, values = _for_dialect(sql, "sqlite"), list(params)

    def begin_and_read() -> list[dict[str, Any]]:  # runs in aiosqlite's thread
        db = raw._conn
        db.execute("BEGIN")
        return [dict(row) for row in db.execute(query, values).fetchall()]

    # aiosqlite runs any callable on its connection's thread through `_execute`; its public
    # methods take one statement each.
    rows: list[dict[str, Any]] = await raw._execute(begin_and_read)
    turn.begun = True
    return rows


async def execute_closing(sql: str, params: Sequence[Any] = ()) -> None:
    """A turn's last write (see `turn_transaction`): on SQLite it commits the turn's transaction
    in the same round trip, so nothing may be written in the turn after it."""
    found = _sqlite_turn()
    if found is None or not found[0].begun:
        await execute(sql, params)
        return
    _, raw = found
    query, values = _for_dialect(sql, "sqlite"), list(params)

    def write_and_commit() -> None:  # runs in aiosqlite's thread
        db = raw._conn
        db.execute(query, values)
        db.commit()

    await raw._execute(write_and_commit)
    wrapper = connections.get("default")
    wrapper._finalized = True  # type: ignore[attr-defined]


# The tortoise CLI (`tortoise -c bot.db.TORTOISE_ORM makemigrations`) reads this for development.
TORTOISE_ORM = tortoise_config("sqlite://crm.db")
