"""The public pool's moves: every time a customer leaves an owner for the pool or leaves the pool
for an owner. They are the customer's history of hands, the count behind a rep's daily claim
quota, and the cool-down that keeps a rep from claiming back at once what they lost."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from bot.models.customers import Customer


class PoolMoveKind(StrEnum):
    """Which way a customer went."""

    RETURNED = "returned"  # to the pool: idle past its tier's days, by the nightly job
    RELEASED = "released"  # to the pool: by a person (a leaver's handover, a rep letting go)
    CLAIMED = "claimed"  # from the pool: a rep took it
    ASSIGNED = "assigned"  # from the pool: a manager or admin gave it to a rep


class PoolMove(Model):
    """One move of one customer into or out of the pool, never updated or deleted."""

    id = fields.BigIntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="pool_moves", on_delete=fields.CASCADE
    )
    customer_id: int
    kind = fields.CharEnumField(PoolMoveKind, max_length=10)
    # The owner after the move (claimed, assigned) or before it (returned, released).
    user_id = fields.IntField(null=True)
    # Who made the move; empty for the nightly job.
    actor_id = fields.IntField(null=True)
    at = fields.DatetimeField()

    class Meta:
        table = "pool_moves"
        indexes = (("user_id", "kind", "at"), ("customer_id", "at"))
