from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0006_aliases")]

    initial = False

    operations = [
        ops.AddField(
            model_name="ProcessedUpdate",
            name="chat",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="ProcessedUpdate",
            name="seq",
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name="ProcessedUpdate",
            name="handled",
            field=fields.BooleanField(default=False),
        ),
        ops.AddIndex(
            model_name="ProcessedUpdate",
            index=Index(fields=["channel", "chat", "seq"]),
        ),
    ]
