"""The pipeline: create deals, move them between stages with history, alert on large ones.

Every stage change is a conditional UPDATE on the stage it was read in, so two people moving the
same deal at once give one move and one refusal, never a history that skips a step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from bot.messages import Later
from bot.models import Customer, Deal, DealStageChange, Stage, User
from bot.services import audit
from bot.services.errors import InvalidInput, NotFound
from bot.services.finance import money
from bot.services.notify import outbox
from bot.services.people.permissions import require_owner_visible, scope_for
from bot.services.records.customers import get_visible

MAX_TITLE = 200
OPEN_STAGES = (Stage.LEAD, Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION)
FINAL_STAGES = (Stage.WON, Stage.LOST)
PROBABILITY = {
    Stage.LEAD: 10,
    Stage.QUALIFIED: 25,
    Stage.PROPOSAL: 50,
    Stage.NEGOTIATION: 75,
    Stage.WON: 100,
    Stage.LOST: 0,
}


@dataclass(frozen=True, slots=True)
class DealDraft:
    """What the /deal dialog collected; validated again here."""

    customer_id: int
    title: str
    amount: Decimal
    currency: str
    expected_close: date | None = None


@dataclass(frozen=True, slots=True)
class DealView:
    """A deal as a list line or a card shows it."""

    id: int
    title: str
    customer_id: int
    customer_name: str
    owner_id: int
    owner_name: str
    amount: Decimal
    currency: str
    stage: Stage
    probability: int
    probability_manual: bool
    expected_close: date | None
    lost_reason: str
    discount_percent: Decimal | None


def next_stages(stage: Stage) -> list[Stage]:
    """What a card offers: the next open stage, then won and lost; final stages offer nothing."""
    if stage in FINAL_STAGES:
        return []
    index = OPEN_STAGES.index(stage)
    forward = [OPEN_STAGES[index + 1]] if index + 1 < len(OPEN_STAGES) else []
    return [*forward, Stage.WON, Stage.LOST]


def effective_probability(stage: Stage, manual: int | None) -> int:
    """Probability follows the stage unless someone set it by hand (final stages always win)."""
    if stage in FINAL_STAGES or manual is None:
        return PROBABILITY[stage]
    return manual


def _clean_title(text: str) -> str:
    title = " ".join((text or "").split())
    if not title:
        raise InvalidInput("title_empty")
    if len(title) > MAX_TITLE:
        raise InvalidInput("title_too_long")
    return title


async def create_deal(
    actor: User,
    draft: DealDraft,
    *,
    now: datetime,
    large: Mapping[str, Decimal],
) -> Deal:
    """Open a deal at the lead stage for a visible customer; it belongs to the customer's owner."""
    title = _clean_title(draft.title)
    if draft.amount <= 0 or draft.amount > money.MAX_AMOUNT:
        raise InvalidInput("amount_invalid")
    currency = draft.currency.upper()
    async with in_transaction():
        customer = await get_visible(actor, draft.customer_id)
        if customer.owner_id is None:
            raise InvalidInput("customer_pooled")  # a deal belongs to an owner: assign it first
        deal = await Deal.create(
            customer_id=customer.id,
            owner_id=customer.owner_id,
            title=title,
            amount=money.cents(draft.amount),
            currency=currency,
            stage=Stage.LEAD,
            expected_close=draft.expected_close,
        )
        change = await DealStageChange.create(
            deal_id=deal.id, user_id=actor.id, from_stage=None, to_stage=Stage.LEAD, at=now
        )
        await audit.record(
            actor.id,
            "deal.create",
            "deal",
            deal.id,
            after={
                "customer_id": customer.id,
                "title": title,
                "amount": deal.amount,
                "currency": currency,
                "expected_close": draft.expected_close,
            },
        )
        if money.at_or_above(deal.amount, currency, large):
            await _alert(deal, customer, "created", change.id)
    return deal


async def _visible_deal(actor: User, deal_id: int) -> Deal:
    deal = await Deal.filter(id=deal_id).first()
    if deal is None:
        raise NotFound()
    await require_owner_visible(actor, deal.owner_id)
    return deal


