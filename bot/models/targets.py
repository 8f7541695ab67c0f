"""Monthly targets per rep or per team: what a manager or an admin expects to be won, collected
and visited, which the digests and the leaderboard measure attainment against."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from bot.models.users import User


class TargetScope(StrEnum):
    """A target for one rep, or for the team a manager leads."""

    REP = "rep"
    TEAM = "team"


class TargetMetric(StrEnum):
    """What a target counts."""

    WON = "won"  # deals won, an amount
    COLLECTED = "collected"  # money collected, an amount
    VISITS = "visits"  # contacts logged, a count


class Target(Model):
    """One number for one month: a rep's (`scope` rep, `user` the rep) or a team's (`scope`
    team, `user` the team's manager). Setting it again replaces it."""

    id = fields.IntField(primary_key=True)
    scope = fields.CharEnumField(TargetScope, max_length=4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="targets", on_delete=fields.CASCADE
    )
    user_id: int
    month: dt.date = fields.DateField()  # the month's first day
    metric = fields.CharEnumField(TargetMetric, max_length=10)
    amount = fields.DecimalField(max_digits=18, decimal_places=2, default=Decimal(0))
    currency = fields.CharField(max_length=3, default="")  # empty for a count
    set_by_id = fields.IntField(null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "targets"
        unique_together = (("scope", "user_id", "month", "metric"),)
        indexes = (("month", "metric"),)
