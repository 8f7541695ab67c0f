from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0009_customer_name_changes")]

    initial = False

    operations = [
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
