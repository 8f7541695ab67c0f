"""One grammar of amounts: every form below means the same in /deal, /payment, /request and a
quick-capture note (typed or heard), in English and Chinese alike.

The table is run through each dialog's own amount step (the function the engine calls with the
answer), through quick capture's reader, and end to end through a chat for the forms the issue
named; money vs quantity vs percent is pinned by the same rule everywhere (see amounts.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.dialogs.base import Answer, Ctx, Invalid
from bot.i18n import Translator
from bot.messages import Incoming
from bot.models import ApprovalRequest, Deal, Invoice, Payment, Role
from bot.services.errors import InvalidInput
from bot.services.language.amounts import find_amounts, parse_money, parse_percent
from bot.services.language.capture_text import read_note
from bot.services.records.customers import DuplicateFinder
from tests.conftest import START, Team
from tests.money.helpers import claim_entertainment, own_customer


@dataclass(frozen=True, slots=True)
class Form:
    typed: str
    amount: str
    currency: str | None  # as written; None: the company's (CNY here)
    in_note: bool  # also money inside a free-text note (a currency or a multiplier ≥ 1000)


def form(typed: str, amount: str, currency: str | None = None, in_note: bool = True) -> Form:
    return Form(typed, amount, currency, in_note)


MONEY = [
    # digits, separators, multipliers
    form("1,200,000", "1200000", in_note=False),
    form("1200000", "1200000", in_note=False),
    form("12.345", "12.35", in_note=False),
    form("0.5", "0.50", in_note=False),
    form("1.2m", "1200000"),
    form("1.2M", "1200000"),
    form("1.2 million", "1200000"),
    form("1.2mn", "1200000"),
    form("2bn", "2000000000"),
    form("80k", "80000"),
    form("80K", "80000"),
    form("1k", "1000"),
    # currency symbols, codes and words (English)
    form("¥80k", "80000", "CNY"),
    form("$80k", "80000", "USD"),
    form("80k USD", "80000", "USD"),
    form("USD 80,000", "80000", "USD"),
    form("US$1.2k", "1200", "USD"),
    form("200 USD", "200", "USD"),
    form("500 dollars", "500", "USD"),
    form("500 bucks", "500", "USD"),
    form("500 euros", "500", "EUR"),
    form("€4,500", "4500", "EUR"),
    form("4,500 EUR", "4500", "EUR"),
    form("£300", "300", "GBP"),
    form("300 GBP", "300", "GBP"),
    form("HK$500", "500", "HKD"),
    form("500 HKD", "500", "HKD"),
    form("RMB 50万", "500000", "CNY"),
    form("3,000 RMB", "3000", "CNY"),
    form("3000 yuan", "3000", "CNY"),
    form("a thousand dollars", "1000", "USD"),
    form("two hundred dollars", "200", "USD"),
    form("three thousand", "3000"),
    form("five hundred", "500", in_note=False),
    # Chinese multipliers on digits
    form("120万", "1200000"),
    form("120萬", "1200000"),
    form("1.5亿", "150000000"),
    form("1.5億", "150000000"),
    form("5千", "5000"),
    form("5百", "500", in_note=False),
    form("3百万", "3000000"),
    form("2千万", "20000000"),
    form("1.2万元", "12000", "CNY"),
    # Chinese currency words
    form("5万美元", "50000", "USD"),
    form("5万美金", "50000", "USD"),
    form("三千元", "3000", "CNY"),
    form("三千块", "3000", "CNY"),
    form("三千块钱", "3000", "CNY"),
    form("2万人民币", "20000", "CNY"),
    form("人民币2万", "20000", "CNY"),
    form("￥３万", "30000", "CNY"),
    form("¥3,000", "3000", "CNY"),
    form("３０００元", "3000", "CNY"),
    form("12,000.50元", "12000.50", "CNY"),
    form("两千五百欧元", "2500", "EUR"),
    form("五百英镑", "500", "GBP"),
    form("一千港币", "1000", "HKD"),
    form("八百美元", "800", "USD"),
    form("3000日元", "3000", "JPY"),
    form("5刀", "5", "USD"),
    # Chinese numerals (cn2an)
    form("一万二", "12000"),
    form("一万二千元", "12000", "CNY"),
    form("两百五十元", "250", "CNY"),
    form("十二万", "120000"),
    form("十万块", "100000", "CNY"),
    form("三点五万", "35000"),
    form("壹仟贰佰元", "1200", "CNY"),
    form("一百", "100", in_note=False),
]
NOT_MONEY = ["", "abc", "-5", "0", "1,2", "1.2.3", "$¥5", "5 apples", "200 units", "三千台"]
NOT_MONEY += ["5%", "九五折", "千万", "two hundred units"]
PERCENT = [
    ("8", "8"),
    ("7.5", "7.5"),
    ("7.5%", "7.5"),
    ("5 percent", "5"),
    ("five percent", "5"),
    ("百分之五", "5"),
    ("百分之7.5", "7.5"),
    ("九五折", "5"),
    ("9折", "10"),
    ("打8折", "20"),
    ("8.5折", "15"),
    ("85折", "15"),
]
NOT_PERCENT = ["0", "120", "8k", "$5", "abc", "5 units"]


def test_the_table_has_sixty_forms_in_both_languages() -> None:
    chinese = [f for f in MONEY if any("\u4e00" <= ch <= "\u9fff" for ch in f.typed)]
    assert len(MONEY) >= 60 and len(chinese) >= 25


@pytest.mark.parametrize("case", MONEY, ids=lambda f: f.typed)
def test_an_answer_to_how_much(case: Form) -> None:
    assert parse_money(case.typed) == (Decimal(case.amount), case.currency)


@pytest.mark.parametrize("typed", NOT_MONEY)
def test_what_is_not_an_amount_of_money_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        parse_money(typed)


@pytest.mark.parametrize(("typed", "percent"), PERCENT)
def test_percent_and_zhe(typed: str, percent: str) -> None:
    assert parse_percent(typed) == Decimal(percent)


@pytest.mark.parametrize("typed", NOT_PERCENT)
def test_what_is_not_a_percent_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        parse_percent(typed)


def test_quick_capture_reads_each_form_in_a_note_the_same_way() -> None:
    """English and Chinese notes around every form: the same value and currency, or (a plain
    number, which may be a date or a room) no amount at all."""
    tz = Translator.for_user("en", "Asia/Shanghai").timezone
    wrong = []
    for case in MONEY:
        for note in (f"Visited Acme, budget {case.typed}.", f"拜访了星辰，预算{case.typed}。"):
            reading = read_note(note, now=START, tz=tz, currency="CNY")
            money = [(a.value, a.unit) for a in reading.amounts if a.kind == "money"]
            expected = [(Decimal(case.amount), case.currency or "CNY")] if case.in_note else []
            if money != expected:
                wrong.append((note, money, expected))
    assert not wrong


@pytest.mark.parametrize(
    ("note", "labels"),
    [
        ("they want 500 dollars off, 500 euros or 500 bucks", ["500 USD", "500 EUR", "500 USD"]),
        ("500 units at 500 dollars each", ["500 units", "500 USD"]),
        ("要三千台，每台三千元，打九五折", ["3000 台", "3000 CNY", "5 %"]),
        ("千万别忘了，两千多台", ["2000 台"]),
        ("8 robots and 3 days, room 12", ["8 robots"]),
    ],
)
def test_money_or_quantity_is_one_rule(note: str, labels: list[str]) -> None:
    assert [a.label for _, _, a in find_amounts(note, "CNY")] == labels


# --- the same table through each dialog's amount step ----------------------------------------


def context(team: Team, who: str) -> Ctx:
    user = team.users[who]
    t = Translator.for_user("en", "Asia/Shanghai")
    incoming = Incoming(channel="console", external_id=f"ext-{who}")
    return Ctx(
        user, t, START, team.engine.settings, DuplicateFinder(), incoming, team.engine.registry
    )


OPEN = [
    [n, f"INV-{code}", code, "1e13", "2026-12-31"]
    for n, code in enumerate(("CNY", "USD", "EUR", "GBP", "HKD", "JPY"), 1)
]
STEPS = {
    "deal": dict,
    "payment": lambda: {"invoices": OPEN},
    "request": dict,
}


@pytest.mark.parametrize("dialog", list(STEPS))
async def test_every_dialog_reads_the_table_alike(team: Team, dialog: str) -> None:
    fresh = STEPS[dialog]
    step = team.engine.registry.dialogs[dialog].step("amount")
    assert step is not None
    answer_amount = step.answer
    ctx = context(team, "Li Wei")
    wrong: list[tuple[str, Any, Any]] = []
    for case in MONEY:
        data: dict[str, Any] = fresh()
        await answer_amount(ctx, data, Answer(text=case.typed))
        got = (Decimal(data["amount"]), data["currency"])
        if got != (Decimal(case.amount), case.currency or "CNY"):
            wrong.append((case.typed, got, case))
    for typed in NOT_MONEY:
        with pytest.raises(Invalid):
            await answer_amount(ctx, fresh(), Answer(text=typed))
    assert not wrong


# --- end to end, the forms the issue named ---------------------------------------------------


async def test_deal_payment_and_request_take_the_forms_quick_capture_takes(team: Team) -> None:
    li = team.chats["Li Wei"]
    acme = await own_customer(team, "Li Wei", "Acme Trading Co.")

    await li.say("/deal acme")
    await li.say("Forklifts")
    assert "Expected close date?" in await li.say("5万美元")
    await li.say("2026-12-31")
    await li.tap("Save")
    deal = await Deal.get(title="Forklifts")
    assert (deal.amount, deal.currency) == (Decimal(50000), "USD")

    await Invoice.create(
        number="A-1",
        customer_id=acme.id,
        amount=Decimal(5000),
        currency="CNY",
        issue_date=date(2026, 11, 1),
        due_date=date(2026, 11, 1) + timedelta(days=30),
    )
    fay = await team.join("Fay", Role.FINANCE)
    await fay.say("/payment acme")
    assert "Paid on?" in await fay.say("三千元")
    await fay.tap("Today")
    await fay.tap("Bank transfer")
    await fay.say("SLIP-1")
    assert "Payment of CN¥3,000 recorded." in await fay.tap("Save")
    assert (await Payment.get(customer_id=acme.id)).amount == Decimal(3000)

    await claim_entertainment(li, "2万人民币")
    request = await ApprovalRequest.get(requester_id=team.users["Li Wei"].id)
    assert (request.amount, request.currency) == (Decimal(20000), "CNY")

    await li.say("/request")
    await li.tap("Discount")
    await li.tap("Forklifts")
    assert "A note for the approver?" in await li.say("九五折")
    await li.tap("Skip")
    await li.tap("Send")
    discount = await ApprovalRequest.get(deal_id=deal.id)
    assert discount.percent == Decimal(5)


@pytest.mark.parametrize(
    ("typed", "amount", "currency"),
    [
        ("2万5", "25000", None),
        ("2万5千", "25000", None),
        ("¥2万5", "25000", "CNY"),
        ("2万5元", "25000", "CNY"),
        ("3千2", "3200", None),
        ("1亿2", "120000000", None),
        ("２万５", "25000", None),
    ],
)
def test_a_digit_after_the_scale_is_its_tenth(
    typed: str, amount: str, currency: str | None
) -> None:
    """ "2万5" is said for 25,000 (2.5万), as "3千2" for 3,200."""
    assert parse_money(typed) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("0", "amount_not_positive"),
        ("¥0", "amount_not_positive"),
        ("-5000", "amount_not_positive"),
        ("-2万5", "amount_not_positive"),
        ("2万55", "amount_invalid"),
        ("99999999999999999999亿", "amount_too_large"),
    ],
)
def test_refusals_say_why(typed: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_money(typed)
    assert refused.value.code == code
