"""Inbound idempotency and shared API credentials: state every channel keeps in the database."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ProcessedUpdate(Model):
    """An inbound update (Telegram update_id, WeChat MsgId…) already taken for processing.

    Inserting the row is the claim, before any processing: a redelivered update finds it and
    changes nothing twice, across restarts and instances. A message for the dialog engine also
    names its chat and its place in the platform's order (`seq`), and is marked `handled` in the
    chat's turn: an instance holding a later message of the chat lets an earlier one go first.
    """

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=16)
    key = fields.CharField(max_length=128)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    chat = fields.CharField(max_length=64, null=True)
    seq = fields.BigIntField(null=True)
    handled = fields.BooleanField(default=False)
    # Durable intake (`services.intake`): the update as received, stored before it is
    # acknowledged, and the lease of the instance handling it.
    payload = fields.TextField(null=True)
    taken_until = fields.DatetimeField(null=True)

    class Meta:
        table = "processed_updates"
        unique_together = (("channel", "key"),)
        indexes = (("channel", "chat", "seq"),)


class ApiToken(Model):
    """A platform access token (WeChat, WeCom) shared by every instance until it expires."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    value = fields.CharField(max_length=1024)
    expires_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "api_tokens"
