"""Correcting a customer's details and merging a duplicate into the customer to keep.

Both are audited with what was there before, and both check here who may do them: an edit is
for the owner, their managers and admins (the credit limit for finance and admins); a merge is
for a manager within their team, or an admin, because it cannot be undone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from bot import db
from bot.models import (
    ApprovalRequest,
    Contact,
    Customer,
    CustomerAlias,
    Deal,
    Invoice,
    Payment,
    PoolMove,
    Role,
    Task,
    User,
    Visit,
)
from bot.services import audit
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.language import amounts
from bot.services.people.permissions import require_owner_visible
from bot.services.records import customers
from bot.services.records.matching import normalize_name

DETAIL_FIELDS = ("name", "phone", "address", "industry", "tier")
CREDIT_LIMIT = "credit_limit"
FIELDS = (*DETAIL_FIELDS, CREDIT_LIMIT)
_LENGTHS = {"address": 300, "industry": 100}


def editable_fields(actor: User) -> tuple[str, ...]:
    """The fields the actor may change on a customer they can see."""
    detail = DETAIL_FIELDS if actor.role in (Role.REP, Role.MANAGER, Role.ADMIN) else ()
    credit = (CREDIT_LIMIT,) if actor.role in (Role.FINANCE, Role.ADMIN) else ()
    return detail + credit


def can_merge(actor: User) -> bool:
    """Merging is for managers (within their team) and admins."""
    return actor.role in (Role.MANAGER, Role.ADMIN)


def clean_value(field_name: str, text: str, *, currency: str = "CNY") -> Any:
    """The stored form of a typed value, or InvalidInput (the dialog says what is expected)."""
    if field_name == "name":
        return customers.clean_name(text)
    if field_name == "phone":
        return customers.clean_phone(text)
    if field_name == "tier":
        return customers.clean_tier(text)
    if field_name == CREDIT_LIMIT:
        value = text.strip()
        if value in ("0", "0.00"):
            return Decimal("0.00")
        amount, typed_currency = amounts.parse_money(value)
        if typed_currency not in (None, currency):
            raise InvalidInput("currency_mismatch", typed_currency)
        return amount
    if field_name in _LENGTHS:
        value = " ".join(text.split())
        if not value:
            raise InvalidInput("empty")
        if len(value) > _LENGTHS[field_name]:
            raise InvalidInput("too_long")
        return value
    raise InvalidInput("unknown_field", field_name)


@dataclass(frozen=True, slots=True)
class Edit:
    """One changed field: what it was and what it is now."""

    customer_id: int
    field: str
    before: Any
    after: Any


async def current_value(actor: User, customer_id: int, field_name: str) -> Any:
    """What a field holds now, for the before → after summary (after the same checks)."""
    customer = await _editable(actor, customer_id, field_name)
    return getattr(customer, field_name)


async def _editable(actor: User, customer_id: int, field_name: str) -> Customer:
    if field_name not in FIELDS:
        raise InvalidInput("unknown_field", field_name)
    customer = await customers.get_visible(actor, customer_id)
    if field_name not in editable_fields(actor):
        raise PermissionDenied()
    return customer


async def edit(
    actor: User, customer_id: int, field_name: str, value: Any, *, currency: str = "CNY"
) -> Edit:
    """Change one field, audited with before and after; a name also updates its search key."""
    clean = clean_value(field_name, str(value), currency=currency)
    async with in_transaction():
        customer = await _editable(actor, customer_id, field_name)
        locked = await Customer.filter(id=customer.id).select_for_update().first()
        if locked is None:
            raise NotFound()
        before = getattr(locked, field_name)
        updates: dict[str, Any] = {field_name: clean}
        if field_name == "name":
            updates["normalized_name"] = normalize_name(clean)
        locked.update_from_dict(updates)
        # A new name key is logged by the database's trigger: every instance's indexes catch up.
        await locked.save(update_fields=[*updates, "updated_at"])
        await audit.record(
            actor.id,
            "customer.edit",
            "customer",
            customer_id,
            before={field_name: before},
            after={field_name: clean},
        )
    return Edit(customer_id, field_name, before, clean)


# --- merge -----------------------------------------------------------------------------------

_COUNTS = """
SELECT
  (SELECT count(*) FROM visits WHERE customer_id = $1) AS visits,
  (SELECT count(*) FROM visits WHERE customer_id = $1 AND followup_done_at IS NULL
                                 AND next_followup_at IS NOT NULL) AS followups,
  (SELECT count(*) FROM deals WHERE customer_id = $1) AS deals,
  (SELECT count(*) FROM invoices WHERE customer_id = $1) AS invoices,
  (SELECT count(*) FROM payments WHERE customer_id = $1) AS payments,
  (SELECT count(*) FROM contacts WHERE customer_id = $1) AS contacts,
  (SELECT count(*) FROM tasks WHERE customer_id = $1) AS tasks,
  (SELECT count(*) FROM approval_requests WHERE customer_id = $1) AS approvals,
  (SELECT count(*) FROM customer_aliases WHERE customer_id = $1) AS aliases
