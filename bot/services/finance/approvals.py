"""Approvals: a request climbs the manager chain and is decided once, even under double taps.

The company's admins are the level above the last manager: a request that needs one more level
than the manager chain has goes to them (any admin may decide, all are told), and so does an SLA
escalation from a manager with no manager.

A decision is a conditional UPDATE … WHERE status='pending' AND level=<the level read>; the
loser of a race updates no row and is told who decided. The unique (request, level) decision
row is the second guard. What approvers and requesters are told is queued as data (`Later`), and
worded at send time in each reader's language by `bot.dialogs.alerts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from bot.messages import Later
from bot.models import (
    ApprovalDecision,
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    Customer,
    Deal,
    PoolMove,
    PoolMoveKind,
    Role,
    User,
)
from bot.services import audit
from bot.services.errors import InvalidInput, NotFound, PermissionDenied, ServiceError
from bot.services.finance import money
from bot.services.notify import outbox
from bot.services.people.permissions import require_owner_visible
from bot.services.records.customers import get_visible, move_owner

MAX_NOTE = 1000


class AlreadyDecided(ServiceError):
    """Someone else decided first (or moved the request on); says who and how."""

    code = "already_decided"

    def __init__(self, by_name: str, status: ApprovalStatus) -> None:
        super().__init__(by_name)
        self.by_name = by_name
        self.status = status


@dataclass(frozen=True, slots=True)
class RequestDraft:
    """What /request collected; which fields matter depends on the kind."""

    kind: ApprovalKind
    deal_id: int | None = None
    customer_id: int | None = None
    amount: Decimal | None = None
    currency: str = ""
    percent: Decimal | None = None
    category: str = ""
    note: str = ""
    attachment_ref: str = ""
    target_user_id: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a decision did: final or passed on to the next level, and to whom."""

    request_id: int
    status: ApprovalStatus
    next_approver_name: str = ""


def needs_second_level(draft: RequestDraft, limits: Mapping[str, Decimal]) -> bool:
    """Above CRM_APPROVAL_ESCALATE_ABOVE ('%' for discounts, a currency for amounts)."""
    if draft.kind == ApprovalKind.DISCOUNT and draft.percent is not None:
        limit = limits.get("%")
        return limit is not None and draft.percent > limit
    if draft.kind in (ApprovalKind.EXPENSE, ApprovalKind.CREDIT_LIMIT) and draft.amount:
        limit = limits.get(draft.currency.upper())
        return limit is not None and draft.amount > limit
    return False


async def create_request(
    actor: User, draft: RequestDraft, *, now: datetime, escalate_above: Mapping[str, Decimal]
) -> ApprovalRequest:
    """File a request with the actor's manager (and, above the limit, the next level too)."""
    fields: dict[str, object] = {"kind": draft.kind}
    if draft.kind == ApprovalKind.DISCOUNT:
        if draft.deal_id is None or draft.percent is None or not 0 < draft.percent <= 100:
            raise InvalidInput("discount_incomplete")
        deal = await Deal.filter(id=draft.deal_id).first()
        if deal is None:
            raise NotFound()
        await require_owner_visible(actor, deal.owner_id)
        fields |= {"deal_id": deal.id, "customer_id": deal.customer_id, "percent": draft.percent}
    elif draft.kind == ApprovalKind.CREDIT_LIMIT:
        if draft.customer_id is None or not draft.amount or draft.amount <= 0:
            raise InvalidInput("credit_incomplete")
        customer = await get_visible(actor, draft.customer_id)
        fields |= {"customer_id": customer.id, "amount": draft.amount, "currency": draft.currency}
    elif draft.kind == ApprovalKind.EXPENSE:
        if not draft.amount or draft.amount <= 0 or not draft.category.strip():
            raise InvalidInput("expense_incomplete")
        fields |= {
            "amount": draft.amount,
            "currency": draft.currency,
            "category": draft.category.strip()[:64],
            "attachment_ref": draft.attachment_ref[:200],
        }
    elif draft.kind == ApprovalKind.HANDOVER:
        if draft.customer_id is None or draft.target_user_id is None:
            raise InvalidInput("handover_incomplete")
        customer = await get_visible(actor, draft.customer_id)
        target = await User.filter(id=draft.target_user_id, active=True).first()
        if target is None or target.id == customer.owner_id:
            raise InvalidInput("handover_target_invalid")
        fields |= {"customer_id": customer.id, "target_user_id": target.id}
    if actor.manager_id is None:
        raise InvalidInput("no_manager")
    chain = await money.manager_chain(actor.id)
    levels = 1
    if needs_second_level(draft, escalate_above):
        above = chain[1:] or await _admin_ids(exclude=(actor.id, chain[0]))
        levels = 2 if above and not await _is_admin(chain[0]) else 1
    async with in_transaction():
        request = await ApprovalRequest.create(
            **fields,
            requester_id=actor.id,
            approver_id=chain[0],
            note=draft.note.strip()[:MAX_NOTE],
            level=1,
            levels_needed=levels,
            waiting_since=now,
        )
        await audit.record(
            actor.id,
            "approval.request",
            "approval",
            request.id,
            after={**fields, "levels_needed": levels, "approver_id": chain[0]},
        )
        await _ask_approver(request, chain[0], "request")
    return request


