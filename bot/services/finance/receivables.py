"""Receivables: payments allocated to invoices atomically, and aging as one set-based query.

Allocation locks the customer's open invoices (SELECT … FOR UPDATE on PostgreSQL; SQLite's single
writer serialises) and writes every allocation in one transaction, so two people recording at
the same moment can never apply more than is open. On PostgreSQL each invoice write is also
conditional on the paid amount it was read with, a second guard that turns a race into a refusal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from tortoise.transactions import in_transaction

from bot import db
from bot.models import Customer, Invoice, InvoiceStatus, Payment, PaymentAllocation, Role, User
from bot.services import audit
from bot.services.errors import InvalidInput, PermissionDenied
from bot.services.finance import money
from bot.services.people.permissions import scope_for
from bot.services.records.customers import get_visible

BUCKETS = (
    "due_today",
    "due_week",
    "due_later",
    "overdue_1_30",
    "overdue_31_60",
    "overdue_61_90",
    "overdue_91_180",
    "overdue_181",
)
OVERDUE = BUCKETS[3:]
MAX_METHOD, MAX_REFERENCE = 32, 100


def can_record_payments(actor: User) -> bool:
    """Only finance and admin touch money received."""
    return actor.role in (Role.FINANCE, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class PaymentDraft:
    """What /payment collected; `invoice_ids` empty means oldest due first."""

    customer_id: int
    amount: Decimal
    currency: str | None
    paid_on: date
    method: str = ""
    reference: str = ""
    invoice_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Applied:
    """The part of a payment applied to one invoice, and what that invoice still owes."""

    invoice_id: int
    number: str
    amount: Decimal
    still_open: Decimal


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """A recorded payment and where it went."""

    payment_id: int
    amount: Decimal
    currency: str
    applied: tuple[Applied, ...]


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An open invoice as the payment picker shows it."""

    id: int
    number: str
    currency: str
    open_amount: Decimal
    due_date: date


async def open_invoices(actor: User, customer_id: int) -> list[OpenInvoice]:
    """A visible customer's open invoices, oldest due first."""
    customer = await get_visible(actor, customer_id)
    rows = await (
        Invoice.filter(customer_id=customer.id, status=InvoiceStatus.OPEN)
        .order_by("due_date", "id")
        .values_list("id", "number", "currency", "amount", "paid_amount", "due_date")
    )
    return [
        OpenInvoice(iid, number, cur, money.cents(amount) - money.cents(paid), due)
        for iid, number, cur, amount, paid, due in rows
    ]


def _plan(invoices: Sequence[Invoice], amount: Decimal) -> list[tuple[Invoice, Decimal]]:
    """Split an amount over invoices in the given order, each up to what it still owes."""
    plan: list[tuple[Invoice, Decimal]] = []
    left = amount
    for invoice in invoices:
        if left <= 0:
            break
        owed = money.cents(invoice.amount) - money.cents(invoice.paid_amount)
        part = min(owed, left)
        if part > 0:
            plan.append((invoice, part))
            left -= part
    return plan


