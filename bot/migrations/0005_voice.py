from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0004_channels")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Visit",
            name="audio_ref",
            field=fields.CharField(default="", max_length=255),
        ),
    ]
