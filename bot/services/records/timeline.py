"""A customer's story: the last visits on the card, and the whole timeline behind History.

A rep reads it in the lift before walking in, so the card's part is one indexed query (visits by
customer and time), and History pages through visits, deal moves and payments newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from bot.models import DealStageChange, Payment, PoolMove, User, Visit
from bot.services.records.customers import visible_owner


@dataclass(frozen=True, slots=True)
class VisitLine:
    """One visit as the card shows it: when, what kind, who logged it, what was said."""

    at: datetime
    kind: str
    user_name: str
    notes: str
    next_step: str = ""
    far_m: int | None = None  # a check-in this far from the customer's known place, when marked
    too_fast: bool = False  # after a journey from the rep's previous check-in too fast to be real


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the timeline; `kind` is visit, stage, payment or pool (a move into or out of
    the public pool: `title` says which, `who` the owner it left or joined, `text` who moved
    it, empty for the nightly rule), details by kind."""

    at: datetime
    kind: str
    who: str
    text: str = ""
    title: str = ""
    from_stage: str = ""
    to_stage: str = ""
    amount: Decimal | None = None
    currency: str = ""


async def recent_visits(customer_id: int, *, limit: int = 3) -> list[VisitLine]:
    """The last visits of a customer (callers have checked the user may see it); one query."""
    rows = (
        await Visit.filter(customer_id=customer_id)
        .order_by("-at", "-id")
        .limit(limit)
        .values_list(
            "at", "kind", "user__name", "notes", "next_step", "far", "distance_m", "too_fast"
        )
    )
    return [
        VisitLine(at, str(kind), who, notes, step, distance if far else None, rushed)
        for at, kind, who, notes, step, far, distance, rushed in rows
    ]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


async def history(
    actor: User, customer_id: int, *, offset: int = 0, limit: int = 8
) -> tuple[list[Event], int]:
    """A page of the timeline of a customer the actor may see, newest first, and its length.

    Each kind is read newest first up to the end of the page (three queries) and the three are
    merged (and so are the customer's moves into and out of the public pool); the length is
    four counts. A payment, dated by day, counts as midday UTC.
    """
    await visible_owner(actor, customer_id)
    upto = offset + limit
    visits = (
        await Visit.filter(customer_id=customer_id)
        .order_by("-at", "-id")
        .limit(upto)
        .values_list("at", "kind", "user__name", "notes")
    )
    stages = (
        await DealStageChange.filter(deal__customer_id=customer_id)
        .order_by("-at", "-id")
        .limit(upto)
        .values_list("at", "user__name", "deal__title", "from_stage", "to_stage")
    )
    payments = (
        await Payment.filter(customer_id=customer_id)
        .order_by("-paid_on", "-id")
        .limit(upto)
        .values_list("paid_on", "recorded_by__name", "amount", "currency", "method")
    )
    moves = (
        await PoolMove.filter(customer_id=customer_id)
        .order_by("-at", "-id")
        .limit(upto)
        .values_list("at", "kind", "user_id", "actor_id")
    )
    people = {u for _, _, user, actor in moves for u in (user, actor) if u is not None}
    names = dict(await User.filter(id__in=people).values_list("id", "name")) if people else {}
    events = [
        Event(at, "visit", who or "", notes, title=str(kind)) for at, kind, who, notes in visits
    ]
    events += [
        Event(at, "pool", names.get(user, ""), names.get(actor, ""), title=str(kind))
        for at, kind, user, actor in moves
    ]
    events += [
        Event(at, "stage", who or "", title=title, from_stage=str(a or ""), to_stage=str(b))
        for at, who, title, a, b in stages
    ]
    events += [
        Event(_day_start(day), "payment", who or "", method, amount=Decimal(amount), currency=cur)
        for day, who, amount, cur, method in payments
    ]
    events.sort(key=lambda event: event.at, reverse=True)
    total = (
        await Visit.filter(customer_id=customer_id).count()
        + await DealStageChange.filter(deal__customer_id=customer_id).count()
        + await Payment.filter(customer_id=customer_id).count()
        + await PoolMove.filter(customer_id=customer_id).count()
    )
    return events[offset:upto], total
