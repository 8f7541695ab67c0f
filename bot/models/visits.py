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
    # Check-out: when the rep left (a tap or a second shared location), where, how far from
    # the customer's place (`checkout_far` past the radius), and the minutes since `at`.
    checkout_at = fields.DatetimeField(null=True)
    checkout_latitude = fields.FloatField(null=True)
    checkout_longitude = fields.FloatField(null=True)
    checkout_distance_m = fields.IntField(null=True)
    checkout_far = fields.BooleanField(default=False, db_default=False)
    minutes_on_site = fields.IntField(null=True)
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


class VisitPhoto(Model):
    """A photo attached to a visit (a shelf, a signed form, a business card). The bytes live in
    the photo store under their SHA-256 (`bot.services.records.photos`); the same picture sent
    twice to one visit is one row."""

    id = fields.IntField(primary_key=True)
    visit: fields.ForeignKeyRelation[Visit] = fields.ForeignKeyField(
        "models.Visit", related_name="photos", on_delete=fields.CASCADE
    )
    visit_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="photos", on_delete=fields.RESTRICT
    )
    user_id: int
    sha256 = fields.CharField(max_length=64)
    mime = fields.CharField(max_length=50)
    size = fields.IntField()
    at = fields.DatetimeField()

    class Meta:
        table = "visit_photos"
        unique_together = (("visit_id", "sha256"),)
