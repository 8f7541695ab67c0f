"""The daily report (日报): drafted by the bot from a rep's day, finished and sent by the rep,
read and commented on by the manager. On the week's last working day it covers the week."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from bot.models.users import User


class ReportStatus(StrEnum):
    """Whether the rep has sent it."""

    DRAFT = "draft"
    SENT = "sent"


class DailyReport(Model):
    """One rep's report for one day (their own zone's day), at most one per rep and day."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="daily_reports", on_delete=fields.CASCADE
    )
    user_id: int
    day: dt.date = fields.DateField()
    weekly = fields.BooleanField(default=False, db_default=False)
    draft = fields.TextField(default="")  # what the bot wrote from the day, as the rep edited it
    note = fields.TextField(default="")  # the rep's own line
    status = fields.CharEnumField(ReportStatus, max_length=5, default=ReportStatus.DRAFT)
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "daily_reports"
        unique_together = (("user_id", "day"),)
        indexes = (("day", "status"),)


class ReportComment(Model):
    """A manager's comment on a report, sent back to the rep."""

    id = fields.IntField(primary_key=True)
    report: fields.ForeignKeyRelation[DailyReport] = fields.ForeignKeyField(
        "models.DailyReport", related_name="comments", on_delete=fields.CASCADE
    )
    report_id: int
    author_id = fields.IntField(null=True)
    text = fields.TextField()
    at = fields.DatetimeField()

    class Meta:
        table = "report_comments"
