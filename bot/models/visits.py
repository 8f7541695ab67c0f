"""Contact records: every visit, call, message or meeting, and the follow-up it promises."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from bot.models.customers import Customer
from bot.models.users import User


class VisitKind(StrEnum):
    """How the rep was in touch."""

    VISIT = "visit"
    CALL = "call"
    MESSAGE = "message"
    MEETING = "meeting"


class Visit(Model):
    """One contact with a customer, its follow-up is open until done or superseded."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="visits", on_delete=fields.CASCADE
    )
    customer_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="visits", on_delete=fields.RESTRICT
    )
    user_id: int
    kind = fields.CharEnumField(VisitKind, max_length=10, default=VisitKind.VISIT)
    at = fields.DatetimeField()
    notes = fields.TextField(default="")
    outcome = fields.CharField(max_length=200, default="")
    next_step = fields.CharField(max_length=300, default="")
    next_followup_at = fields.DatetimeField(null=True)
    followup_owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="followups", null=True, on_delete=fields.SET_NULL
    )
    followup_owner_id: int | None
    followup_done_at = fields.DatetimeField(null=True)
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    # Metres from the customer's known place at check-in; `far` past the check-in radius.
    distance_m = fields.IntField(null=True)
    far = fields.BooleanField(default=False, db_default=False)
    # Reached from the rep's previous check-in faster than any ground travel could.
    too_fast = fields.BooleanField(default=False, db_default=False)
    transcript = fields.TextField(default="")
    audio_ref = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "visits"
        indexes = (
            ("followup_owner_id", "followup_done_at", "next_followup_at"),
            ("customer_id", "at"),
            ("user_id", "at"),  # visits per person this week (/team, summaries)
        )
