"""Conversation state behind one interface: a Tortoise store for the product, memory for tests.

State is plain JSON under a frozen key (channel, chat), step names are strings such as
"visit:notes", so a stored conversation stays readable and survives a restart of the bot.

A chat's turn (`turn`) is one database transaction; its first read (`open`) takes the chat's lock,
so the state is read under the lock and the message's business writes commit together with the new
state: two instances handed two taps of one chat take turns, and the second sees what the first
saved.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from tortoise import connections

from bot import db
from bot.models import DialogState, User
from bot.services.people import users


@dataclass(frozen=True, slots=True)
class StorageKey:
    """Who the conversation is with: one chat on one channel."""

    channel: str
    external_id: str


@dataclass(slots=True)
class Conversation:
    """Where one chat stands: the open dialog (if any) and the last buttons shown."""

    dialog: str | None = None
    step: str | None = None
    token: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    buttons: list[list[str]] = field(default_factory=list)
    expires_at: datetime | None = None
    user_id: int | None = None

    def end_dialog(self) -> None:
        self.dialog = None
        self.step = None
        self.token = ""
        self.data = {}
        self.expires_at = None


class StateStorage(Protocol):
    """Load and save a chat's conversation; callers open and save inside the chat's `turn`."""

    def turn(self, key: StorageKey) -> AbstractAsyncContextManager[None]:
        """One transaction: what the block writes, the state included, commits at its end or
        not at all."""
        ...

    async def load(self, key: StorageKey) -> Conversation: ...

    async def open(self, key: StorageKey) -> tuple[User | None, Conversation]:
        """Hold the chat against every process until the turn ends, then say who is writing
        (None for a stranger or a deactivated user) and where the chat stands: the first thing
        every turn does, so a database does all three in one round trip."""
        ...

    async def save(self, key: StorageKey, conversation: Conversation, *, now: datetime) -> None: ...


class MemoryStorage:
    """In-memory storage for unit tests; copies on the way in and out, as a database would.

    One process only: the engine's per-chat asyncio lock is all the holding a turn needs.
    """

    def __init__(self) -> None:
        self._rows: dict[StorageKey, Conversation] = {}

    @asynccontextmanager
    async def turn(self, key: StorageKey) -> AsyncIterator[None]:
        yield

    async def load(self, key: StorageKey) -> Conversation:
        return copy.deepcopy(self._rows.get(key, Conversation()))

    async def open(self, key: StorageKey) -> tuple[User | None, Conversation]:
        return await users.identify(key.channel, key.external_id), await self.load(key)

    async def save(self, key: StorageKey, conversation: Conversation, *, now: datetime) -> None:
        self._rows[key] = copy.deepcopy(conversation)


_STATE_COLUMNS = "dialog, step, token, data, buttons, expires_at, user_id"
_LOAD = f"SELECT {_STATE_COLUMNS} FROM dialog_states WHERE channel = $1 AND external_id = $2"
_OPEN = """
SELECT u.*, s.dialog AS s_dialog, s.step AS s_step, s.token AS s_token, s.data AS s_data,
    s.buttons AS s_buttons, s.expires_at AS s_expires_at, s.user_id AS s_user_id
