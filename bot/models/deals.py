"""The pipeline: deals and every move between stages (the history the funnel is computed from)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from bot.models.customers import Customer
from bot.models.users import User


class Stage(StrEnum):
    """Pipeline stages, in order; won and lost are final."""

    LEAD = "lead"
    QUALIFIED = "qualified"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"


class Deal(Model):
    """A possible sale to a customer, owned by a rep."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="deals", on_delete=fields.CASCADE
    )
    customer_id: int
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="deals", on_delete=fields.RESTRICT
    )
    owner_id: int
    title = fields.CharField(max_length=200)
    amount = fields.DecimalField(max_digits=18, decimal_places=2)
    currency = fields.CharField(max_length=3, default="CNY")
    stage = fields.CharEnumField(Stage, max_length=12, default=Stage.LEAD)
    probability = fields.IntField(null=True)
    discount_percent = fields.DecimalField(max_digits=5, decimal_places=2, null=True)
    expected_close = fields.DateField(null=True)
    lost_reason = fields.CharField(max_length=300, default="")
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "deals"
        indexes = (("owner_id", "stage"), ("customer_id",))


class DealStageChange(Model):
    """One move of a deal between stages: who, from, to, when."""

    id = fields.IntField(primary_key=True)
    deal: fields.ForeignKeyRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="stage_changes", on_delete=fields.CASCADE
    )
    deal_id: int
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    user_id: int | None
    from_stage = fields.CharEnumField(Stage, max_length=12, null=True)
    to_stage = fields.CharEnumField(Stage, max_length=12)
    at = fields.DatetimeField()

    class Meta:
        table = "deal_stage_changes"
        indexes = (("deal_id", "at"), ("at",))