async def _admin_ids(*, exclude: tuple[int, ...] = ()) -> list[int]:
    """The active admins (the level above the last manager), oldest account first."""
    return list(
        await User.filter(active=True, role=Role.ADMIN)
        .exclude(id__in=list(exclude))
        .order_by("id")
        .values_list("id", flat=True)
    )


async def _is_admin(user_id: int) -> bool:
    return await User.filter(id=user_id, role=Role.ADMIN).exists()


async def _level_above(actor_id: int, request: ApprovalRequest) -> int | None:
    """Who decides after `actor_id`: their manager chain, past its end the admins, never the
    requester; None when the actor is an admin (the top) or no one is above."""
    if await _is_admin(actor_id):
        return None
    above = [uid for uid in await money.manager_chain(actor_id) if uid != request.requester_id]
    if above:
        return above[0]
    admins = await _admin_ids(exclude=(actor_id, request.requester_id))
    return admins[0] if admins else None


async def decidable(actor: User, request_id: int) -> ApprovalRequest:
    """A request still waiting that the actor may decide, checked before asking for a reason;
    raises as `decide` would (NotFound, self_approval, AlreadyDecided, PermissionDenied)."""
    request = await ApprovalRequest.filter(id=request_id).first()
    if request is None:
        raise NotFound()
    if request.requester_id == actor.id:
        raise InvalidInput("self_approval")
    if request.status != ApprovalStatus.PENDING:
        raise AlreadyDecided(await _decider_name(request), ApprovalStatus(request.status))
    if not await _can_decide(actor, request):
        if await ApprovalDecision.filter(request_id=request.id, approver_id=actor.id).exists():
            raise AlreadyDecided(actor.name, ApprovalStatus.PENDING)  # a level below, by them
        raise PermissionDenied()
    return request


async def _can_decide(actor: User, request: ApprovalRequest) -> bool:
    """The current approver, anyone above them, or an admin; never the requester."""
    if actor.id == request.approver_id or actor.role == Role.ADMIN:
        return True
    if request.approver_id is None:
        return actor.role == Role.MANAGER
    return actor.id in await money.manager_chain(request.approver_id)


async def decide(
    actor: User, request_id: int, approve: bool, *, now: datetime, comment: str = ""
) -> Outcome:
    """Approve or reject the request's current level; exactly one decision per level wins."""
    comment = " ".join(comment.split())[:500]
    async with in_transaction():
        request = await decidable(actor, request_id)
        level = request.level
        next_id: int | None = None
        if approve and level < request.levels_needed:
            next_id = await _level_above(actor.id, request)
        if next_id is not None:
            changed = await ApprovalRequest.filter(
                id=request.id, status=ApprovalStatus.PENDING, level=level
            ).update(
                level=level + 1,
                approver_id=next_id,
                waiting_since=now,
                reminded_at=None,
                escalated_at=None,
            )
            status = ApprovalStatus.PENDING
        else:
            status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
            changed = await ApprovalRequest.filter(
                id=request.id, status=ApprovalStatus.PENDING, level=level
            ).update(status=status, decided_by_id=actor.id, decided_at=now, comment=comment)
        if not changed:
            await request.refresh_from_db()
            raise AlreadyDecided(
                await _decider_name(request, level), ApprovalStatus(request.status)
            )
        await ApprovalDecision.create(
            request_id=request.id,
            level=level,
            approver_id=actor.id,
            approved=approve,
            comment=comment,
            at=now,
        )
        await audit.record(
            actor.id,
            "approval.decide",
            "approval",
            request.id,
            before={"status": ApprovalStatus.PENDING, "level": level},
            after={"status": status, "approved": approve, "comment": comment, "next": next_id},
        )
        await request.refresh_from_db()
        next_name = ""
        if next_id is not None:
            await _ask_approver(request, next_id, "request")
            next_name = (await User.get(id=next_id)).name
        else:
            await _tell_requester(request, actor)
            if approve:
                await _apply(actor, request)
    return Outcome(request.id, status, next_name)


