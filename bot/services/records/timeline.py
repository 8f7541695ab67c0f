"""A customer's story: the last visits on the card, and the whole timeline behind History.

A rep reads it in the lift before walking in, so the card's part is one indexed query (visits by
customer and time), and History pages through visits, deal moves and payments newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from tortoise.functions import Count

from bot.models import DealStageChange, Payment, PoolMove, User, Visit, VisitPhoto
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
    minutes: int | None = None  # on site, from the check-in to the check-out
    out_far_m: int | None = None  # a check-out this far from the customer's known place
    photos: int = 0
    visit_id: int = 0


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
    visit: VisitLine | None = None  # a visit's marks: check-in, time on site, photos


VISIT_FIELDS = (
    "id",
    "at",
    "kind",
    "user__name",
    "notes",
    "next_step",
    "far",
    "distance_m",
    "too_fast",
    "minutes_on_site",
    "checkout_far",
    "checkout_distance_m",
)


async def _visit_lines(rows: list[tuple[Any, ...]]) -> list[VisitLine]:
    """Visit rows (VISIT_FIELDS) as lines, with their photos counted in one grouped query."""
    ids = [row[0] for row in rows]
    photos: dict[int, int] = (
        dict(
            await VisitPhoto.filter(visit_id__in=ids)
            .annotate(n=Count("id"))
            .group_by("visit_id")
            .values_list("visit_id", "n")
        )
        if ids
        else {}
    )
    return [
        VisitLine(
            at,
            str(kind),
            who or "",
            notes,
            step,
            distance if far else None,
            rushed,
            minutes,
            out_distance if out_far else None,
            photos.get(visit_id, 0),
            visit_id,
        )
        for (
            visit_id,
            at,
            kind,
            who,
            notes,
            step,
            far,
            distance,
            rushed,
            minutes,
            out_far,
            out_distance,
        ) in rows
    ]


async def recent_visits(customer_id: int, *, limit: int = 3) -> list[VisitLine]:
    """The last visits of a customer (callers have checked the user may see it); two queries."""
    rows = (
        await Visit.filter(customer_id=customer_id)
        .order_by("-at", "-id")
        .limit(limit)
        .values_list(*VISIT_FIELDS)
    )
    return await _visit_lines(rows)


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
    visits = await _visit_lines(
        await Visit.filter(customer_id=customer_id)
        .order_by("-at", "-id")
        .limit(upto)
        .values_list(*VISIT_FIELDS)
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
    events = [Event(v.at, "visit", v.user_name, v.notes, title=v.kind, visit=v) for v in visits]
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
