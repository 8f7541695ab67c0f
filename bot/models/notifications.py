"""The outbox: messages the bot sends first, written with the change that caused them."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from bot.models.users import User


class NotificationStatus(StrEnum):
    """Where a notification is on its way to the recipient."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notification(Model):
    """One message for one person, delivered once: the dedupe key is unique."""

    id = fields.BigIntField(primary_key=True)
    recipient: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE
    )
    recipient_id: int
    dedupe_key = fields.CharField(max_length=191, unique=True)
    kind = fields.CharField(max_length=32, default="message")
    payload = fields.JSONField(default=dict)
    status = fields.CharEnumField(
        NotificationStatus, max_length=10, default=NotificationStatus.PENDING
    )
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=300, default="")
    next_attempt_at = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=64, default="")
    claimed_until = fields.DatetimeField(null=True)
    channel = fields.CharField(max_length=16, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notifications"
        indexes = (("status", "next_attempt_at"), ("recipient_id", "id"))


class JobRun(Model):
    """A claim on one firing of a scheduled job (e.g. one user's digest for one day).

    Inserting the row is the claim: the unique key makes a second instance, or a restarted one,
    see that the firing was already taken.
    """

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=191, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "job_runs"
