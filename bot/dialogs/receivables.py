"""/receivables: who owes what, how late; /payment: finance records money received."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from bot.dialogs.base import Ctx, Dialog, Done, Invalid, Transition
from bot.dialogs.common import (
    action,
    amount_text,
    local_today,
    preselect_customer,
    search_into,
)
from bot.dialogs.convert import to_id
from bot.dialogs.feature import EVERYONE, MONEY, Command, Feature
from bot.dialogs.labels import BUCKET_LABELS, PAYMENT_METHODS
from bot.dialogs.widgets import Confirm, CustomerPick, Money, Option, Pick, Text, When
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.services.errors import InvalidInput
from bot.services.finance import receivables
from bot.services.records import customers

METHODS = tuple(Option(value, label) for value, label in PAYMENT_METHODS.items())


def report_reply(ctx: Ctx, rep: receivables.Report, title: str) -> Reply:
    """Aging per currency, then credit (one customer) or the largest overdue customers."""
    lines = [f"💴 {title}"]
    if not rep.aging:
        lines.append(ctx._("Nothing open. 🎉"))
    for aging in rep.aging:
        cur = aging.currency
        lines.append(
            ctx._("Open {total} · overdue {overdue}").format(
                total=amount_text(ctx, aging.total, cur),
                overdue=amount_text(ctx, aging.overdue, cur),
            )
        )
        for name in receivables.BUCKETS:
            value = aging.buckets[name]
            if value:
                mark = "⚠️ " if name in receivables.OVERDUE else "• "
                lines.append(
                    mark + ctx.t.labelled(ctx._(BUCKET_LABELS[name]), amount_text(ctx, value, cur))
                )
    rows: list[tuple[Button, ...]] = []
    if rep.credit is not None:
        credit = rep.credit
        currency = ctx.settings.currency.upper()
        if credit.limit <= 0:
            lines.append(ctx._("No credit limit set."))
        elif credit.exceeded:
            lines.append(
                "🚫 "
                + ctx._("Credit limit {limit} exceeded by {over}.").format(
                    limit=amount_text(ctx, credit.limit, currency),
                    over=amount_text(ctx, credit.owed - credit.limit, currency),
                )
            )
        else:
            lines.append(
                ctx._("Credit limit {limit}, {left} left.").format(
                    limit=amount_text(ctx, credit.limit, currency),
                    left=amount_text(ctx, credit.limit - credit.owed, currency),
                )
            )
        rows.append((action(ctx._("Open customer"), "cust", credit.customer_id),))
    if rep.top:
        lines.append(ctx._("Largest overdue:"))
        for number, debtor in enumerate(rep.top, 1):
            line = f"{number}. {debtor.name} — {amount_text(ctx, debtor.overdue, debtor.currency)}"
            lines.append(line)
            rows.append((action(f"{number}. {debtor.name[:40]}", "rcv", debtor.customer_id),))
    if rep.over_limit:
        lines.append(
            ctx.ngettext(
                "{count} customer is over the credit limit.",
                "{count} customers are over the credit limit.",
                rep.over_limit,
            ).format(count=rep.over_limit)
        )
    return Reply("\n".join(lines), tuple(rows))


async def customer_report(ctx: Ctx, customer_id: int, name: str) -> Reply:
    rep = await receivables.report(
        ctx.user,
        today=local_today(ctx),
        currency=ctx.settings.currency.upper(),
        customer_id=customer_id,
    )
    return report_reply(ctx, rep, ctx._("Receivables: {name}").format(name=name))


async def begin_receivables(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    """No argument: everything visible at once; a name: that customer (or a pick list)."""
    query = " ".join(args.split())
    if not query:
        rep = await receivables.report(
            ctx.user, today=local_today(ctx), currency=ctx.settings.currency.upper()
        )
        return [report_reply(ctx, rep, ctx._("Receivables, all you can see"))]
    data: dict[str, Any] = {}
    try:
        await search_into(ctx, data, query)
    except Invalid as bad:
        return [Reply(bad.message)]
    if data.get("customer_id"):
        return [await customer_report(ctx, data["customer_id"], data["customer_name"])]
    return data


async def show_report(ctx: Ctx, data: dict[str, Any]) -> Transition:
    return Done([await customer_report(ctx, data["customer_id"], data["customer_name"])])


RECEIVABLES = Dialog(
    name="receivables",
    title=N_("Receivables"),
    begin=begin_receivables,
    steps=(CustomerPick(then=show_report),),
)


async def open_receivables(ctx: Ctx, arg: str) -> list[Reply]:
    """Action button 'rcv:<customer id>': that customer's receivables."""
    customer_id = to_id(arg)
    if customer_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    summary = await customers.brief(ctx.user, customer_id)
    return [await customer_report(ctx, summary.id, summary.name)]


