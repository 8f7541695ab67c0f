"""Approval requests and plain tasks: work that waits for a person."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from bot.models.customers import Customer
from bot.models.deals import Deal
from bot.models.users import User


class ApprovalKind(StrEnum):
    """What is asked for."""

    DISCOUNT = "discount"
    CREDIT_LIMIT = "credit_limit"
    EXPENSE = "expense"
    HANDOVER = "handover"


class ApprovalStatus(StrEnum):
    """Pending until decided, and decided once."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ApprovalRequest(Model):
    """A rep's request that climbs the manager chain, level by level, until decided."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(ApprovalKind, max_length=16)
    requester: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="approval_requests", on_delete=fields.RESTRICT
    )
    requester_id: int
    approver: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="approvals_waiting", null=True, on_delete=fields.SET_NULL
    )
    approver_id: int | None
    deal: fields.ForeignKeyNullableRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="approval_requests", null=True, on_delete=fields.SET_NULL
    )
    deal_id: int | None
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer",
        related_name="approval_requests",
        null=True,
        on_delete=fields.SET_NULL,
    )
    customer_id: int | None
    amount = fields.DecimalField(max_digits=18, decimal_places=2, null=True)
    percent = fields.DecimalField(max_digits=5, decimal_places=2, null=True)
    currency = fields.CharField(max_length=3, default="")
    category = fields.CharField(max_length=64, default="")
    note = fields.TextField(default="")
    attachment_ref = fields.CharField(max_length=200, default="")
    target_user_id = fields.IntField(null=True)
    level = fields.IntField(default=1)
    levels_needed = fields.IntField(default=1)
    status = fields.CharEnumField(ApprovalStatus, max_length=10, default=ApprovalStatus.PENDING)
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    decided_by_id: int | None
    decided_at = fields.DatetimeField(null=True)
    comment = fields.CharField(max_length=500, default="")
    waiting_since = fields.DatetimeField()
    reminded_at = fields.DatetimeField(null=True)
    escalated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "approval_requests"
        indexes = (("approver_id", "status"), ("status", "waiting_since"))


class ApprovalDecision(Model):
    """One approver's decision at one level of a request (the audit of the chain)."""

    id = fields.IntField(primary_key=True)
    request: fields.ForeignKeyRelation[ApprovalRequest] = fields.ForeignKeyField(
        "models.ApprovalRequest", related_name="decisions", on_delete=fields.CASCADE
    )
    request_id: int
    level = fields.IntField()
    approver: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.RESTRICT
    )
    approver_id: int
    approved = fields.BooleanField()
    comment = fields.CharField(max_length=500, default="")
    at = fields.DatetimeField()

    class Meta:
        table = "approval_decisions"
        unique_together = (("request_id", "level"),)


class Task(Model):
    """A to-do with a due date, assigned to a person and closed from the chat."""

    id = fields.IntField(primary_key=True)
    assignee: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tasks", on_delete=fields.RESTRICT
    )
    assignee_id: int
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="tasks", null=True, on_delete=fields.SET_NULL
    )
    customer_id: int | None
    text = fields.CharField(max_length=500)
    due_at = fields.DatetimeField(null=True)
    done_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tasks"
        indexes = (("assignee_id", "done_at", "due_at"),)
