"""How the follow-up ladder's last step reads: a customer at risk, and days overdue.

Apart from `bot.dialogs.ladder` so the customer card (`common`) and `/followups` can say it
without importing the manager's buttons."""

from __future__ import annotations

from datetime import date, datetime

from bot.dialogs.base import Ctx
from bot.i18n import Translator
from bot.services.discipline import ladder


def days_late(t: Translator, days: int) -> str:
    """'3 days overdue' / '逾期3天'."""
    return t.ngettext("{count} day overdue", "{count} days overdue", days).format(count=days)


def _today(ctx: Ctx) -> date:
    return ctx.now.astimezone(ctx.t.timezone).date()


def since(ctx: Ctx) -> datetime:
    """Open follow-ups due before this put their customer at risk, on the reader's today."""
    return ladder.overdue_since(_today(ctx), ctx.t.timezone, ctx.settings.ladder_risk_days)


async def oldest_due(ctx: Ctx, customer_ids: list[int]) -> dict[int, datetime]:
    """Of these customers, those at risk, with their oldest open follow-up's due date."""
    return await ladder.at_risk(customer_ids, before=since(ctx))


def line(ctx: Ctx, due: datetime) -> str:
    """The card's line for a customer at risk, with how long its oldest follow-up has waited."""
    days = ladder.days_overdue(due, _today(ctx), ctx.t.timezone)
    return ctx._("🚨 At risk: a follow-up is {late}").format(late=days_late(ctx.t, days))