async def _decider_name(request: ApprovalRequest, level: int | None = None) -> str:
    if request.decided_by_id is not None:
        user = await User.filter(id=request.decided_by_id).first()
        return user.name if user else ""
    query = ApprovalDecision.filter(request_id=request.id)
    if level is not None:
        query = query.filter(level=level)
    decision = await query.order_by("-level").first()
    if decision is None:
        return ""
    user = await User.filter(id=decision.approver_id).first()
    return user.name if user else ""


async def _apply(actor: User, request: ApprovalRequest) -> None:
    """An approved discount or credit limit takes effect on the record; a handover moves owner."""
    if request.kind == ApprovalKind.DISCOUNT and request.deal_id is not None:
        deal = await Deal.get(id=request.deal_id)
        await Deal.filter(id=deal.id).update(discount_percent=request.percent)
        await _audit_change(actor, request, deal, "discount_percent", request.percent, "discount")
    elif request.kind == ApprovalKind.CREDIT_LIMIT and request.customer_id is not None:
        customer = await Customer.get(id=request.customer_id)
        await Customer.filter(id=customer.id).update(credit_limit=request.amount)
        await _audit_change(actor, request, customer, "credit_limit", request.amount)
    elif request.kind == ApprovalKind.HANDOVER and request.customer_id is not None:
        customer = await Customer.get(id=request.customer_id)
        await move_owner(customer.id, request.target_user_id)
        if customer.owner_id is None:  # it went to the public pool while the request waited
            await PoolMove.create(
                customer_id=customer.id,
                kind=PoolMoveKind.ASSIGNED,
                user_id=request.target_user_id,
                actor_id=actor.id,
                at=request.decided_at or request.waiting_since,
            )
        await Deal.filter(customer_id=customer.id, owner_id=customer.owner_id).update(
            owner_id=request.target_user_id
        )
        await _audit_change(actor, request, customer, "owner_id", request.target_user_id, "owner")


async def _audit_change(
    actor: User,
    request: ApprovalRequest,
    record: Deal | Customer,
    field: str,
    value: object,
    action: str | None = None,
) -> None:
    """The audit row of an approved change: `record`'s `field` before, `value` after, and the
    approval that made it (action `<entity>.<action or field>`)."""
    entity = "deal" if isinstance(record, Deal) else "customer"
    await audit.record(
        actor.id,
        f"{entity}.{action or field}",
        entity,
        record.id,
        before={field: getattr(record, field)},
        after={field: value, "approval_id": request.id},
    )


@dataclass(frozen=True, slots=True)
class Waiting:
    """A pending request as /approvals lists it."""

    id: int
    requester_name: str
    kind: ApprovalKind
    waiting_since: datetime
    level: int
    levels_needed: int


async def waiting_for(actor: User, *, limit: int = 20) -> tuple[list[Waiting], int]:
    """Requests waiting for the actor's decision, oldest first, and how many there are."""
    mine = Q(approver_id=actor.id)
    if actor.role == Role.ADMIN:  # a request at the admins' level waits for every admin
        mine |= Q(approver__role=Role.ADMIN, approver__active=True)
    query = ApprovalRequest.filter(mine, status=ApprovalStatus.PENDING).exclude(
        requester_id=actor.id
    )
    total = await query.count()
    rows = await (
        query.order_by("waiting_since", "id")
        .limit(limit)
        .values_list("id", "requester__name", "kind", "waiting_since", "level", "levels_needed")
    )
    return [Waiting(r[0], r[1], ApprovalKind(r[2]), r[3], r[4], r[5]) for r in rows], total


async def waiting_counts(approver_ids: list[int]) -> dict[int, int]:
    """For digests: how many requests wait for each approver (one grouped query)."""
    if not approver_ids:
        return {}
    counts: dict[int, int] = {}
    for approver_id in await ApprovalRequest.filter(
        approver_id__in=approver_ids, status=ApprovalStatus.PENDING
    ).values_list("approver_id", flat=True):
        counts[approver_id] = counts.get(approver_id, 0) + 1
    return counts


async def get_visible_request(actor: User, request_id: int) -> ApprovalRequest:
    """A request its requester, its approver (or those above), or an admin may look at."""
    request = await ApprovalRequest.filter(id=request_id).first()
    if request is None:
        raise NotFound()
    if request.requester_id != actor.id and not await _can_decide(actor, request):
        raise NotFound()
    return request