async def record_payment(actor: User, draft: PaymentDraft, *, now: datetime) -> PaymentResult:
    """Record a payment and allocate it (chosen invoices, else oldest due first), all or nothing.

    Refuses with InvalidInput('overpayment', open amount) when the payment exceeds what is open
    on the target invoices; nothing is written then.
    """
    if not can_record_payments(actor):
        raise PermissionDenied()
    amount = money.cents(draft.amount)
    if amount <= 0:
        raise InvalidInput("amount_invalid")
    method = " ".join(draft.method.split())[:MAX_METHOD]
    reference = " ".join(draft.reference.split())[:MAX_REFERENCE]
    async with in_transaction():
        customer = await get_visible(actor, draft.customer_id)
        query = Invoice.filter(customer_id=customer.id, status=InvoiceStatus.OPEN)
        if draft.invoice_ids:
            query = query.filter(id__in=list(draft.invoice_ids))
        # Lock in id order so two payments never wait on each other crosswise.
        locked = await query.select_for_update().order_by("id")
        if draft.invoice_ids and len(locked) != len(set(draft.invoice_ids)):
            raise InvalidInput("invoice_not_open")
        currency = (draft.currency or "").upper() or _single_currency(locked)
        targets = [inv for inv in locked if inv.currency == currency]
        if draft.invoice_ids:
            order = {iid: n for n, iid in enumerate(draft.invoice_ids)}
            targets.sort(key=lambda inv: order[inv.id])
        else:
            targets.sort(key=lambda inv: (inv.due_date, inv.id))
        open_total = sum(
            (money.cents(i.amount) - money.cents(i.paid_amount) for i in targets), Decimal(0)
        )
        if not targets:
            raise InvalidInput("nothing_open", currency)
        if amount > open_total:
            raise InvalidInput("overpayment", f"{open_total} {currency}")
        payment = await Payment.create(
            customer_id=customer.id,
            amount=amount,
            currency=currency,
            paid_on=draft.paid_on,
            method=method,
            reference=reference,
            recorded_by_id=actor.id,
        )
        applied: list[Applied] = []
        for invoice, part in _plan(targets, amount):
            paid_before = money.cents(invoice.paid_amount)
            # PostgreSQL compares numerics; SQLite keeps text ('0' ≠ '0.00'), and there the
            # single writer already refuses a stale transaction's write.
            guard = {} if db.dialect() == "sqlite" else {"paid_amount": paid_before}
            paid_after = paid_before + part
            full = paid_after >= money.cents(invoice.amount)
            written = await Invoice.filter(
                id=invoice.id, status=InvoiceStatus.OPEN, **guard
            ).update(
                paid_amount=paid_after,
                status=InvoiceStatus.PAID if full else InvoiceStatus.OPEN,
                updated_at=now,
            )
            if not written:
                raise InvalidInput("invoice_changed_meanwhile")
            await PaymentAllocation.create(
                payment_id=payment.id, invoice_id=invoice.id, amount=part
            )
            applied.append(
                Applied(invoice.id, invoice.number, part, money.cents(invoice.amount) - paid_after)
            )
        await audit.record(
            actor.id,
            "payment.record",
            "payment",
            payment.id,
            after={
                "customer_id": customer.id,
                "amount": amount,
                "currency": currency,
                "paid_on": draft.paid_on,
                "method": method,
                "reference": reference,
                "allocations": [[a.invoice_id, a.amount] for a in applied],
            },
        )
    return PaymentResult(payment.id, amount, currency, tuple(applied))


def _single_currency(invoices: Iterable[Invoice]) -> str:
    currencies = {inv.currency for inv in invoices}
    if len(currencies) != 1:
        raise InvalidInput("currency_needed" if currencies else "nothing_open")
    return currencies.pop()


# --- aging ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Aging:
    """Open amounts of one currency per bucket."""

    currency: str
    buckets: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), Decimal(0))

    @property
    def overdue(self) -> Decimal:
        return sum((self.buckets[b] for b in OVERDUE), Decimal(0))


@dataclass(frozen=True, slots=True)
class Debtor:
    """A customer with an overdue amount, for the 'largest overdue' list."""

    customer_id: int
    name: str
    owner_id: int
    currency: str
    overdue: Decimal


@dataclass(frozen=True, slots=True)
class Credit:
    """One customer's credit limit against what it owes in the company currency."""

    customer_id: int
    name: str
    limit: Decimal
    owed: Decimal

    @property
    def exceeded(self) -> bool:
        return self.limit > 0 and self.owed > self.limit


@dataclass(frozen=True, slots=True)
class Report:
    """What /receivables shows: aging per currency, credit, the largest overdue customers."""

    aging: list[Aging]
    credit: Credit | None = None
    top: list[Debtor] = field(default_factory=list)
    over_limit: int = 0


def bucket_edges(today: date) -> dict[str, date]:
    """The dates the buckets are cut at; 'due this week' means within the next 7 days."""
    return {
        "today": today,
        "week": today + timedelta(days=7),
        "d30": today - timedelta(days=30),
        "d60": today - timedelta(days=60),
        "d90": today - timedelta(days=90),
        "d180": today - timedelta(days=180),
    }


