"""/receivables: who owes what, how late; /payment: finance records money received."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.dialogs.base import Answer, Ctx, Dialog, Done, Goto, Invalid, Question, Step, Transition
from bot.dialogs.common import (
    CUSTOMER_STEP,
    action,
    amount_text,
    local_today,
    preselect_customer,
    search_into,
    text_of,
)
from bot.dialogs.feature import EVERYONE, MONEY, Command, Feature
from bot.dialogs.labels import BUCKET_LABELS
from bot.dialogs.widgets import confirmed, read_money
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.services import receivables
from bot.services.errors import InvalidInput

METHODS = (
    ("bank", N_("Bank transfer")),
    ("cash", N_("Cash")),
    ("alipay", N_("Alipay")),
    ("wechat", N_("WeChat Pay")),
    ("cheque", N_("Cheque")),
)


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
                lines.append(f"{mark}{ctx._(BUCKET_LABELS[name])}: {amount_text(ctx, value, cur)}")
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


async def answer_pick(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    outcome = await CUSTOMER_STEP.answer(ctx, data, answer)
    if data.get("customer_id"):
        return Done([await customer_report(ctx, data["customer_id"], data["customer_name"])])
    return outcome or Goto("customer")


RECEIVABLES = Dialog(
    name="receivables",
    title=N_("Receivables"),
    begin=begin_receivables,
    steps=(Step("customer", CUSTOMER_STEP.ask, answer_pick),),
)


async def open_receivables(ctx: Ctx, arg: str) -> list[Reply]:
    """Action button 'rcv:<customer id>': that customer's receivables."""
    if not arg.isdigit():
        return [Reply(ctx._("That button is not valid any more."))]
    data = await preselect_customer(ctx, arg)
    return [await customer_report(ctx, data["customer_id"], data["customer_name"])]


# --- /payment ---------------------------------------------------------------------------------


