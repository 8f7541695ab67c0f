from tortoise import migrations
from tortoise.migrations import operations as ops
from bot.models.approvals import ApprovalKind, ApprovalStatus
from bot.models.deals import Stage
from bot.models.receivables import InvoiceStatus
from decimal import Decimal
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_outbox')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Deal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='deals', on_delete=OnDelete.CASCADE)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='deals', on_delete=OnDelete.RESTRICT)),
                ('title', fields.CharField(max_length=200)),
                ('amount', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('currency', fields.CharField(default='CNY', max_length=3)),
                ('stage', fields.CharEnumField(default=Stage.LEAD, description='LEAD: lead\nQUALIFIED: qualified\nPROPOSAL: proposal\nNEGOTIATION: negotiation\nWON: won\nLOST: lost', enum_type=Stage, max_length=12)),
                ('probability', fields.IntField(null=True)),
                ('discount_percent', fields.DecimalField(null=True, max_digits=5, decimal_places=2)),
                ('expected_close', fields.DateField(null=True)),
                ('lost_reason', fields.CharField(default='', max_length=300)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'deals', 'app': 'models', 'indexes': [Index(fields=['owner_id', 'stage']), Index(fields=['customer_id'])], 'pk_attr': 'id', 'table_description': 'A possible sale to a customer, owned by a rep.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApprovalRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='DISCOUNT: discount\nCREDIT_LIMIT: credit_limit\nEXPENSE: expense\nHANDOVER: handover', enum_type=ApprovalKind, max_length=16)),
                ('requester', fields.ForeignKeyField('models.User', source_field='requester_id', db_constraint=True, to_field='id', related_name='approval_requests', on_delete=OnDelete.RESTRICT)),
                ('approver', fields.ForeignKeyField('models.User', source_field='approver_id', null=True, db_constraint=True, to_field='id', related_name='approvals_waiting', on_delete=OnDelete.SET_NULL)),
                ('deal', fields.ForeignKeyField('models.Deal', source_field='deal_id', null=True, db_constraint=True, to_field='id', related_name='approval_requests', on_delete=OnDelete.SET_NULL)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', null=True, db_constraint=True, to_field='id', related_name='approval_requests', on_delete=OnDelete.SET_NULL)),
                ('amount', fields.DecimalField(null=True, max_digits=18, decimal_places=2)),
                ('percent', fields.DecimalField(null=True, max_digits=5, decimal_places=2)),
                ('currency', fields.CharField(default='', max_length=3)),
                ('category', fields.CharField(default='', max_length=64)),
                ('note', fields.TextField(default='', unique=False)),
                ('attachment_ref', fields.CharField(default='', max_length=200)),
                ('target_user_id', fields.IntField(null=True)),
                ('level', fields.IntField(default=1)),
                ('levels_needed', fields.IntField(default=1)),
                ('status', fields.CharEnumField(default=ApprovalStatus.PENDING, description='PENDING: pending\nAPPROVED: approved\nREJECTED: rejected', enum_type=ApprovalStatus, max_length=10)),
                ('decided_by', fields.ForeignKeyField('models.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('comment', fields.CharField(default='', max_length=500)),
                ('waiting_since', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'approval_requests', 'app': 'models', 'indexes': [Index(fields=['approver_id', 'status']), Index(fields=['status', 'waiting_since'])], 'pk_attr': 'id', 'table_description': "A rep's request that climbs the manager chain, level by level, until decided."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApprovalDecision',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('request', fields.ForeignKeyField('models.ApprovalRequest', source_field='request_id', db_constraint=True, to_field='id', related_name='decisions', on_delete=OnDelete.CASCADE)),
                ('level', fields.IntField()),
                ('approver', fields.ForeignKeyField('models.User', source_field='approver_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('approved', fields.BooleanField()),
                ('comment', fields.CharField(default='', max_length=500)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'approval_decisions', 'app': 'models', 'unique_together': (('request_id', 'level'),), 'pk_attr': 'id', 'table_description': "One approver's decision at one level of a request (the audit of the chain)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DealStageChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('deal', fields.ForeignKeyField('models.Deal', source_field='deal_id', db_constraint=True, to_field='id', related_name='stage_changes', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('from_stage', fields.CharEnumField(null=True, description='LEAD: lead\nQUALIFIED: qualified\nPROPOSAL: proposal\nNEGOTIATION: negotiation\nWON: won\nLOST: lost', enum_type=Stage, max_length=12)),
                ('to_stage', fields.CharEnumField(description='LEAD: lead\nQUALIFIED: qualified\nPROPOSAL: proposal\nNEGOTIATION: negotiation\nWON: won\nLOST: lost', enum_type=Stage, max_length=12)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'deal_stage_changes', 'app': 'models', 'indexes': [Index(fields=['deal_id', 'at']), Index(fields=['at'])], 'pk_attr': 'id', 'table_description': 'One move of a deal between stages: who, from, to, when.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invoice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=64)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='invoices', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('paid_amount', fields.DecimalField(default=Decimal('0'), max_digits=18, decimal_places=2)),
                ('currency', fields.CharField(default='CNY', max_length=3)),
                ('issue_date', fields.DateField()),
                ('due_date', fields.DateField()),
                ('status', fields.CharEnumField(default=InvoiceStatus.OPEN, description='OPEN: open\nPAID: paid\nVOID: void', enum_type=InvoiceStatus, max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'invoices', 'app': 'models', 'indexes': [Index(fields=['status', 'due_date']), Index(fields=['customer_id', 'status'])], 'pk_attr': 'id', 'table_description': 'An amount a customer owes from its issue date, due on its due date.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Payment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('currency', fields.CharField(default='CNY', max_length=3)),
                ('paid_on', fields.DateField()),
                ('method', fields.CharField(default='', max_length=32)),
                ('reference', fields.CharField(default='', max_length=100)),
                ('recorded_by', fields.ForeignKeyField('models.User', source_field='recorded_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payments', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Money received from a customer, allocated to one or more invoices.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentAllocation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('payment', fields.ForeignKeyField('models.Payment', source_field='payment_id', db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.CASCADE)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.DecimalField(max_digits=18, decimal_places=2)),
            ],
            options={'table': 'payment_allocations', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The part of a payment applied to one invoice.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Task',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('assignee', fields.ForeignKeyField('models.User', source_field='assignee_id', db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.RESTRICT)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', null=True, db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.SET_NULL)),
                ('text', fields.CharField(max_length=500)),
                ('due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tasks', 'app': 'models', 'indexes': [Index(fields=['assignee_id', 'done_at', 'due_at'])], 'pk_attr': 'id', 'table_description': 'A to-do with a due date, assigned to a person and closed from the chat.'},
            bases=['Model'],
        ),
    ]