def aging_sql(
    sql: db.Params,
    today: date,
    *,
    owner_ids: Iterable[int] | None = None,
    customer_id: int | None = None,
) -> str:
    """One grouped SUM(CASE …) over open invoices (amount − paid_amount), per currency."""
    e = {k: sql(v) for k, v in bucket_edges(today).items()}
    o = sql.cents("i.amount - i.paid_amount")
    cases = {
        "due_today": f"i.due_date = {e['today']}",
        "due_week": f"i.due_date > {e['today']} AND i.due_date <= {e['week']}",
        "due_later": f"i.due_date > {e['week']}",
        "overdue_1_30": f"i.due_date < {e['today']} AND i.due_date >= {e['d30']}",
        "overdue_31_60": f"i.due_date < {e['d30']} AND i.due_date >= {e['d60']}",
        "overdue_61_90": f"i.due_date < {e['d60']} AND i.due_date >= {e['d90']}",
        "overdue_91_180": f"i.due_date < {e['d90']} AND i.due_date >= {e['d180']}",
        "overdue_181": f"i.due_date < {e['d180']}",
    }
    columns = ",\n  ".join(
        f"SUM(CASE WHEN {cond} THEN {o} ELSE 0 END) AS {name}" for name, cond in cases.items()
    )
    where = ["i.status = 'open'"]
    join = sql.scan_all if owner_ids is None and customer_id is None else ""
    if customer_id is not None:
        where.append(f"i.customer_id = {sql(customer_id)}")
    if owner_ids is not None:
        join = "JOIN customers c ON c.id = i.customer_id"
        where.append(f"c.owner_id IN ({sql.ids(owner_ids)})")
    return (
        f"SELECT i.currency AS currency,\n  {columns}\nFROM invoices i {join}\n"
        f"WHERE {' AND '.join(where)}\nGROUP BY i.currency ORDER BY i.currency"
    )


async def aging(actor: User, *, today: date, customer_id: int | None = None) -> list[Aging]:
    """Open amounts per aging bucket and currency, for one customer or all the actor may see."""
    owner_ids: frozenset[int] | None = None
    if customer_id is not None:
        await get_visible(actor, customer_id)
    else:
        owner_ids = (await scope_for(actor)).owner_ids
        if owner_ids is not None and not owner_ids:
            return []
    return await _aging(today, owner_ids=owner_ids, customer_id=customer_id)


async def _aging(
    today: date, *, owner_ids: Iterable[int] | None = None, customer_id: int | None = None
) -> list[Aging]:
    sql = db.Params()
    query = aging_sql(sql, today, owner_ids=owner_ids, customer_id=customer_id)
    rows = await db.fetch(query, sql.values)
    result = []
    for row in rows:
        buckets = {name: sql.amount(row[name]) for name in BUCKETS}
        if any(buckets.values()):
            result.append(Aging(row["currency"], buckets))
    return result


async def largest_overdue(
    owner_ids: Iterable[int] | None, *, today: date, limit: int = 5
) -> list[Debtor]:
    """The customers with the largest overdue amounts (per currency), largest first."""
    sql = db.Params()
    o = sql.cents("i.amount - i.paid_amount")
    where = [f"i.status = 'open' AND i.due_date < {sql(today)}"]
    source = f"invoices i {sql.scan_all}"
    if owner_ids is not None:
        source = "invoices i JOIN customers c ON c.id = i.customer_id"
        where.append(f"c.owner_id IN ({sql.ids(owner_ids)})")
    query = (
        f"SELECT i.customer_id AS customer_id, i.currency AS currency, SUM({o}) AS overdue "
        f"FROM {source} WHERE {' AND '.join(where)} "
        f"GROUP BY i.customer_id, i.currency "
        f"ORDER BY overdue DESC, i.customer_id LIMIT {int(limit)}"
    )
    rows = await db.fetch(query, sql.values)
    found = {
        cid: (name, owner)
        for cid, name, owner in await Customer.filter(
            id__in=[r["customer_id"] for r in rows]
        ).values_list("id", "name", "owner_id")
    }
    return [
        Debtor(
            r["customer_id"],
            *found.get(r["customer_id"], ("", 0)),
            r["currency"],
            sql.amount(r["overdue"]),
        )
        for r in rows
        if r["overdue"]
    ]


