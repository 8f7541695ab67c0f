"""Shared helpers for the money tests: customers owned by a team member, outbox rows."""

from __future__ import annotations

from bot.models import Customer, Notification
from bot.services import customers
from tests.conftest import Team


async def own_customer(team: Team, who: str, name: str) -> Customer:
    """A customer owned by `who`, created through the service."""
    return await customers.create_customer(team.users[who], customers.CustomerDraft(name=name))


async def outbox_for(team: Team, who: str) -> list[Notification]:
    """The queued notifications for one person, oldest first."""
    return await Notification.filter(recipient_id=team.users[who].id).order_by("id")
