from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from bot.models.customers import CustomerStatus
from bot.models.users import Role
from bot.models.visits import VisitKind
from decimal import Decimal
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor_id', fields.IntField(null=True)),
                ('action', fields.CharField(db_index=True, max_length=64)),
                ('entity', fields.CharField(max_length=32)),
                ('entity_id', fields.IntField(null=True)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_events', 'app': 'models', 'indexes': [Index(fields=['entity', 'entity_id'])], 'pk_attr': 'id', 'table_description': 'One recorded change, never updated or deleted.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DialogState',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(max_length=16)),
                ('external_id', fields.CharField(max_length=128)),
                ('user_id', fields.IntField(null=True)),
                ('dialog', fields.CharField(null=True, max_length=32)),
                ('step', fields.CharField(null=True, max_length=64)),
                ('token', fields.CharField(default='', max_length=8)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('buttons', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'dialog_states', 'app': 'models', 'unique_together': (('channel', 'external_id'),), 'pk_attr': 'id', 'table_description': 'One row per (channel, chat): the open dialog, its step and data, the last buttons shown.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('role', fields.CharEnumField(default=Role.REP, description='REP: rep\nMANAGER: manager\nFINANCE: finance\nADMIN: admin', enum_type=Role, max_length=10)),
                ('manager', fields.ForeignKeyField('models.User', source_field='manager_id', null=True, db_constraint=True, to_field='id', related_name='reports', on_delete=OnDelete.SET_NULL)),
                ('locale', fields.CharField(default='en', max_length=10)),
                ('timezone', fields.CharField(default='Asia/Shanghai', max_length=64)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'users', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A person of the company, owns customers and follow-ups, reports to a manager.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChannelIdentity',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(max_length=16)),
                ('external_id', fields.CharField(max_length=128)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='identities', on_delete=OnDelete.CASCADE)),
                ('display_name', fields.CharField(default='', max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'channel_identities', 'app': 'models', 'unique_together': (('channel', 'external_id'),), 'pk_attr': 'id', 'table_description': 'One account on one messenger (or the console) that speaks for a user.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Customer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('normalized_name', fields.CharField(db_index=True, max_length=200)),
                ('phone', fields.CharField(null=True, db_index=True, max_length=32)),
                ('address', fields.CharField(default='', max_length=300)),
                ('industry', fields.CharField(default='', max_length=100)),
                ('tier', fields.CharField(default='', max_length=1)),
                ('status', fields.CharEnumField(default=CustomerStatus.ACTIVE, description='ACTIVE: active\nPROSPECT: prospect\nINACTIVE: inactive', enum_type=CustomerStatus, max_length=10)),
                ('credit_limit', fields.DecimalField(default=Decimal('0'), max_digits=16, decimal_places=2)),
                ('notes', fields.TextField(default='', unique=False)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='customers', on_delete=OnDelete.RESTRICT)),
                ('last_contact_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'customers', 'app': 'models', 'indexes': [Index(fields=['owner_id', 'last_contact_at']), Index(fields=['updated_at'])], 'pk_attr': 'id', 'table_description': 'One company account, exactly one owner at a time.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Contact',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='contacts', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('title', fields.CharField(default='', max_length=100)),
                ('phone', fields.CharField(null=True, max_length=32)),
                ('email', fields.CharField(default='', max_length=200)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'contacts', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A person at a customer the rep talks to.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invite',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('role', fields.CharEnumField(description='REP: rep\nMANAGER: manager\nFINANCE: finance\nADMIN: admin', enum_type=Role, max_length=10)),
                ('name', fields.CharField(default='', max_length=100)),
                ('manager', fields.ForeignKeyField('models.User', source_field='manager_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('used_by', fields.ForeignKeyField('models.User', source_field='used_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'invites', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A one-time code an admin hands out, redeeming it creates the user.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Visit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='visits', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='visits', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(default=VisitKind.VISIT, description='VISIT: visit\nCALL: call\nMESSAGE: message\nMEETING: meeting', enum_type=VisitKind, max_length=10)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('notes', fields.TextField(default='', unique=False)),
                ('outcome', fields.CharField(default='', max_length=200)),
                ('next_step', fields.CharField(default='', max_length=300)),
                ('next_followup_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('followup_owner', fields.ForeignKeyField('models.User', source_field='followup_owner_id', null=True, db_constraint=True, to_field='id', related_name='followups', on_delete=OnDelete.SET_NULL)),
                ('followup_done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('latitude', fields.FloatField(null=True)),
                ('longitude', fields.FloatField(null=True)),
                ('transcript', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'visits', 'app': 'models', 'indexes': [Index(fields=['followup_owner_id', 'followup_done_at', 'next_followup_at']), Index(fields=['customer_id', 'at'])], 'pk_attr': 'id', 'table_description': 'One contact with a customer, its follow-up is open until done or superseded.'},
            bases=['Model'],
        ),
    ]
