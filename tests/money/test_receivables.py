"""Receivables: aging at the bucket edges, payments partial/over/concurrent, who sees what."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

from bot.buttons import Action, pack
from bot.models import Customer, Invoice, InvoiceStatus, Payment, PaymentAllocation, Role
from bot.services.errors import InvalidInput, PermissionDenied
from bot.services.finance import receivables
from bot.services.records import customers
from tests.conftest import START, Team
from tests.money.helpers import own_customer

TODAY = date(2026, 11, 18)  # START in Shanghai


async def invoice(
    customer: Customer, number: str, amount: str, due: date, currency: str = "CNY"
) -> Invoice:
    return await Invoice.create(
        number=number,
        customer_id=customer.id,
        amount=Decimal(amount),
        currency=currency,
        issue_date=due - timedelta(days=30),
        due_date=due,
    )


EDGES = [
    # days after today, amount, bucket
    (0, "1", "due_today"),
    (1, "2", "due_week"),
    (7, "4", "due_week"),
    (8, "8", "due_later"),
    (-1, "16", "overdue_1_30"),
    (-30, "32", "overdue_1_30"),
    (-31, "64", "overdue_31_60"),
    (-60, "128", "overdue_31_60"),
    (-61, "256", "overdue_61_90"),
    (-90, "512", "overdue_61_90"),
    (-91, "1024", "overdue_91_180"),
    (-180, "2048", "overdue_91_180"),
    (-181, "4096", "overdue_181"),
]


async def test_aging_buckets_at_their_edges(team: Team) -> None:
    acme = await own_customer(team, "Li Wei", "Acme")
    for n, (days, amount, _) in enumerate(EDGES):
        await invoice(acme, f"INV-{n}", amount, TODAY + timedelta(days=days))
    await invoice(acme, "INV-USD", "99.50", TODAY - timedelta(days=3), currency="USD")
    paid = await invoice(acme, "INV-PAID", "5000", TODAY - timedelta(days=3))
    await Invoice.filter(id=paid.id).update(status=InvoiceStatus.PAID, paid_amount=Decimal(5000))
    rows = await receivables.aging(team.users["Li Wei"], today=TODAY)
    cny = next(r for r in rows if r.currency == "CNY")
    expected = dict.fromkeys(receivables.BUCKETS, Decimal(0))
    for _, amount, bucket in EDGES:
        expected[bucket] += Decimal(amount)
    assert cny.buckets == expected
    assert cny.total == Decimal(8191) and cny.overdue == Decimal(8176)
    usd = next(r for r in rows if r.currency == "USD")
    assert usd.buckets["overdue_1_30"] == Decimal("99.50") and usd.total == Decimal("99.50")

    reply = await team.chats["Li Wei"].say("/receivables acme")
    assert "Receivables: Acme" in reply
    assert "due today: CN¥1" in reply and "due within 7 days: CN¥6" in reply
    assert "overdue 91–180 days: CN¥3,072" in reply and "overdue over 180 days: CN¥4,096" in reply
    assert "$99.50" in reply and "No credit limit set." in reply
    await Customer.filter(id=acme.id).update(credit_limit=Decimal(8000))
    reply = await team.chats["Li Wei"].say("/receivables acme")
    assert "Credit limit CN¥8,000 exceeded by CN¥191." in reply
    reply = await team.chats["Mia"].say("/receivables")
    assert "Largest overdue:" in reply and "1. Acme — CN¥8,176" in reply
    assert "1 customer is over the credit limit." in reply


async def test_a_rep_cannot_see_another_teams_receivables(team: Team) -> None:
    acme = await own_customer(team, "Li Wei", "Acme")
    await invoice(acme, "A-1", "1000", TODAY - timedelta(days=40))
    olgas = await own_customer(team, "Olga", "Olga Industries")
    await invoice(olgas, "O-1", "777", TODAY)
    reply = await team.chats["Olga"].say("/receivables")
    assert "CN¥777" in reply and "1,000" not in reply and "Acme" not in reply
    reply = await team.chats["Olga"].say("/receivables acme")
    assert "No customer of yours matches" in reply
    reply = await team.chats["Olga"].send(button=pack(Action("rcv", f"{acme.id}")))
    assert "Not found" in reply
    reply = await team.chats["Otto"].say("/receivables")
    assert "1,000" not in reply
    assert "CN¥1,777" in await team.chats["admin"].say("/receivables")
    assert "CN¥1,000" in await team.chats["Mia"].say("/receivables")


async def test_partial_payment_then_overpayment_refused(team: Team) -> None:
    finance = await team.join("Fay", Role.FINANCE)
    acme = await own_customer(team, "Li Wei", "Acme")
    old = await invoice(acme, "INV-OLD", "1000", TODAY - timedelta(days=10))
    new = await invoice(acme, "INV-NEW", "500", TODAY + timedelta(days=10))
    reply = await team.chats["Li Wei"].say("/payment acme")
    assert "Only finance and admins" in reply
    reply = await finance.say("/payment acme")
    assert "Acme has 2 open invoices" in reply and "INV-OLD: CN¥1,000 open" in reply
    reply = await finance.say("2000")
    assert "That is more than is open (CN¥1,500). Nothing was recorded." in reply
    reply = await finance.say("1.2k")
    assert "Apply it to which invoice?" in reply
    reply = await finance.tap("INV-NEW")
    assert "That is more than is open (CN¥500)" in reply
    await finance.tap("Oldest first")
    await finance.tap("Today")
    await finance.tap("Bank transfer")
    reply = await finance.say("SLIP-0042")
    assert "Record this payment?" in reply and "CN¥1,200" in reply
    reply = await finance.tap("Save")
    assert "Payment of CN¥1,200 recorded." in reply
    assert "INV-OLD: CN¥1,000 applied, CN¥0 still open" in reply
    assert "INV-NEW: CN¥200 applied, CN¥300 still open" in reply
    old, new = await Invoice.get(id=old.id), await Invoice.get(id=new.id)
    assert (old.status, old.paid_amount) == (InvoiceStatus.PAID, Decimal(1000))
    assert (new.status, new.paid_amount) == (InvoiceStatus.OPEN, Decimal(200))
    payment = await Payment.get(customer_id=acme.id)
    assert payment.reference == "SLIP-0042" and payment.method == "bank"
    assert await PaymentAllocation.filter(payment_id=payment.id).count() == 2

    draft = receivables.PaymentDraft(acme.id, Decimal("300.01"), None, TODAY)
    try:
        await receivables.record_payment(team.users["Fay"], draft, now=START)
    except InvalidInput as refused:
        assert refused.code == "overpayment" and refused.detail == "300.00 CNY"
    else:
        raise AssertionError("overpayment accepted")
    assert await Payment.all().count() == 1
    try:
        await receivables.record_payment(team.users["Mia"], draft, now=START)
    except PermissionDenied:
        pass
    else:
        raise AssertionError("a manager recorded a payment")


async def test_concurrent_payments_never_over_allocate(team: Team) -> None:
    await team.join("Fay", Role.FINANCE)
    fay = team.users["Fay"]
    acme = await own_customer(team, "Li Wei", "Acme")
    inv = await invoice(acme, "INV-1", "100", TODAY)

    def pay(amount: str) -> receivables.PaymentDraft:
        return receivables.PaymentDraft(acme.id, Decimal(amount), "CNY", TODAY)

    results = await asyncio.gather(
        *(receivables.record_payment(fay, pay("60"), now=START) for _ in range(2)),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, InvalidInput)]
    assert len(refused) == 1 and refused[0].code == "overpayment", results
    inv = await Invoice.get(id=inv.id)
    assert inv.paid_amount == Decimal(60) and inv.status == InvoiceStatus.OPEN
    await asyncio.gather(*(receivables.record_payment(fay, pay("20"), now=START) for _ in range(2)))
    inv = await Invoice.get(id=inv.id)
    assert inv.paid_amount == Decimal(100) and inv.status == InvoiceStatus.PAID
    allocated = sum(a.amount for a in await PaymentAllocation.filter(invoice_id=inv.id))
    assert allocated == Decimal(100) and await Payment.all().count() == 3


async def test_payment_on_amounts_written_by_other_tools(team: Team) -> None:
    """Rows loaded by hand ('100', '0' rather than '100.00') are paid like any other."""
    from tortoise import connections

    await team.join("Fay", Role.FINANCE)
    acme = await own_customer(team, "Li Wei", "Acme")
    inv = await invoice(acme, "RAW-1", "100", TODAY)
    await connections.get("default").execute_script(
        f"UPDATE invoices SET amount = '100', paid_amount = '0' WHERE id = {int(inv.id)}"
    )
    draft = receivables.PaymentDraft(acme.id, Decimal(100), None, TODAY)
    result = await receivables.record_payment(team.users["Fay"], draft, now=START)
    assert result.applied[0].still_open == 0
    assert (await Invoice.get(id=inv.id)).status == InvoiceStatus.PAID


async def test_the_customer_card_shows_open_deals_and_what_is_owed(team: Team) -> None:
    from bot.models import Stage
    from bot.services.finance import deals

    li, chat = team.users["Li Wei"], team.chats["Li Wei"]
    acme = await own_customer(team, "Li Wei", "Acme Trading")
    large = {"CNY": Decimal(1000000)}
    for title, amount, currency in (("Pumps", 120000, "CNY"), ("Valves", 8000, "USD")):
        draft = deals.DealDraft(acme.id, title, Decimal(amount), currency)
        await deals.create_deal(li, draft, now=START, large=large)
    won = await deals.create_deal(
        li, deals.DealDraft(acme.id, "Old", Decimal(999), "CNY"), now=START, large=large
    )
    await deals.move_stage(li, won.id, Stage.WON, now=START, large=large)
    late = await invoice(acme, "INV-1", "30000", TODAY - timedelta(days=1))
    await Invoice.filter(id=late.id).update(paid_amount=Decimal("10000"))
    await invoice(acme, "INV-2", "5000.50", TODAY)  # due today: not overdue yet
    paid = await invoice(acme, "INV-3", "700", TODAY - timedelta(days=90))
    await Invoice.filter(id=paid.id).update(status=InvoiceStatus.PAID, paid_amount=Decimal(700))

    card = await chat.say("/customer acme")
    assert "💼 2 open deals · CN¥120,000 + $8,000" in card
    assert "💴 Owes CN¥25,000.50, CN¥20,000 of it overdue" in card
    bare = await own_customer(team, "Li Wei", "Bare Co")
    summary = await customers.card(li, bare.id, today=TODAY)
    assert (summary.open_deals, summary.pipeline, summary.owed) == (0, (), ())
    assert "open deal" not in await chat.say("/customer bare co")
