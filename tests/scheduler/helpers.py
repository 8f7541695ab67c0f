"""Shared by the outbox and scheduler tests: a recording sender, people, customers, visits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from bot.messages import Reply
from bot.models import ChannelIdentity, Customer, Role, User, Visit
from bot.scheduler import Limits
from bot.sending import Permanent, Retryable

CHANNEL = "rec"


@dataclass
class RecordingSender:
    """A channel that keeps what it was asked to send; can fail on cue per chat."""

    sent: list[tuple[str, Reply]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    flaky: dict[str, int] = field(default_factory=dict)  # external id -> network errors left
    delay: float = 0.0

    async def send(self, external_id: str, reply: Reply, *, skip: int = 0) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if external_id in self.blocked:
            raise Permanent("blocked: Forbidden: bot was blocked by the user")
        if self.flaky.get(external_id, 0) > 0:
            self.flaky[external_id] -= 1
            raise Retryable("network: Bad Gateway")
        self.sent.append((external_id, reply))

    def texts(self, external_id: str) -> list[str]:
        return [reply.text for chat, reply in self.sent if chat == external_id]


def fast_limits() -> Limits:
    """Limits that never make a unit test wait."""
    return Limits(rate=1e6, burst=10_000, chat_rate=1e6, chat_burst=10_000)


async def person(
    name: str,
    *,
    role: Role = Role.REP,
    tz: str = "Asia/Shanghai",
    locale: str = "en",
    manager: User | None = None,
    channel: str = CHANNEL,
) -> User:
    user = await User.create(
        name=name, role=role, timezone=tz, locale=locale, manager_id=manager.id if manager else None
    )
    await ChannelIdentity.create(channel=channel, external_id=f"chat-{user.id}", user_id=user.id)
    return user


async def customer(owner: User, name: str, *, last_contact: datetime | None = None) -> Customer:
    return await Customer.create(
        name=name, normalized_name=name.lower(), owner_id=owner.id, last_contact_at=last_contact
    )


async def followup(owner: User, cust: Customer, at: datetime, due: datetime) -> Visit:
    return await Visit.create(
        customer_id=cust.id,
        user_id=owner.id,
        at=at,
        next_followup_at=due,
        followup_owner_id=owner.id,
        notes="bring the samples",
    )
