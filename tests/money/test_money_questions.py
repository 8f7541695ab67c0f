"""The money questions of /payment, /request and /task answer every odd input with one clear
line and the same question: dates in any free form, amounts past any bound, service refusals
as sentences, forged buttons."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.models import ApprovalRequest, Payment, Role, Task
from tests.conftest import Team
from tests.money.helpers import own_customer
from tests.money.test_receivables import TODAY, invoice
from tests.support import Chat


async def pay_until_the_date(team: Team, amount: str = "300") -> Chat:
    fay = team.chats.get("Fay") or await team.join("Fay", Role.FINANCE)
    await fay.say("/payment acme")
    assert "Paid on?" in await fay.say(amount)
    return fay


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("昨天", TODAY - timedelta(days=1)),
        ("yesterday", TODAY - timedelta(days=1)),
        ("last monday", date(2026, 11, 16)),
        ("上周一", date(2026, 11, 9)),
        ("2026-11-10", date(2026, 11, 10)),
        ("11月3日", date(2026, 11, 3)),
    ],
)
async def test_the_payment_date_takes_the_free_forms(team: Team, typed: str, day: date) -> None:
    acme = await own_customer(team, "Li Wei", "Acme")
    await invoice(acme, "INV-1", "1000", TODAY)
    fay = await pay_until_the_date(team)
    assert "How was it paid?" in await fay.say(typed)
    await fay.tap("Cash")
    await fay.tap("Skip")
    assert "Payment of CN¥300 recorded." in await fay.tap("Save")
    assert (await Payment.get(customer_id=acme.id)).paid_on == day


async def test_a_future_or_unreadable_payment_date_keeps_the_question(team: Team) -> None:
    acme = await own_customer(team, "Li Wei", "Acme")
    await invoice(acme, "INV-1", "1000", TODAY)
    fay = await pay_until_the_date(team)
    reply = await fay.say("2026-11-30")
    assert reply.startswith("That is in the future.") and "Paid on?" in reply
    reply = await fay.say("明年的某一天吧")
    assert reply.startswith("I could not read that date.") and "Paid on?" in reply
    await fay.say("/lang zh")
    await fay.say("/payment acme")
    await fay.say("300")
    assert "现金" in await fay.say("昨天")


async def test_payment_with_nothing_open_is_one_line(team: Team) -> None:
    await own_customer(team, "Li Wei", "Acme")
    fay = await team.join("Fay", Role.FINANCE)
    reply = await fay.say("/payment acme")
    assert reply == "Acme has no open invoices, so there is nothing to pay."
    assert await fay.say("/cancel") == "Nothing to cancel."
    await fay.say("/payment")
    reply = await fay.say("acme")
    assert reply == "Acme has no open invoices, so there is nothing to pay."
    await fay.say("/lang zh")
    assert await fay.say("/payment acme") == "Acme 没有未结发票，无需收款。"


async def test_amounts_past_any_bound_keep_the_question_and_the_dialog(team: Team) -> None:
    acme = await own_customer(team, "Li Wei", "Acme")
    await invoice(acme, "INV-1", "1000", TODAY)
    fay = await team.join("Fay", Role.FINANCE)
    await fay.say("/payment acme")
    reply = await fay.say("99999999999999999999亿")
    assert reply.startswith("That amount is too large to be right.")
    assert "How much was paid?" in reply
    for typed in ("-5000", "0"):
        reply = await fay.say(typed)
        assert reply.startswith("The amount must be above zero.") and "How much was paid?" in reply
    assert "Paid on?" in await fay.say("300")

    li = team.chats["Li Wei"]
    await li.say("/request")
    await li.tap("Expense claim")
    reply = await li.say("99999999999999999999亿")
    assert reply.startswith("That amount is too large to be right.")
    assert "How much was spent?" in reply
    assert "The amount must be above zero." in await li.say("-5000")
    assert "What kind of expense?" in await li.say("2万5")
    await li.tap("Travel")
    await li.tap("Skip")
    await li.tap("Skip")
    assert "CN¥25,000" in li.text
    await li.tap("Send")
    claim = await ApprovalRequest.get(requester_id=team.users["Li Wei"].id)
    assert (claim.amount, claim.category) == (Decimal(25000), "Travel")


async def test_a_discount_with_no_open_deal_is_refused_at_the_kind(team: Team) -> None:
    li = team.chats["Li Wei"]
    await li.say("/request")
    reply = await li.tap("Discount")
    assert reply.startswith("You have no open deals to discount.")
    assert "What do you need approved?" in reply and "/cancel" not in reply.split("\n")[0]


async def test_a_task_too_long_is_refused_at_the_question(team: Team) -> None:
    mia = team.chats["Mia"]
    await mia.say("/task")
    await mia.tap("Li Wei")
    reply = await mia.say("x" * 501)
    assert reply.startswith("That is too long: 501 characters, at most 500.")
    assert "task_too_long" not in reply and "What should Li Wei do?" in reply
    await mia.say("Call Acme")
    assert "Assign this task?" in await mia.say("下周五")
    assert "Task assigned to Li Wei." in await mia.tap("Save")
    await mia.say("/lang zh")
    await mia.say("/task")
    await mia.tap("Li Wei")
    reply = await mia.say("长" * 600)
    assert "task_too_long" not in reply and "500" in reply


async def test_forged_task_and_customer_buttons_answer_one_line(team: Team) -> None:
    li = team.chats["Li Wei"]
    for data in ("1a:tdone:²", "1a:tdone:99999999999999999999", "1a:rcv:¹", "1a:rcv:2147483648"):
        assert await li.send(button=data) == "That button is not valid any more.", data
    assert await Task.all().count() == 0