"""
COUNTED = ("visits", "followups", "deals", "invoices", "payments", "contacts", "tasks", "approvals")
_FILLED = ("phone", "address", "industry", "tier")


@dataclass(frozen=True, slots=True)
class MergePlan:
    """What a merge moves from the duplicate to the customer kept, shown before confirming."""

    source_id: int
    source_name: str
    target_id: int
    target_name: str
    target_owner_name: str
    counts: dict[str, int] = field(default_factory=dict)
    fills: dict[str, str] = field(default_factory=dict)  # blank fields of the kept customer


async def _pair(actor: User, source_id: int, target_id: int) -> tuple[Customer, Customer]:
    """Both customers, if the actor may merge them (NotFound hides what they may not see)."""
    if not can_merge(actor):
        raise PermissionDenied()
    if source_id == target_id:
        raise InvalidInput("merge_into_itself")
    found = {c.id: c for c in await Customer.filter(id__in=[source_id, target_id])}
    if source_id not in found or target_id not in found:
        raise NotFound()
    for customer in found.values():
        await require_owner_visible(actor, customer.owner_id)
    return found[source_id], found[target_id]


async def _plan(source: Customer, target: Customer) -> MergePlan:
    rows = await db.fetch(_COUNTS, [source.id])
    owner = await User.filter(id=target.owner_id).values_list("name", flat=True)
    fills = {
        name: str(getattr(source, name))
        for name in _FILLED
        if getattr(source, name) and not getattr(target, name)
    }
    return MergePlan(
        source.id,
        source.name,
        target.id,
        target.name,
        owner[0] if owner else "",
        {name: int(rows[0][name]) for name in COUNTED},
        fills,
    )


async def merge_plan(actor: User, source_id: int, target_id: int) -> MergePlan:
    """The summary of a merge, after the same checks the merge itself makes."""
    source, target = await _pair(actor, source_id, target_id)
    return await _plan(source, target)


async def merge(actor: User, source_id: int, target_id: int) -> MergePlan:
    """Move everything attached to the duplicate onto the customer kept, in one transaction.

    The duplicate's name and phone stay as an alias of the kept customer, so search, the
    duplicate check and quick capture still find it by them; open follow-ups go to the kept
    customer's owner; the duplicate's details fill the kept one's blank fields. Audited
    with the duplicate's details and what moved.
    """
    async with in_transaction():
        source, target = await _pair(actor, source_id, target_id)
        locked = await Customer.filter(id__in=[source_id, target_id]).select_for_update()
        if len(locked) != 2:
            raise NotFound()
        plan = await _plan(source, target)
        await Visit.filter(
            customer_id=source_id, followup_done_at__isnull=True, next_followup_at__isnull=False
        ).update(followup_owner_id=target.owner_id)
        # The duplicate's moves into and out of the public pool stay in the kept one's history.
        for model in (Visit, Deal, Invoice, Payment, Contact, Task, ApprovalRequest, PoolMove):
            await model.filter(customer_id=source_id).update(customer_id=target_id)
        await CustomerAlias.filter(customer_id=source_id).update(customer_id=target_id)
        await CustomerAlias.create(
            customer_id=target_id,
            merged_id=source_id,
            name=source.name,
            normalized_name=source.normalized_name,
            phone=source.phone,
        )
        updates: dict[str, Any] = dict(plan.fills)
        if source.last_contact_at and (
            target.last_contact_at is None or source.last_contact_at > target.last_contact_at
        ):
            updates["last_contact_at"] = source.last_contact_at
        target.update_from_dict(updates)
        await target.save(update_fields=[*updates, "updated_at"])
        await Customer.filter(id=source_id).delete()
        await audit.record(
            actor.id,
            "customer.merge",
            "customer",
            target_id,
            before={
                "merged_id": source_id,
                **customers.customer_details(source),
                "last_contact_at": source.last_contact_at,
            },
            after={"customer_id": target_id, "moved": plan.counts, "filled": plan.fills},
        )
    return plan
