"""A chat's turn on PostgreSQL: its lock and its state in one round trip.

`crm_open_turn` takes the chat's transaction-level advisory lock, then reads who is writing and
where the chat stands, so a turn needs no statement of its own for the lock. It is VOLATILE: its
query reads with a fresh snapshot, taken after the lock was granted, and sees what the chat's
previous turn committed. PL/pgSQL keeps the query's plan for the session, where a SQL function
would plan it on every call. SQLite (one instance) has no such function.
"""

from collections.abc import Awaitable, Callable

from tortoise import migrations
from tortoise.migrations import operations as ops

CREATE = """
CREATE OR REPLACE FUNCTION crm_open_turn(lock_key text, chat_channel text, chat_id text)
RETURNS TABLE (usr users, st dialog_states)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(lock_key, 0));
    RETURN QUERY
        SELECT u, s
        FROM channel_identities i
        JOIN users u ON u.id = i.user_id AND u.active
        LEFT JOIN dialog_states s ON s.channel = i.channel AND s.external_id = i.external_id
        WHERE i.channel = chat_channel AND i.external_id = chat_id;
END
$$
"""
DROP = "DROP FUNCTION IF EXISTS crm_open_turn(text, text, text)"


def on_postgres(sql: str) -> Callable[[object, object], Awaitable[None]]:
    """A migration step that runs `sql` on PostgreSQL and does nothing on SQLite."""

    async def run(apps: object, schema_editor: object) -> None:
        client = schema_editor.client  # type: ignore[attr-defined]
        if client.capabilities.dialect == "postgres":
            await client.execute_script(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("models", "0007_update_order")]

    initial = False

    operations = [ops.RunPython(on_postgres(CREATE), on_postgres(DROP))]
