"""People, how they reach the bot, and the invites that let them in."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    """What a person does in the company; decides what they may see and change."""

    REP = "rep"
    MANAGER = "manager"
    FINANCE = "finance"
    ADMIN = "admin"


class User(Model):
    """A person of the company, owns customers and follow-ups, reports to a manager."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    role = fields.CharEnumField(Role, max_length=10, default=Role.REP)
    manager: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reports", null=True, on_delete=fields.SET_NULL
    )
    manager_id: int | None
    locale = fields.CharField(max_length=10, default="en")
    timezone = fields.CharField(max_length=64, default="Asia/Shanghai")
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "users"


class ChannelIdentity(Model):
    """One account on one messenger (or the console) that speaks for a user."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=16)
    external_id = fields.CharField(max_length=128)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="identities", on_delete=fields.CASCADE
    )
    user_id: int
    display_name = fields.CharField(max_length=100, default="")
    unreachable_at = fields.DatetimeField(null=True)
    unreachable_reason = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "channel_identities"
        unique_together = (("channel", "external_id"),)


class Invite(Model):
    """A one-time code an admin hands out, redeeming it creates the user."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    role = fields.CharEnumField(Role, max_length=10)
    name = fields.CharField(max_length=100, default="")
    manager: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    manager_id: int | None
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    used_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    used_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "invites"


class StrangerNotice(Model):
    """When a chat the bot does not know was last told something (`kind`: how to get in, or
    that its code is wrong): one line of each per chat per interval however much it writes,
    counted here so every instance keeps the same count."""

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=16)
    external_id = fields.CharField(max_length=128)
    kind = fields.CharField(max_length=16)
    told_at = fields.DatetimeField()

    class Meta:
        table = "stranger_notices"
        unique_together = (("channel", "external_id", "kind"),)
