from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0010_intake")]

    initial = False

    operations = [
        ops.AddField(model_name="Customer", name="latitude", field=fields.FloatField(null=True)),
        ops.AddField(model_name="Customer", name="longitude", field=fields.FloatField(null=True)),
        ops.AddField(
            model_name="Customer", name="place_learned", field=fields.BooleanField(default=False, db_default=False)
        ),
        ops.AddIndex(model_name="Customer", index=Index(fields=["latitude", "longitude"])),
        ops.AddField(model_name="Visit", name="distance_m", field=fields.IntField(null=True)),
        ops.AddField(model_name="Visit", name="far", field=fields.BooleanField(default=False, db_default=False)),
        ops.AddField(
            model_name="Visit", name="too_fast", field=fields.BooleanField(default=False, db_default=False)
        ),
    ]
