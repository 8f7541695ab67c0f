from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_voice')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomerAlias',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='aliases', on_delete=OnDelete.CASCADE)),
                ('merged_id', fields.IntField()),
                ('name', fields.CharField(max_length=200)),
                ('normalized_name', fields.CharField(db_index=True, max_length=200)),
                ('phone', fields.CharField(null=True, db_index=True, max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'customer_aliases', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The name and phone of a customer merged into another: still searchable, so the old name'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Visit',
            index=Index(fields=['user_id', 'at']),
        ),
    ]