FROM channel_identities i
JOIN users u ON u.id = i.user_id AND u.active
LEFT JOIN dialog_states s ON s.channel = i.channel AND s.external_id = i.external_id
WHERE i.channel = $1 AND i.external_id = $2
"""
_SAVE = """
INSERT INTO dialog_states
    (channel, external_id, dialog, step, token, data, buttons, expires_at, user_id, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (channel, external_id) DO UPDATE SET
    dialog = excluded.dialog, step = excluded.step, token = excluded.token,
    data = excluded.data, buttons = excluded.buttons, expires_at = excluded.expires_at,
    user_id = excluded.user_id, updated_at = excluded.updated_at
"""
# On PostgreSQL the same read behind the chat's transaction-level advisory lock, taken by the
# `crm_open_turn` function (migration 0008) in the same round trip: released by the commit or
# rollback, so a crashed instance cannot leave a chat locked. Two keys hashing alike only wait
# for each other.
_OPEN_LOCKED = """
SELECT (t.usr).*, (t.st).dialog AS s_dialog, (t.st).step AS s_step, (t.st).token AS s_token,
    (t.st).data AS s_data, (t.st).buttons AS s_buttons, (t.st).expires_at AS s_expires_at,
    (t.st).user_id AS s_user_id
FROM crm_open_turn($1, $2, $3) AS t
"""
_EXPIRES_AT = DialogState._meta.fields_map["expires_at"]
# A pushed card's buttons become the chat's numbered buttons unless a dialog is open there (its
# question's buttons stay what a typed number or word means); a chat never seen gets its row.
_OFFER = """
INSERT INTO dialog_states
    (channel, external_id, dialog, step, token, data, buttons, expires_at, user_id, updated_at)
VALUES ($1, $2, NULL, NULL, '', '{}', $3, NULL, NULL, $4)
ON CONFLICT (channel, external_id) DO UPDATE SET
    buttons = excluded.buttons, updated_at = excluded.updated_at
WHERE dialog_states.dialog IS NULL
"""


async def offer_buttons(key: StorageKey, buttons: list[list[str]], *, now: datetime) -> None:
    """Remember the numbered buttons of a message the bot pushed to a chat (an approval card,
    a summary) as the chat's last buttons, so a typed "2", "approve" or "驳回" acts on them as
    it would on a card the dialog showed. One conditional upsert: a turn of the same chat that
    saves later wins, as its reply is the newer message on screen."""
    payload = json.dumps(buttons, ensure_ascii=False, separators=(",", ":"))
    await db.execute(_OFFER, (key.channel, key.external_id, payload, now.astimezone(UTC)))


class TortoiseStorage:
    """The product's storage: one `dialog_states` row per chat, read and upserted by hand-written
    SQL since both run on every message.

    On PostgreSQL, where several instances share the database, a turn's `open` takes an advisory
    lock keyed by (channel, chat) before it reads. SQLite serves one instance: its transaction
    already holds the only connection, and the engine's per-chat asyncio lock orders a chat's
    messages.
    """

    @asynccontextmanager
    async def turn(self, key: StorageKey) -> AsyncIterator[None]:
        async with db.turn_transaction():
            yield

    async def load(self, key: StorageKey) -> Conversation:
        rows = await db.fetch(_LOAD, (key.channel, key.external_id))
        return _conversation(rows[0]) if rows else Conversation()

    async def open(self, key: StorageKey) -> tuple[User | None, Conversation]:
        rows = await db.fetch_opening(*self._open_query(key))
        if not rows:
            return None, Conversation()
        row = rows[0]
        state = {name[2:]: row.pop(name) for name in list(row) if name.startswith("s_")}
        user = User._init_from_db(**row)
        return user, _conversation(state) if state["token"] is not None else Conversation()

    @staticmethod
    def _open_query(key: StorageKey) -> tuple[str, tuple[str, ...]]:
        """The turn's first read: behind the chat's lock on PostgreSQL."""
        if connections.get("default").capabilities.dialect == "postgres":
            lock_key = f"{key.channel}\x1f{key.external_id}"
            return _OPEN_LOCKED, (lock_key, key.channel, key.external_id)
        return _OPEN, (key.channel, key.external_id)

    async def save(self, key: StorageKey, conversation: Conversation, *, now: datetime) -> None:
        """The turn's last write: on SQLite it commits the turn in the same round trip."""
        await db.execute_closing(
            _SAVE,
            (
                key.channel,
                key.external_id,
                conversation.dialog,
                conversation.step,
                conversation.token,
                json.dumps(conversation.data, ensure_ascii=False, separators=(",", ":")),
                json.dumps(conversation.buttons, ensure_ascii=False, separators=(",", ":")),
                # Stored in UTC as the ORM stores datetimes: SQLite compares them as text.
                conversation.expires_at.astimezone(UTC) if conversation.expires_at else None,
                conversation.user_id,
                now.astimezone(UTC),
            ),
        )


def _conversation(row: dict[str, Any]) -> Conversation:
    return Conversation(
        dialog=row["dialog"],
        step=row["step"],
        token=row["token"],
        data=_json(row["data"]) or {},
        buttons=[list(pair) for pair in _json(row["buttons"]) or []],
        expires_at=_EXPIRES_AT.to_python_value(row["expires_at"]),
        user_id=row["user_id"],
    )


def _json(value: Any) -> Any:
    """JSON columns come back as text from both drivers (no codec is registered)."""
    return json.loads(value) if isinstance(value, str | bytes) else value