async def move_stage(
    actor: User,
    deal_id: int,
    to_stage: Stage,
    *,
    now: datetime,
    large: Mapping[str, Decimal],
    reason: str = "",
) -> Deal:
    """Move a visible open deal to another stage; lost needs a reason; history and audit kept."""
    reason = " ".join(reason.split())[:300]
    if to_stage == Stage.LOST and not reason:
        raise InvalidInput("lost_reason_needed")
    async with in_transaction():
        deal = await _visible_deal(actor, deal_id)
        from_stage = Stage(deal.stage)
        if from_stage in FINAL_STAGES:
            raise InvalidInput("deal_closed")
        if to_stage == from_stage:
            raise InvalidInput("same_stage")
        changes: dict[str, object] = {"stage": to_stage}
        if to_stage in FINAL_STAGES:
            changes["closed_at"] = now
        if to_stage == Stage.LOST:
            changes["lost_reason"] = reason
        moved = await Deal.filter(id=deal.id, stage=from_stage).update(**changes)
        if not moved:
            raise InvalidInput("deal_moved_meanwhile")
        change = await DealStageChange.create(
            deal_id=deal.id, user_id=actor.id, from_stage=from_stage, to_stage=to_stage, at=now
        )
        await audit.record(
            actor.id,
            "deal.stage",
            "deal",
            deal.id,
            before={"stage": from_stage},
            after={"stage": to_stage, "lost_reason": reason or None},
        )
        await deal.refresh_from_db()
        if money.at_or_above(deal.amount, deal.currency, large):
            customer = await Customer.get(id=deal.customer_id)
            event = to_stage.value if to_stage in FINAL_STAGES else "stage"
            await _alert(deal, customer, event, change.id)
    return deal


async def set_probability(actor: User, deal_id: int, percent: int | None) -> Deal:
    """Set the probability by hand (0–100), or None to let it follow the stage again."""
    if percent is not None and not 0 <= percent <= 100:
        raise InvalidInput("percent_invalid")
    async with in_transaction():
        deal = await _visible_deal(actor, deal_id)
        before = deal.probability
        await Deal.filter(id=deal.id).update(probability=percent)
        await audit.record(
            actor.id,
            "deal.probability",
            "deal",
            deal.id,
            before={"probability": before},
            after={"probability": percent},
        )
        await deal.refresh_from_db()
    return deal


def _view(row: dict) -> DealView:
    stage = Stage(row["stage"])
    return DealView(
        id=row["id"],
        title=row["title"],
        customer_id=row["customer_id"],
        customer_name=row["customer__name"],
        owner_id=row["owner_id"],
        owner_name=row["owner__name"],
        amount=money.cents(row["amount"]),
        currency=row["currency"],
        stage=stage,
        probability=effective_probability(stage, row["probability"]),
        probability_manual=row["probability"] is not None and stage not in FINAL_STAGES,
        expected_close=row["expected_close"],
        lost_reason=row["lost_reason"],
        discount_percent=row["discount_percent"],
    )


_FIELDS = (
    "id",
    "title",
    "customer_id",
    "customer__name",
    "owner_id",
    "owner__name",
    "amount",
    "currency",
    "stage",
    "probability",
    "expected_close",
    "lost_reason",
    "discount_percent",
)


async def card(actor: User, deal_id: int) -> DealView:
    """One visible deal, ready for its card."""
    deal = await _visible_deal(actor, deal_id)
    rows = await Deal.filter(id=deal.id).values(*_FIELDS)
    return _view(rows[0])


async def open_deals(
    actor: User, *, limit: int = 8, offset: int = 0
) -> tuple[list[DealView], int, dict[str, Decimal]]:
    """The actor's open deals (a manager: the team's), soonest close first, with totals."""
    scope = await scope_for(actor)
    query = Deal.filter(stage__in=list(OPEN_STAGES))
    if scope.owner_ids is not None:
        query = query.filter(owner_id__in=list(scope.owner_ids))
    total = await query.count()
    rows = await query.order_by("expected_close", "id").offset(offset).limit(limit).values(*_FIELDS)
    totals: dict[str, Decimal] = {}
    if total:
        for currency, amount in await query.values_list("currency", "amount"):
            totals[currency] = totals.get(currency, Decimal(0)) + money.cents(amount)
    return [_view(row) for row in rows], total, totals