# --- /payment ---------------------------------------------------------------------------------


async def load_invoices(ctx: Ctx, data: dict[str, Any]) -> str | None:
    """The customer's open invoices into the data; a line saying so when there is none."""
    invoices = await receivables.open_invoices(ctx.user, int(data["customer_id"]))
    if not invoices:
        return ctx._("{customer} has no open invoices, so there is nothing to pay.").format(
            customer=data.get("customer_name", "")
        )
    data["invoices"] = [
        [inv.id, inv.number, inv.currency, str(inv.open_amount), inv.due_date.isoformat()]
        for inv in invoices
    ]
    currencies = {inv.currency for inv in invoices}
    # No currency typed: the one the invoices are in, else the company's.
    data["currency"] = (
        next(iter(currencies)) if len(currencies) == 1 else ctx.settings.currency.upper()
    )
    return None


async def begin_payment(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    if not receivables.can_record_payments(ctx.user):
        return [Reply(ctx._("Only finance and admins record payments."))]
    data = await preselect_customer(ctx, args)
    if data.get("customer_id") and (nothing := await load_invoices(ctx, data)):
        return [Reply(nothing)]
    return data


async def customer_chosen(ctx: Ctx, data: dict[str, Any]) -> Transition:
    nothing = await load_invoices(ctx, data)
    return Done([Reply(nothing)]) if nothing else None


def amount_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    """The open invoices, then the question."""
    invoices = data.get("invoices") or []
    lines = [
        ctx.ngettext(
            "{customer} has {count} open invoice:",
            "{customer} has {count} open invoices:",
            len(invoices),
        ).format(customer=data.get("customer_name", ""), count=len(invoices))
    ]
    for _, number, currency, open_amount, due in invoices[:8]:
        lines.append(
            ctx._("{number}: {amount} open, due {due}").format(
                number=number, amount=amount_text(ctx, open_amount, currency), due=due
            )
        )
    lines.append(ctx._("How much was paid?"))
    return "\n".join(lines)


def _open_total(data: dict[str, Any], currency: str, ids: list[int] | None = None) -> Decimal:
    return sum(
        (
            Decimal(row[3])
            for row in data.get("invoices", [])
            if row[2] == currency and (ids is None or row[0] in ids)
        ),
        Decimal(0),
    )


def overpayment_line(ctx: Ctx, open_amount: str) -> str:
    """The one clear line for a payment larger than what is open."""
    return ctx._("That is more than is open ({open}). Nothing was recorded.").format(
        open=open_amount
    )


async def check_amount(ctx: Ctx, data: dict[str, Any]) -> Transition:
    """In a currency the invoices are in, and no more than is open in it."""
    currency = data["currency"]
    if currency not in {row[2] for row in data.get("invoices", [])}:
        raise Invalid(
            ctx._("This customer has no open invoice in {currency}.").format(currency=currency)
        )
    open_total = _open_total(data, currency)
    if Decimal(data["amount"]) > open_total:
        raise Invalid(overpayment_line(ctx, amount_text(ctx, open_total, currency)))
    return None


def _candidates(data: dict[str, Any]) -> list[list[Any]]:
    return [row for row in data.get("invoices", []) if row[2] == data.get("currency")]


def apply_options(ctx: Ctx, data: dict[str, Any]) -> list[Option]:
    options = [Option("oldest", N_("Oldest first"))]
    return options + [Option(f"inv:{row[0]}", row[1]) for row in _candidates(data)[:8]]


async def check_apply(ctx: Ctx, data: dict[str, Any]) -> Transition:
    """One invoice chosen: the payment must fit what is open on it."""
    if data["apply"] == "oldest":
        data["invoice_ids"] = []
        return None
    chosen = to_id(data["apply"].removeprefix("inv:"))
    if chosen is None or chosen not in {row[0] for row in _candidates(data)}:
        raise Invalid(ctx._("Please pick one of the options."))
    open_total = _open_total(data, data["currency"], [chosen])
    if Decimal(data["amount"]) > open_total:
        raise Invalid(overpayment_line(ctx, amount_text(ctx, open_total, data["currency"])))
    data["invoice_ids"] = [chosen]
    return None


def method_text(ctx: Ctx, value: str) -> str:
    labels = {option.value: ctx._(option.label) for option in METHODS}
    return labels.get(value, value)


def payment_summary(ctx: Ctx, data: dict[str, Any]) -> str:
    paid_on = ctx.t.date(
        datetime.combine(date.fromisoformat(data["paid_on"]), time(), ctx.t.timezone)
    )
    lines = [
        ctx._("Record this payment?"),
        f"🏢 {data.get('customer_name', '')}",
        f"💴 {amount_text(ctx, data['amount'], data['currency'])} · {paid_on}",
        ctx._("Method: {method}").format(method=method_text(ctx, data["method"])),
    ]
    if data.get("reference"):
        lines.append(ctx._("Reference: {reference}").format(reference=data["reference"]))
    numbers = {row[0]: row[1] for row in data["invoices"]}
    if data.get("invoice_ids"):
        lines.append(ctx._("Applied to {number}").format(number=numbers[data["invoice_ids"][0]]))
    else:
        lines.append(ctx._("Applied to the oldest invoices first"))
    return "\n".join(lines)


PAYMENT_REFUSALS = {
    "invoice_not_open": N_("That invoice is no longer open; nothing was recorded. Try again."),
    "nothing_open": N_("There is nothing open for this customer; nothing was recorded."),
    "currency_needed": N_("Please say the currency: the open invoices are in several."),
    "amount_invalid": N_("The amount must be above zero."),
}


async def record(ctx: Ctx, data: dict[str, Any]) -> Transition:
    draft = receivables.PaymentDraft(
        customer_id=int(data["customer_id"]),
        amount=Decimal(data["amount"]),
        currency=data["currency"],
        paid_on=date.fromisoformat(data["paid_on"]),
        method=data["method"],
        reference=data.get("reference", ""),
        invoice_ids=tuple(data.get("invoice_ids") or ()),
    )
    try:
        result = await receivables.record_payment(ctx.user, draft, now=ctx.now)
    except InvalidInput as refused:
        if refused.code == "overpayment":
            amount, _, currency = refused.detail.partition(" ")
            return Done([Reply(overpayment_line(ctx, amount_text(ctx, amount, currency)))])
        line = PAYMENT_REFUSALS.get(
            refused.code, N_("The invoices changed meanwhile; nothing was recorded. Try again.")
        )
        return Done([Reply(ctx._(line))])
    lines = [
        "✅ "
        + ctx._("Payment of {amount} recorded.").format(
            amount=amount_text(ctx, result.amount, result.currency)
        )
    ]
    for part in result.applied:
        lines.append(
            ctx._("{number}: {amount} applied, {left} still open").format(
                number=part.number,
                amount=amount_text(ctx, part.amount, result.currency),
                left=amount_text(ctx, part.still_open, result.currency),
            )
        )
    return Done([Reply("\n".join(lines))])


PAYMENT = Dialog(
    name="payment",
    title=N_("Record a payment"),
    begin=begin_payment,
    steps=(
        CustomerPick(then=customer_chosen),
        Money(key="amount", prompt=amount_prompt, default_currency=False, then=check_amount),
        Pick(
            key="apply",
            prompt=N_("Apply it to which invoice?"),
            when=lambda ctx, data: len(_candidates(data)) > 1,
            choices=apply_options,
            invalid=N_("Please pick one of the options."),
            then=check_apply,
        ),
        When(
            key="paid_on",
            prompt=N_(
                "Paid on? Type a date (“yesterday”, “last monday”, “2026-11-30”) or tap one."
            ),
            shortcuts=(Option("today", N_("Today")), Option("yesterday", N_("Yesterday"))),
            columns=2,
            prefer="past",
            rule="past",
            day_only=True,
            invalid=N_("I could not read that date. Try “yesterday”, “last monday” or “11月30日”."),
        ),
        Pick(
            key="method",
            prompt=N_("How was it paid?"),
            choices=METHODS,
            columns=2,
            free=True,
            max_len=receivables.MAX_METHOD,
            invalid=N_("Please tap or type the method."),
        ),
        Text(
            key="reference",
            prompt=N_("Reference (bank slip, transaction number)? (optional)"),
            optional=True,
            max_len=receivables.MAX_REFERENCE,
            empty=N_("Please type it, or skip."),
        ),
        Confirm(prompt=payment_summary, save=record),
    ),
)


FEATURE = Feature(
    name="receivables",
    commands=(
        Command(
            "receivables",
            N_("who owes what, how late: /receivables acme"),
            EVERYONE,
            dialog=RECEIVABLES,
        ),
        Command("payment", N_("record a payment (finance)"), MONEY, dialog=PAYMENT),
    ),
    actions={"rcv": open_receivables},
)
