"""/deal, /deals and the deal card: amounts as typed, stage history, large-deal alerts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.buttons import Action, pack
from bot.models import Deal, DealStageChange, Stage
from bot.services.errors import InvalidInput
from bot.services.language import amounts
from tests.conftest import Team
from tests.money.helpers import outbox_for, own_customer


@pytest.mark.parametrize(
    ("typed", "amount", "currency"),
    [
        ("1,200,000", "1200000", None),
        ("1.2m", "1200000", None),
        ("120万", "1200000", None),
        ("¥80k", "80000", "CNY"),
        ("$80k", "80000", "USD"),
        ("80k USD", "80000", "USD"),
        ("1.5亿", "150000000", None),
        ("￥３万", "30000", "CNY"),
        ("12.345", "12.35", None),
    ],
)
def test_amounts_as_people_type_them(typed: str, amount: str, currency: str | None) -> None:
    value, code = amounts.parse_money(typed)
    assert isinstance(value, Decimal) and value == Decimal(amount) and code == currency


@pytest.mark.parametrize("typed", ["", "abc", "-5", "0", "1,2", "1.2.3", "$¥5", "5 apples"])
def test_bad_amounts_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        amounts.parse_money(typed)


async def test_large_deal_alerts_the_manager_and_a_small_one_does_not(team: Team) -> None:
    li = team.chats["Li Wei"]
    await own_customer(team, "Li Wei", "Acme Trading Co.")
    await li.say("/deal acme")
    assert "what is the deal?" in li.text
    await li.say("Forklifts for the new warehouse")
    reply = await li.say("1.2m")
    assert "Expected close date?" in reply
    await li.say("12月31日")
    reply = li.text
    assert "Save this deal?" in reply and "CN¥1,200,000" in reply and "2026-12-31" in reply
    assert await Deal.all().count() == 0
    reply = await li.tap("Save")
    assert "Deal saved" in reply
    deal = await Deal.get(title="Forklifts for the new warehouse")
    assert deal.amount == Decimal("1200000.00") and deal.currency == "CNY"
    alerts = await outbox_for(team, "Mia")
    assert len(alerts) == 1 and "Large deal created" in alerts[0].text
    assert alerts[0].buttons[0][0].data == pack(Action("deal", f"{deal.id}"))
    assert not await outbox_for(team, "Otto")
    assert not await outbox_for(team, "Li Wei")

    await li.say("/deal acme")
    await li.say("Spare parts")
    await li.say("¥80k")
    await li.tap("Skip")
    await li.tap("Save")
    assert await Deal.filter(title="Spare parts").exists()
    assert len(await outbox_for(team, "Mia")) == 1

    # the manager opens it from the alert and the card offers the next stages
    mia = team.chats["Mia"]
    reply = await mia.send(button=alerts[0].buttons[0][0].data)
    assert "Forklifts" in reply and "Stage: Lead · 10%" in reply and "Owner: Li Wei" in reply
    reply = await mia.tap("Qualified")
    assert "Moved to Qualified." in reply and "25%" in reply
    reply = await li.send(button=pack(Action("dst", f"{deal.id}:won")))
    assert "Won!" in reply
    texts = [n.text for n in await outbox_for(team, "Mia")]
    assert any("moved to Qualified" in t for t in texts) and any("won" in t for t in texts)
    assert len(texts) == 3
    history = await DealStageChange.filter(deal_id=deal.id).order_by("id")
    assert [(h.from_stage, h.to_stage) for h in history] == [
        (None, Stage.LEAD),
        (Stage.LEAD, Stage.QUALIFIED),
        (Stage.QUALIFIED, Stage.WON),
    ]
    assert history[1].user_id == team.users["Mia"].id
    reply = await li.send(button=pack(Action("dst", f"{deal.id}:lost")))
    assert "already closed" in reply


async def test_a_deal_of_exactly_the_threshold_alerts_and_a_cent_below_does_not(
    team: Team,
) -> None:
    """The threshold is "at or above", per currency (CNY 1,000,000 and USD 150,000 here)."""
    li = team.chats["Li Wei"]
    await own_customer(team, "Li Wei", "Acme Trading Co.")

    async def deal(title: str, amount: str) -> Deal:
        await li.say("/deal acme")
        await li.say(title)
        await li.say(amount)
        await li.tap("Skip")
        assert "Deal saved" in await li.tap("Save")
        return await Deal.get(title=title)

    below = await deal("Just below", "999,999.99")
    assert below.amount == Decimal("999999.99") and below.currency == "CNY"
    assert not await outbox_for(team, "Mia")
    exact = await deal("Exactly the threshold", "1,000,000")
    assert exact.amount == Decimal("1000000.00")
    alerts = await outbox_for(team, "Mia")
    assert len(alerts) == 1 and "Large deal created" in alerts[0].text
    assert alerts[0].buttons[0][0].data == pack(Action("deal", f"{exact.id}"))
    await deal("Dollars below", "$149,999.99")
    assert len(await outbox_for(team, "Mia")) == 1
    await deal("Dollars exactly", "$150,000")
    assert len(await outbox_for(team, "Mia")) == 2

    await li.send(button=pack(Action("dst", f"{below.id}:qualified")))
    assert len(await outbox_for(team, "Mia")) == 2, "a move below the threshold says nothing"
    await li.send(button=pack(Action("dst", f"{exact.id}:qualified")))
    moved = await outbox_for(team, "Mia")
    assert len(moved) == 3 and "moved to Qualified" in moved[-1].text


async def test_lost_asks_for_a_reason_and_probability_by_hand(team: Team) -> None:
    li = team.chats["Li Wei"]
    acme = await own_customer(team, "Li Wei", "Acme")
    await li.say("/deal acme")
    await li.say("Pilot")
    await li.say("$200k")
    await li.tap("Skip")
    await li.tap("Save")
    deal = await Deal.get(customer_id=acme.id)
    assert deal.currency == "USD"
    reply = await li.send(button=pack(Action("dprob", f"{deal.id}")))
    assert "Probability" in reply
    reply = await li.say("40%")
    assert "Stage: Lead · 40% ✍️" in reply
    labels = [b.label for b in li.replies[-1].all_buttons()]
    assert labels == ["→ Qualified", "→ Won", "→ Lost", "Set probability"]
    reply = await li.send(button=pack(Action("dst", f"{deal.id}:lost")))
    assert "Why was “Pilot” lost?" in reply
    reply = await li.say("Went with a competitor in Shenzhen")
    assert "Marked as lost." in reply and "Went with a competitor" in reply
    deal = await Deal.get(id=deal.id)
    assert deal.stage == Stage.LOST and deal.closed_at is not None
    texts = [n.text for n in await outbox_for(team, "Mia")]
    assert any("lost" in t and "Shenzhen" in t for t in texts)


async def test_deals_list_is_per_scope_and_paged(team: Team) -> None:
    for who, count in (("Li Wei", 10), ("Sam", 1), ("Olga", 2)):
        customer = await own_customer(team, who, f"{who} Customer")
        for n in range(count):
            await Deal.create(
                customer_id=customer.id,
                owner_id=team.users[who].id,
                title=f"{who} deal {n}",
                amount=Decimal(1000 + n),
            )
    reply = await team.chats["Li Wei"].say("/deals")
    assert reply.startswith("10 open deals") and "Sam deal" not in reply
    reply = await team.chats["Li Wei"].tap("More")
    assert "9. Li Wei deal" in reply
    reply = await team.chats["Mia"].say("/deals")
    assert reply.startswith("11 open deals")
    reply = await team.chats["Olga"].say("/deals")
    assert reply.startswith("2 open deals") and "Li Wei" not in reply
    lis = await Deal.filter(owner_id=team.users["Li Wei"].id).first()
    assert lis is not None
    reply = await team.chats["Olga"].send(button=pack(Action("deal", f"{lis.id}")))
    assert "Not found" in reply


async def test_team_activity_for_the_manager_summary(team: Team) -> None:
    from datetime import timedelta

    from bot.services.finance import deals
    from tests.conftest import START

    li = team.users["Li Wei"]
    acme = await own_customer(team, "Li Wei", "Acme")
    large = {"CNY": Decimal(1000000)}
    one = await deals.create_deal(
        li, deals.DealDraft(acme.id, "One", Decimal(100), "CNY"), now=START, large=large
    )
    two = await deals.create_deal(
        li, deals.DealDraft(acme.id, "Two", Decimal(50), "USD"), now=START, large=large
    )
    await deals.move_stage(li, one.id, Stage.QUALIFIED, now=START, large=large)
    await deals.move_stage(li, two.id, Stage.WON, now=START, large=large)
    ids = [li.id, team.users["Sam"].id]
    activity = await deals.team_activity(
        ids, since=START - timedelta(hours=1), until=START + timedelta(hours=1)
    )
    assert activity["created"].count == 2
    assert activity["created"].amounts == (("CNY", Decimal(100)), ("USD", Decimal(50)))
    assert activity["moved"].count == 1 and activity["won"].amounts == (("USD", Decimal(50)),)
    assert "lost" not in activity
    assert await deals.team_activity([team.users["Olga"].id], since=START, until=START) == {}