async def count_over_limit(owner_ids: Iterable[int] | None, *, currency: str) -> int:
    """How many customers owe more than their (non-zero) credit limit, in the company currency."""
    sql = db.Params()
    o = sql.cents("i.amount - i.paid_amount")
    limit_cents = (
        f"CAST(ROUND({sql.number('c.credit_limit')} * 100) AS INTEGER)"
        if sql.sqlite
        else "c.credit_limit"
    )
    where = [f"i.status = 'open' AND i.currency = {sql(currency)}"]
    source = f"invoices i {sql.scan_all}"
    if owner_ids is not None:
        source = "invoices i JOIN customers c ON c.id = i.customer_id"
        where.append(f"c.owner_id IN ({sql.ids(owner_ids)})")
    query = (
        f"SELECT COUNT(*) AS n FROM (SELECT i.customer_id AS customer_id, SUM({o}) AS owed "
        f"FROM {source} WHERE {' AND '.join(where)} GROUP BY i.customer_id) AS x "
        f"JOIN customers c ON c.id = x.customer_id "
        f"WHERE {sql.number('c.credit_limit')} > 0 AND x.owed > {limit_cents}"
    )
    rows = await db.fetch(query, sql.values)
    return int(rows[0]["n"]) if rows else 0


async def report(
    actor: User, *, today: date, currency: str, customer_id: int | None = None, top: int = 5
) -> Report:
    """/receivables: aging, and either one customer's credit or the largest overdue customers."""
    if customer_id is not None:
        customer: Customer = await get_visible(actor, customer_id)
        rows = await _aging(today, customer_id=customer.id)
        owed = next((a.total for a in rows if a.currency == currency), Decimal(0))
        credit = Credit(customer.id, customer.name, money.cents(customer.credit_limit), owed)
        return Report(rows, credit=credit)
    owner_ids = (await scope_for(actor)).owner_ids
    rows = await _aging(today, owner_ids=owner_ids)
    if not rows:
        return Report([])
    debtors = await largest_overdue(owner_ids, today=today, limit=top)
    over = await count_over_limit(owner_ids, currency=currency)
    return Report(rows, top=debtors, over_limit=over)


async def digest_amounts(
    owner_ids: Sequence[int], *, today: date
) -> dict[int, dict[str, dict[str, Decimal]]]:
    """For the morning digest, per owner and currency: due within 7 days, and overdue (one query).

    Returns {owner_id: {currency: {"due_week": …, "overdue": …}}}; owners with nothing are absent.
    """
    if not owner_ids:
        return {}
    sql = db.Params()
    o = sql.cents("i.amount - i.paid_amount")
    t, week = sql(today), sql(today + timedelta(days=7))
    query = (
        f"SELECT c.owner_id AS owner_id, i.currency AS currency, "
        f"SUM(CASE WHEN i.due_date >= {t} AND i.due_date <= {week} THEN {o} ELSE 0 END) AS due, "
        f"SUM(CASE WHEN i.due_date < {t} THEN {o} ELSE 0 END) AS overdue "
        f"FROM invoices i JOIN customers c ON c.id = i.customer_id "
        f"WHERE i.status = 'open' AND c.owner_id IN ({sql.ids(owner_ids)}) "
        f"GROUP BY c.owner_id, i.currency"
    )
    result: dict[int, dict[str, dict[str, Decimal]]] = {}
    for row in await db.fetch(query, sql.values):
        due, overdue = sql.amount(row["due"]), sql.amount(row["overdue"])
        if due or overdue:
            result.setdefault(row["owner_id"], {})[row["currency"]] = {
                "due_week": due,
                "overdue": overdue,
            }
    return result
