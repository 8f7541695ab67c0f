"""Check-out (the second point, its time, the minutes on site) and the photos attached to a
visit, whose bytes the photo store keeps by content hash."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0012_pool_targets_reports')]

    initial = False

    operations = [
        ops.CreateModel(
            name='VisitPhoto',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('visit', fields.ForeignKeyField('models.Visit', source_field='visit_id', db_constraint=True, to_field='id', related_name='photos', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='photos', on_delete=OnDelete.RESTRICT)),
                ('sha256', fields.CharField(max_length=64)),
                ('mime', fields.CharField(max_length=50)),
                ('size', fields.IntField()),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'visit_photos', 'app': 'models', 'unique_together': (('visit_id', 'sha256'),), 'pk_attr': 'id', 'table_description': 'A photo attached to a visit (a shelf, a signed form, a business card). The bytes live in'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Visit',
            name='checkout_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Visit',
            name='checkout_distance_m',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Visit',
            name='checkout_far',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Visit',
            name='checkout_latitude',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Visit',
            name='checkout_longitude',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Visit',
            name='minutes_on_site',
            field=fields.IntField(null=True),
        ),
    ]
