"""Durable intake (the payload stored with its claim, the lease of the instance handling it, the
pending updates found by a partial index) and the notices strangers were given."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

PENDING = (
    "CREATE INDEX IF NOT EXISTS processed_updates_pending "
    "ON processed_updates (channel, seq) WHERE NOT handled"
)
NO_PENDING = "DROP INDEX IF EXISTS processed_updates_pending"


def script(sql: str):
    """A step that runs `sql` as it stands on both databases (partial indexes exist on both)."""

    async def run(apps: object, schema_editor: object) -> None:
        await schema_editor.client.execute_script(sql)  # type: ignore[attr-defined]

    return run


class Migration(migrations.Migration):
    dependencies = [("models", "0009_customer_name_changes")]

    initial = False

    operations = [
        ops.AddField(
            model_name="ProcessedUpdate",
            name="payload",
            field=fields.TextField(null=True),
        ),
        ops.AddField(
            model_name="ProcessedUpdate",
            name="taken_until",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunPython(script(PENDING), script(NO_PENDING)),
        ops.CreateModel(
            name="StrangerNotice",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("channel", fields.CharField(max_length=16)),
                ("external_id", fields.CharField(max_length=128)),
                ("kind", fields.CharField(max_length=16)),
                ("told_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "stranger_notices",
                "app": "models",
                "unique_together": (("channel", "external_id", "kind"),),
                "pk_attr": "id",
                "table_description": "When a chat the bot does not know was last told how to get in.",
            },
            bases=["Model"],
        ),
    ]