async def history(actor: User, deal_id: int) -> list[tuple[Stage | None, Stage, datetime, str]]:
    """The stage history of a visible deal: (from, to, when, who), oldest first."""
    deal = await _visible_deal(actor, deal_id)
    rows = await (
        DealStageChange.filter(deal_id=deal.id)
        .order_by("at", "id")
        .values_list("from_stage", "to_stage", "at", "user__name")
    )
    return [(Stage(f) if f else None, Stage(t), at, who or "") for f, t, at, who in rows]


async def _alert(deal: Deal, customer: Customer, event: str, change_id: int) -> None:
    """Queue one alert per manager above the owner, once per deal and event; the data of the
    moment, worded at send time in each manager's language (`bot.dialogs.alerts`)."""
    chain = await money.manager_chain(deal.owner_id)
    if not chain:
        return
    owner = await User.get(id=deal.owner_id)
    params = {
        "event": event,
        "deal_id": deal.id,
        "title": deal.title,
        "customer": customer.name,
        "amount": str(money.cents(deal.amount)),
        "currency": deal.currency,
        "owner": owner.name,
        "stage": str(deal.stage),
        "reason": deal.lost_reason,
    }
    managers = await User.filter(id__in=chain, active=True).values_list("id", flat=True)
    key = f"deal:{deal.id}:{event}:{change_id}"
    await outbox.notify_many(
        (manager_id, Later("large_deal", params), f"{key}:u{manager_id}") for manager_id in managers
    )


@dataclass(frozen=True, slots=True)
class Activity:
    """One kind of pipeline movement in a period: how many deals, and their amounts per currency."""

    count: int = 0
    amounts: tuple[tuple[str, Decimal], ...] = ()


async def stage_moves(
    owner_ids: list[int], *, since: datetime, until: datetime
) -> list[tuple[int, int, str | None, str, Decimal, str]]:
    """Stage changes of these owners' deals in [since, until), one query:
    (owner_id, deal_id, from_stage, to_stage, amount, currency)."""
    if not owner_ids:
        return []
    return list(
        await DealStageChange.filter(deal__owner_id__in=owner_ids, at__gte=since, at__lt=until)
        .order_by("at", "id")
        .values_list(
            "deal__owner_id", "deal_id", "from_stage", "to_stage", "deal__amount", "deal__currency"
        )
    )


def activity(
    moves: list[tuple[int, int, str | None, str, Decimal, str]], owners: set[int]
) -> dict[str, Activity]:
    """Deals created, moved, won and lost among `owners`' moves, each deal counted once per kind.

    'moved' counts stage changes between open stages; a deal created in the period counts once
    as created even though its first history row is a change too.
    """
    seen: dict[str, set[int]] = {}
    sums: dict[str, dict[str, Decimal]] = {}
    for owner, deal_id, from_stage, to_stage, amount, currency in moves:
        if owner not in owners:
            continue
        if from_stage is None:
            kind = "created"
        elif to_stage in (Stage.WON, Stage.LOST):
            kind = Stage(to_stage).value
        else:
            kind = "moved"
        if deal_id in seen.setdefault(kind, set()):
            continue
        seen[kind].add(deal_id)
        per = sums.setdefault(kind, {})
        per[currency] = per.get(currency, Decimal(0)) + money.cents(amount)
    return {kind: Activity(len(seen[kind]), tuple(sorted(sums[kind].items()))) for kind in seen}


def tally(
    moves: list[tuple[int, int, str | None, str, Decimal, str]], owners: set[int]
) -> dict[str, list[Any]]:
    """`activity` as JSON-ready {kind: [count, [[currency, amount], ...]]} for the summary."""
    return {
        kind: [found.count, [[cur, str(total)] for cur, total in found.amounts]]
        for kind, found in activity(moves, owners).items()
    }


async def team_activity(
    owner_ids: list[int], *, since: datetime, until: datetime
) -> dict[str, Activity]:
    """Deals created, moved, won and lost by these owners in [since, until), one query."""
    return activity(await stage_moves(owner_ids, since=since, until=until), set(owner_ids))
