"""The name indexes' change log: a table and the triggers that fill it on every change.

Triggers, not the services, write the log, so a customer created, renamed, handed over, merged
or imported by any path (row inserts, bulk inserts, COPY) is recorded in the same transaction.
On PostgreSQL each row also records its transaction (`xid`), which instances read against their
snapshot's xmin to catch up without skipping a transaction that commits late.
"""

from collections.abc import Awaitable, Callable

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

POSTGRES = """
ALTER TABLE customer_name_changes ALTER COLUMN xid SET DEFAULT pg_current_xact_id()::text::bigint;

CREATE OR REPLACE FUNCTION crm_customer_named() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO customer_name_changes (customer_id) VALUES (OLD.id);
    ELSIF TG_OP = 'INSERT' OR NEW.normalized_name IS DISTINCT FROM OLD.normalized_name
            OR NEW.owner_id IS DISTINCT FROM OLD.owner_id THEN
        INSERT INTO customer_name_changes (customer_id, normalized_name, owner_id)
        VALUES (NEW.id, NEW.normalized_name, NEW.owner_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION crm_alias_named() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO customer_name_changes (customer_id, alias_id) VALUES (OLD.customer_id, OLD.id);
    ELSIF TG_OP = 'INSERT' OR NEW.normalized_name IS DISTINCT FROM OLD.normalized_name
            OR NEW.customer_id IS DISTINCT FROM OLD.customer_id THEN
        INSERT INTO customer_name_changes (customer_id, alias_id, normalized_name)
        VALUES (NEW.customer_id, NEW.id, NEW.normalized_name);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER customers_named AFTER INSERT OR DELETE OR UPDATE OF normalized_name, owner_id
    ON customers FOR EACH ROW EXECUTE FUNCTION crm_customer_named();
CREATE TRIGGER customer_aliases_named
    AFTER INSERT OR DELETE OR UPDATE OF normalized_name, customer_id
    ON customer_aliases FOR EACH ROW EXECUTE FUNCTION crm_alias_named();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS customers_named ON customers;
DROP TRIGGER IF EXISTS customer_aliases_named ON customer_aliases;
DROP FUNCTION IF EXISTS crm_customer_named();
DROP FUNCTION IF EXISTS crm_alias_named();
"""

SQLITE = """
CREATE TRIGGER customers_named_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customer_name_changes (customer_id, normalized_name, owner_id)
    VALUES (NEW.id, NEW.normalized_name, NEW.owner_id);
END;
CREATE TRIGGER customers_named_update AFTER UPDATE OF normalized_name, owner_id ON customers
WHEN NEW.normalized_name IS NOT OLD.normalized_name OR NEW.owner_id IS NOT OLD.owner_id BEGIN
    INSERT INTO customer_name_changes (customer_id, normalized_name, owner_id)
    VALUES (NEW.id, NEW.normalized_name, NEW.owner_id);
END;
CREATE TRIGGER customers_named_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customer_name_changes (customer_id) VALUES (OLD.id);
END;
CREATE TRIGGER customer_aliases_named_insert AFTER INSERT ON customer_aliases BEGIN
    INSERT INTO customer_name_changes (customer_id, alias_id, normalized_name)
    VALUES (NEW.customer_id, NEW.id, NEW.normalized_name);
END;
CREATE TRIGGER customer_aliases_named_update
AFTER UPDATE OF normalized_name, customer_id ON customer_aliases
WHEN NEW.normalized_name IS NOT OLD.normalized_name OR NEW.customer_id IS NOT OLD.customer_id
BEGIN
    INSERT INTO customer_name_changes (customer_id, alias_id, normalized_name)
    VALUES (NEW.customer_id, NEW.id, NEW.normalized_name);
END;
CREATE TRIGGER customer_aliases_named_delete AFTER DELETE ON customer_aliases BEGIN
    INSERT INTO customer_name_changes (customer_id, alias_id) VALUES (OLD.customer_id, OLD.id);
END;
"""

SQLITE_DROP = """
DROP TRIGGER IF EXISTS customers_named_insert;
DROP TRIGGER IF EXISTS customers_named_update;
DROP TRIGGER IF EXISTS customers_named_delete;
DROP TRIGGER IF EXISTS customer_aliases_named_insert;
DROP TRIGGER IF EXISTS customer_aliases_named_update;
DROP TRIGGER IF EXISTS customer_aliases_named_delete;
"""


def per_dialect(postgres: str, sqlite: str) -> Callable[[object, object], Awaitable[None]]:
    """A migration step that runs the script written for the database's dialect."""

    async def run(apps: object, schema_editor: object) -> None:
        client = schema_editor.client  # type: ignore[attr-defined]
        dialect = client.capabilities.dialect
        await client.execute_script(postgres if dialect == "postgres" else sqlite)

    return run


class Migration(migrations.Migration):
    dependencies = [("models", "0008_turn_function")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CustomerNameChange",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("customer_id", fields.IntField()),
                ("alias_id", fields.IntField(null=True)),
                ("normalized_name", fields.CharField(null=True, max_length=200)),
                ("owner_id", fields.IntField(null=True)),
                ("xid", fields.BigIntField(null=True, db_index=True)),
            ],
            options={
                "table": "customer_name_changes",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One committed change to what the name indexes hold, written by database triggers on",
            },
            bases=["Model"],
        ),
        ops.RunPython(per_dialect(POSTGRES, SQLITE), per_dialect(POSTGRES_DROP, SQLITE_DROP)),
    ]