async def remind_and_escalate(now: datetime, *, sla_hours: int = 24) -> dict[str, int]:
    """Scheduler job: past the SLA remind the approver once; one SLA later escalate one level."""
    cutoff = now - timedelta(hours=sla_hours)
    reminded = escalated = 0
    due = await ApprovalRequest.filter(
        status=ApprovalStatus.PENDING, waiting_since__lte=cutoff, reminded_at__isnull=True
    ).order_by("id")
    for request in due:
        async with in_transaction():
            changed = await ApprovalRequest.filter(
                id=request.id, status=ApprovalStatus.PENDING, reminded_at__isnull=True
            ).update(reminded_at=now)
            if changed and request.approver_id is not None:
                await _ask_approver(request, request.approver_id, "remind")
                reminded += changed
    stale = await ApprovalRequest.filter(
        status=ApprovalStatus.PENDING,
        reminded_at__lte=cutoff,
        escalated_at__isnull=True,
        approver_id__isnull=False,
    ).order_by("id")
    for request in stale:
        assert request.approver_id is not None
        next_id = await _level_above(request.approver_id, request)
        if next_id is None:
            continue
        async with in_transaction():
            changed = await ApprovalRequest.filter(
                id=request.id,
                status=ApprovalStatus.PENDING,
                approver_id=request.approver_id,
                escalated_at__isnull=True,
            ).update(approver_id=next_id, escalated_at=now, waiting_since=now)
            if changed:
                await audit.record(
                    None,
                    "approval.escalate",
                    "approval",
                    request.id,
                    before={"approver_id": request.approver_id},
                    after={"approver_id": next_id},
                )
                await request.refresh_from_db()
                await _ask_approver(request, next_id, "escalated")
                escalated += 1
    return {"reminded": reminded, "escalated": escalated}


# --- what people are told (data; the words are the dialogs') --------------------------------


async def facts(request: ApprovalRequest) -> dict[str, Any]:
    """What is asked, as plain JSON data: what a message about the request is written from.

    Taken when the message is queued, so it tells what was asked even if the deal or customer
    changes before it is read; `bot.dialogs.alerts.describe` words it in the reader's language.
    """
    kind = ApprovalKind(request.kind)
    found: dict[str, Any] = {"kind": str(kind), "receipt": bool(request.attachment_ref)}
    if kind == ApprovalKind.DISCOUNT:
        deal = await Deal.filter(id=request.deal_id or 0).first()
        found |= {
            "percent": str(request.percent),
            "deal": deal.title if deal else "?",
            "amount": str(money.cents(deal.amount)) if deal else "",
            "currency": deal.currency if deal else "",
        }
    elif kind == ApprovalKind.CREDIT_LIMIT:
        customer = await Customer.filter(id=request.customer_id or 0).first()
        found |= {
            "customer": customer.name if customer else "?",
            "old": str(money.cents(customer.credit_limit) if customer else Decimal(0)),
            "new": str(money.cents(request.amount)),
            "currency": request.currency or "CNY",
        }
    elif kind == ApprovalKind.EXPENSE:
        found |= {
            "amount": str(money.cents(request.amount)),
            "currency": request.currency or "CNY",
            "category": request.category,
        }
    else:
        customer = await Customer.filter(id=request.customer_id or 0).first()
        target = await User.filter(id=request.target_user_id or 0).first()
        found |= {
            "customer": customer.name if customer else "?",
            "person": target.name if target else "?",
        }
    return found


async def _ask_approver(request: ApprovalRequest, approver_id: int, event: str) -> None:
    """Queue the request for its approver (rendered with Approve / Reject / Comment buttons);
    at the admins' level for every admin, since any of them may decide."""
    requester = await User.get(id=request.requester_id)
    params = {
        "event": event,
        "request_id": request.id,
        "requester": requester.name,
        "since": request.waiting_since.isoformat(),
        "facts": await facts(request),
        "note": request.note,
    }
    told = [approver_id]
    if await _is_admin(approver_id):
        told += await _admin_ids(exclude=(approver_id, request.requester_id))
    await outbox.notify_many(
        (uid, Later("approval", params), f"apr:{request.id}:{event}:L{request.level}:u{uid}")
        for uid in told
    )


async def _tell_requester(request: ApprovalRequest, decider: User) -> None:
    """Queue the outcome for the requester."""
    params = {
        "request_id": request.id,
        "approved": request.status == ApprovalStatus.APPROVED,
        "decider": decider.name,
        "facts": await facts(request),
        "comment": request.comment,
    }
    key = f"apr:{request.id}:outcome:u{request.requester_id}"
    await outbox.notify(request.requester_id, Later("approval_outcome", params), key)
