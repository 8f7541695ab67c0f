"""Where a conversation stands, so a restart of the bot loses nothing."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class DialogState(Model):
    """One row per (channel, chat): the open dialog, its step and data, the last buttons shown."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=16)
    external_id = fields.CharField(max_length=128)
    user_id = fields.IntField(null=True)
    dialog = fields.CharField(max_length=32, null=True)
    step = fields.CharField(max_length=64, null=True)
    token = fields.CharField(max_length=8, default="")
    data = fields.JSONField(default=dict)
    buttons = fields.JSONField(default=list)
    expires_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "dialog_states"
        unique_together = (("channel", "external_id"),)
