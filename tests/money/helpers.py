"""Shared helpers for the money tests: customers owned by a team member, outbox rows, an
expense claim."""

from __future__ import annotations

from bot.dialogs.digests import render
from bot.i18n import Translator
from bot.messages import Reply
from bot.models import Customer, Notification, User
from bot.services.records import customers
from tests.conftest import Team
from tests.support import Chat


async def own_customer(team: Team, who: str, name: str) -> Customer:
    """A customer owned by `who`, created through the service."""
    return await customers.create_customer(team.users[who], customers.CustomerDraft(name=name))


async def outbox_for(team: Team, who: str) -> list[Reply]:
    """The queued notifications for one person, oldest first, as they will read them: rendered
    as the dispatcher renders them, in their language, at the engine's moment."""
    person = await User.get(id=team.users[who].id)
    t = Translator.for_user(person.locale, person.timezone, now=team.engine.clock())
    rows = await Notification.filter(recipient_id=person.id).order_by("id")
    rendered = [render(row.kind, row.payload, t) for row in rows]
    return [reply for reply in rendered if reply is not None]


async def claim_entertainment(chat: Chat, amount: str) -> str:
    """An entertainment expense claim of `amount`, typed in /request with no receipt and no
    note; the reply to Send."""
    await chat.say("/request")
    await chat.tap("Expense claim")
    await chat.say(amount)
    await chat.tap("Entertainment")
    await chat.tap("Skip")
    await chat.tap("Skip")
    return await chat.tap("Send")
