"""The audit trail: who changed what, from what, to what, and when."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditEvent(Model):
    """One recorded change, never updated or deleted."""

    id = fields.IntField(primary_key=True)
    actor_id = fields.IntField(null=True)
    action = fields.CharField(max_length=64, db_index=True)
    entity = fields.CharField(max_length=32)
    entity_id = fields.IntField(null=True)
    before = fields.JSONField(null=True)
    after = fields.JSONField(null=True)
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_events"
        indexes = (("entity", "entity_id"),)
