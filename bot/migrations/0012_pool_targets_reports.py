"""The public pool (a customer may have no owner; its moves), monthly targets, and the daily
report with its comments.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from bot.models.daily_reports import ReportStatus
from bot.models.pool import PoolMoveKind
from bot.models.targets import TargetMetric, TargetScope
from decimal import Decimal
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

OWNER_NOT_NULL = '"owner_id" INT NOT NULL REFERENCES'
OWNER_NULL = '"owner_id" INT REFERENCES'


class OwnerMayBeEmpty(ops.AlterField):
    """`customers.owner_id` loses NOT NULL in place, on both databases.

    SQLite cannot alter a column, and the generic way (build a new table, copy, drop the old)
    would cascade the drop to every visit and deal of every customer. Removing a NOT NULL does
    not change how rows are stored, and for that SQLite documents editing the table's schema
    text directly (writable_schema) and bumping the schema version so connections reread it.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is None:
            return
        client = state_editor.client
        if client.capabilities.dialect != "sqlite":
            await client.execute_script("ALTER TABLE customers ALTER COLUMN owner_id DROP NOT NULL")
            return
        version = (await client.execute_query_dict("PRAGMA schema_version"))[0]["schema_version"]
        await client.execute_script(
            "PRAGMA writable_schema = ON;"
            f"UPDATE sqlite_master SET sql = replace(sql, '{OWNER_NOT_NULL}', '{OWNER_NULL}') "
            "WHERE type = 'table' AND name = 'customers';"
            "PRAGMA writable_schema = OFF;"
            f"PRAGMA schema_version = {int(version) + 1};"
        )

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        """Going back leaves the column as it is: pooled customers would have no owner to put."""


class Migration(migrations.Migration):
    dependencies = [("models", "0011_places")]

    initial = False

    operations = [
        ops.CreateModel(
            name="DailyReport",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="daily_reports",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("day", fields.DateField()),
                ("weekly", fields.BooleanField(default=False, db_default=False)),
                ("draft", fields.TextField(default="", unique=False)),
                ("note", fields.TextField(default="", unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=ReportStatus.DRAFT,
                        description="DRAFT: draft\nSENT: sent",
                        enum_type=ReportStatus,
                        max_length=5,
                    ),
                ),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "daily_reports",
                "app": "models",
                "unique_together": (("user_id", "day"),),
                "indexes": [Index(fields=["day", "status"])],
                "pk_attr": "id",
                "table_description": "One rep's report for one day (their own zone's day), at most one per rep and day.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PoolMove",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="pool_moves",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="RETURNED: returned\nRELEASED: released\nCLAIMED: claimed\nASSIGNED: assigned",
                        enum_type=PoolMoveKind,
                        max_length=10,
                    ),
                ),
                ("user_id", fields.IntField(null=True)),
                ("actor_id", fields.IntField(null=True)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "pool_moves",
                "app": "models",
                "indexes": [
                    Index(fields=["user_id", "kind", "at"]),
                    Index(fields=["customer_id", "at"]),
                ],
                "pk_attr": "id",
                "table_description": "One move of one customer into or out of the pool, never updated or deleted.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReportComment",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "report",
                    fields.ForeignKeyField(
                        "models.DailyReport",
                        source_field="report_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="comments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("author_id", fields.IntField(null=True)),
                ("text", fields.TextField(unique=False)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "report_comments",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A manager's comment on a report, sent back to the rep.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Target",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "scope",
                    fields.CharEnumField(
                        description="REP: rep\nTEAM: team", enum_type=TargetScope, max_length=4
                    ),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="targets",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("month", fields.DateField()),
                (
                    "metric",
                    fields.CharEnumField(
                        description="WON: won\nCOLLECTED: collected\nVISITS: visits",
                        enum_type=TargetMetric,
                        max_length=10,
                    ),
                ),
                (
                    "amount",
                    fields.DecimalField(default=Decimal("0"), max_digits=18, decimal_places=2),
                ),
                ("currency", fields.CharField(default="", max_length=3)),
                ("set_by_id", fields.IntField(null=True)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "targets",
                "app": "models",
                "unique_together": (("scope", "user_id", "month", "metric"),),
                "indexes": [Index(fields=["month", "metric"])],
                "pk_attr": "id",
                "table_description": "One number for one month: a rep's (`scope` rep, `user` the rep) or a team's (`scope`",
            },
            bases=["Model"],
        ),
        ops.AlterModelOptions(
            name="Customer",
            options={
                "table": "customers",
                "app": "models",
                "indexes": [
                    Index(fields=["owner_id", "last_contact_at"]),
                    Index(fields=["updated_at"]),
                    Index(fields=["latitude", "longitude"]),
                ],
                "pk_attr": "id",
                "table_description": "One company account: one owner at a time, or none while it waits in the public pool",
            },
        ),
        OwnerMayBeEmpty(
            model_name="Customer",
            name="owner",
            field=fields.ForeignKeyField(
                "models.User",
                source_field="owner_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="customers",
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="Customer",
            name="pooled_at",
            field=fields.DatetimeField(
                null=True, db_index=True, auto_now=False, auto_now_add=False
            ),
        ),
        ops.AddField(
            model_name="Customer",
            name="previous_owner",
            field=fields.ForeignKeyField(
                "models.User",
                source_field="previous_owner_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AlterModelOptions(
            name="StrangerNotice",
            options={
                "table": "stranger_notices",
                "app": "models",
                "unique_together": (("channel", "external_id", "kind"),),
                "pk_attr": "id",
                "table_description": "When a chat the bot does not know was last told something (`kind`: how to get in, or",
            },
        ),
    ]