async def begin_payment(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    if not receivables.can_record_payments(ctx.user):
        return [Reply(ctx._("Only finance and admins record payments."))]
    return await preselect_customer(ctx, args)


async def ask_amount(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    invoices = await receivables.open_invoices(ctx.user, int(data["customer_id"]))
    data["invoices"] = [
        [inv.id, inv.number, inv.currency, str(inv.open_amount), inv.due_date.isoformat()]
        for inv in invoices
    ]
    if not invoices:
        return Question(
            ctx._("{customer} has no open invoices, so there is nothing to pay. /cancel").format(
                customer=data.get("customer_name", "")
            )
        )
    lines = [
        ctx.ngettext(
            "{customer} has {count} open invoice:",
            "{customer} has {count} open invoices:",
            len(invoices),
        ).format(customer=data.get("customer_name", ""), count=len(invoices))
    ]
    for inv in invoices[:8]:
        lines.append(
            ctx._("{number}: {amount} open, due {due}").format(
                number=inv.number,
                amount=amount_text(ctx, inv.open_amount, inv.currency),
                due=inv.due_date.isoformat(),
            )
        )
    lines.append(ctx._("How much was paid?"))
    return Question("\n".join(lines))


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


async def answer_amount(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if not data.get("invoices"):
        raise Invalid(ctx._("There is nothing open for this customer."))
    amount, said = read_money(ctx, answer.text or "")
    currencies = {row[2] for row in data["invoices"]}
    if said is not None:
        currency = said
    elif len(currencies) == 1:  # no currency named: the one the invoices are in
        currency = next(iter(currencies))
    else:
        currency = ctx.settings.currency.upper()
    if currency not in currencies:
        raise Invalid(
            ctx._("This customer has no open invoice in {currency}.").format(currency=currency)
        )
    open_total = _open_total(data, currency)
    if amount > open_total:
        raise Invalid(overpayment_line(ctx, amount_text(ctx, open_total, currency)))
    data["amount"], data["currency"] = str(amount), currency
    return None


async def ask_apply(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    candidates = [row for row in data["invoices"] if row[2] == data["currency"]]
    if len(candidates) < 2:
        return None
    choices = [("oldest", ctx._("Oldest first"))]
    choices += [(f"inv:{row[0]}", row[1]) for row in candidates[:8]]
    return Question(ctx._("Apply it to which invoice?"), choices)


async def answer_apply(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice == "oldest":
        data["invoice_ids"] = []
        return None
    by_number = {row[1].casefold(): row[0] for row in data["invoices"]}
    chosen: int | None = None
    if answer.choice and answer.choice.startswith("inv:"):
        chosen = int(answer.choice[4:])
    elif answer.text and answer.text.strip().casefold() in by_number:
        chosen = by_number[answer.text.strip().casefold()]
    if chosen is None or chosen not in {row[0] for row in data["invoices"]}:
        raise Invalid(ctx._("Please pick one of the options."))
    open_total = _open_total(data, data["currency"], [chosen])
    if Decimal(data["amount"]) > open_total:
        raise Invalid(overpayment_line(ctx, amount_text(ctx, open_total, data["currency"])))
    data["invoice_ids"] = [chosen]
    return None


async def ask_paid_on(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(
        ctx._("Paid on? Type a date (YYYY-MM-DD) or tap one."),
        [("today", ctx._("Today")), ("yesterday", ctx._("Yesterday"))],
        columns=2,
    )


async def answer_paid_on(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    today = local_today(ctx)
    value = answer.choice or (answer.text or "").strip()
    if value == "today":
        day = today
    elif value == "yesterday":
        day = today - timedelta(days=1)
    else:
        try:
            day = date.fromisoformat(value)
        except ValueError as bad:
            raise Invalid(ctx._("Please type the date as YYYY-MM-DD, e.g. 2026-11-20.")) from bad
    if day > today:
        raise Invalid(ctx._("That date is in the future."))
    data["paid_on"] = day.isoformat()
    return None


async def ask_method(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(
        ctx._("How was it paid?"), [(key, ctx._(label)) for key, label in METHODS], columns=2
    )


async def answer_method(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    labels = {key: ctx._(label) for key, label in METHODS}
    data["method"] = (
        answer.choice
        if answer.choice in labels
        else text_of(
            answer,
            ctx,
            max_len=receivables.MAX_METHOD,
            what=ctx._("Please tap or type the method."),
        )
    )
    return None


async def ask_reference(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(ctx._("Reference (bank slip, transaction number)? (optional)"))


async def answer_reference(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    data["reference"] = text_of(
        answer, ctx, max_len=receivables.MAX_REFERENCE, what=ctx._("Please type it, or skip.")
    )
    return None


async def ask_payment_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    method = dict(METHODS).get(data["method"])
    lines = [
        ctx._("Record this payment?"),
        f"🏢 {data.get('customer_name', '')}",
        f"💴 {amount_text(ctx, data['amount'], data['currency'])} · {data['paid_on']}",
        ctx._("Method: {method}").format(method=ctx._(method) if method else data["method"]),
    ]
    if data.get("reference"):
        lines.append(ctx._("Reference: {reference}").format(reference=data["reference"]))
    numbers = {row[0]: row[1] for row in data["invoices"]}
    if data.get("invoice_ids"):
        lines.append(ctx._("Applied to {number}").format(number=numbers[data["invoice_ids"][0]]))
    else:
        lines.append(ctx._("Applied to the oldest invoices first"))
    return Question("\n".join(lines), [("save", ctx._("✅ Save"))])


async def answer_payment_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if not confirmed(answer):
        raise Invalid(ctx._("Tap Save to keep it, or Cancel to drop it."))
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
        return Done(
            [Reply(ctx._("The invoices changed meanwhile; nothing was recorded. Try again."))]
        )
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
        CUSTOMER_STEP,
        Step("amount", ask_amount, answer_amount),
        Step("apply", ask_apply, answer_apply),
        Step("paid_on", ask_paid_on, answer_paid_on),
        Step("method", ask_method, answer_method),
        Step("reference", ask_reference, answer_reference, optional=True),
        Step("confirm", ask_payment_confirm, answer_payment_confirm),
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
