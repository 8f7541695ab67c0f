"""Approvals: request → manager → decision once; self-approval refused; SLA remind/escalate."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from bot.buttons import Action, pack
from bot.models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalStatus,
    AuditEvent,
    Customer,
    Deal,
    Role,
    User,
    Visit,
    VisitKind,
)
from bot.services.finance import approvals
from bot.services.records import visits
from bot.services.records.customers import DuplicateFinder
from tests.conftest import START, Team
from tests.money.helpers import claim_entertainment, outbox_for, own_customer
from tests.support import FakeClock


async def test_discount_request_is_approved_and_takes_effect(team: Team) -> None:
    li, mia = team.chats["Li Wei"], team.chats["Mia"]
    acme = await own_customer(team, "Li Wei", "Acme")
    deal = await Deal.create(
        customer_id=acme.id, owner_id=team.users["Li Wei"].id, title="Forklifts", amount=90000
    )
    reply = await li.say("/request")
    assert "What do you need approved?" in reply
    await li.tap("Discount")
    reply = await li.tap("Forklifts")
    assert "How many percent off?" in reply
    reply = await li.say("120")
    assert "between 0 and 100" in reply
    await li.say("7.5%")
    await li.say("They have a competing offer")
    reply = li.text
    assert "Send this request?" in reply and "Forklifts · 7.50%" in reply
    reply = await li.tap("Send")
    assert "Sent to Mia" in reply and "next level" not in reply
    alert = (await outbox_for(team, "Mia"))[-1]
    assert "Li Wei asks for your approval" in alert.text
    assert "Discount 7.50% on “Forklifts” (CN¥90,000)" in alert.text
    buttons = [b.data for row in alert.buttons for b in row]
    request = await ApprovalRequest.get(deal_id=deal.id)
    assert buttons == [
        pack(Action("apr", f"{request.id}:y")),
        pack(Action("apr", f"{request.id}:n")),
        pack(Action("apr", f"{request.id}:c")),
    ]
    assert all(len(b.encode()) <= 64 for b in buttons)

    reply = await li.send(button=pack(Action("apr", f"{request.id}:y")))
    assert "You cannot decide your own request." in reply
    reply = await team.chats["Otto"].send(button=pack(Action("apr", f"{request.id}:y")))
    assert "not yours to decide" in reply
    reply = await mia.say("/approvals")
    assert "1 request waits for you" in reply
    await mia.tap("Discount")
    reply = await mia.tap("Comment")
    assert "Your comment" in reply
    await mia.say("OK this once")
    reply = await mia.tap("Approve")
    assert "Approved. The requester is told." in reply
    assert (await Deal.get(id=deal.id)).discount_percent == Decimal("7.5")
    told = (await outbox_for(team, "Li Wei"))[-1].text
    assert "Approved by Mia" in told and "OK this once" in told
    reply = await mia.send(button=pack(Action("apr", f"{request.id}:n")))
    assert "Already approved by Mia." in reply
    assert await AuditEvent.filter(action="deal.discount", entity_id=deal.id).exists()


async def test_two_approvers_at_once_give_one_decision(team: Team) -> None:
    acme = await own_customer(team, "Li Wei", "Acme")
    draft = approvals.RequestDraft(
        approvals.ApprovalKind.CREDIT_LIMIT, customer_id=acme.id, amount=Decimal(30000)
    )
    request = await approvals.create_request(
        team.users["Li Wei"], draft, now=START, escalate_above={}
    )
    results = await asyncio.gather(
        approvals.decide(team.users["Mia"], request.id, True, now=START),
        approvals.decide(team.users["admin"], request.id, False, now=START),
        return_exceptions=True,
    )
    late = [r for r in results if isinstance(r, approvals.AlreadyDecided)]
    won = [r for r in results if isinstance(r, approvals.Outcome)]
    assert len(late) == 1 and len(won) == 1, results
    request = await ApprovalRequest.get(id=request.id)
    assert late[0].status == request.status and late[0].by_name
    assert await ApprovalDecision.filter(request_id=request.id).count() == 1
    limit = (await Customer.get(id=acme.id)).credit_limit
    assert limit == (Decimal(30000) if request.status == ApprovalStatus.APPROVED else Decimal(0))


async def test_large_expense_needs_two_levels_and_the_sla_reminds_then_escalates(
    team: Team, clock: FakeClock
) -> None:
    await team.join("Vic", Role.MANAGER)
    await team.join("Ann", Role.MANAGER, manager="Vic")
    await team.join("Ray", Role.REP, manager="Ann")
    ray, ann, vic = team.chats["Ray"], team.chats["Ann"], team.chats["Vic"]
    reply = await claim_entertainment(ray, "¥60k")
    assert "Sent to Ann" in reply and "next level" in reply
    request = await ApprovalRequest.get(requester_id=team.users["Ray"].id)
    reply = await ann.send(button=pack(Action("apr", f"{request.id}:y")))
    assert "passed on to Vic" in reply
    assert (await ApprovalRequest.get(id=request.id)).status == ApprovalStatus.PENDING
    reply = await ann.send(button=pack(Action("apr", f"{request.id}:y")))
    assert "already approved this step" in reply

    # Vic does not answer: reminded after 24 h, escalated after 48 h (Vic has no manager: kept)
    assert await approvals.remind_and_escalate(START + timedelta(hours=23)) == {
        "reminded": 0,
        "escalated": 0,
    }
    assert (await approvals.remind_and_escalate(START + timedelta(hours=25)))["reminded"] == 1
    assert (await approvals.remind_and_escalate(START + timedelta(hours=26)))["reminded"] == 0
    texts = [n.text for n in await outbox_for(team, "Vic")]
    assert any("Still waiting for your approval" in t for t in texts)
    reply = await vic.send(button=pack(Action("apr", f"{request.id}:n")))
    assert "Why do you reject it? Ray reads your reason." in reply
    assert (await ApprovalRequest.get(id=request.id)).status == ApprovalStatus.PENDING
    reply = await vic.say("Over the quarter's budget")
    assert "Rejected" in reply
    told = (await outbox_for(team, "Ray"))[-1].text
    assert "Rejected by Vic" in told and "Expense claim CN¥60,000, Entertainment" in told
    assert "Over the quarter's budget" in told


async def test_unanswered_request_is_escalated_one_level(team: Team) -> None:
    await team.join("Vic", Role.MANAGER)
    await team.join("Ann", Role.MANAGER, manager="Vic")
    await team.join("Ray", Role.REP, manager="Ann")
    acme = await own_customer(team, "Ray", "Acme Trading")
    follow_up = visits.VisitDraft(
        acme.id, VisitKind.CALL, START, next_followup_at=START + timedelta(days=3)
    )
    await visits.log_visit(team.users["Ray"], follow_up, now=START)
    names = DuplicateFinder()
    await names.refresh()
    draft = approvals.RequestDraft(
        approvals.ApprovalKind.HANDOVER, customer_id=acme.id, target_user_id=team.users["Sam"].id
    )
    request = await approvals.create_request(team.users["Ray"], draft, now=START, escalate_above={})
    assert (await approvals.remind_and_escalate(START + timedelta(hours=24)))["reminded"] == 1
    result = await approvals.remind_and_escalate(START + timedelta(hours=48))
    assert result == {"reminded": 0, "escalated": 1}
    request = await ApprovalRequest.get(id=request.id)
    assert request.approver_id == team.users["Vic"].id and request.escalated_at is not None
    texts = [n.text for n in await outbox_for(team, "Vic")]
    assert any("Escalated to you" in t and "Hand Acme Trading over to Sam" in t for t in texts)
    assert (await approvals.remind_and_escalate(START + timedelta(hours=100)))["escalated"] == 0
    reply = await team.chats["Vic"].send(button=pack(Action("apr", f"{request.id}:y")))
    assert "Approved" in reply
    assert (await Customer.get(id=acme.id)).owner_id == team.users["Sam"].id
    sam = team.users["Sam"].id
    assert (await Visit.get(customer_id=acme.id)).followup_owner_id == sam, "follow-ups move too"
    await names.refresh()  # the name indexes catch up on the new owner
    assert [
        m.customer_id for m in names.mentions.mentions("met acme trading", {sam}.__contains__)
    ] == [acme.id]


async def test_two_managers_tapping_at_once_in_the_chat(team: Team) -> None:
    acme = await own_customer(team, "Li Wei", "Acme")
    draft = approvals.RequestDraft(
        approvals.ApprovalKind.CREDIT_LIMIT, customer_id=acme.id, amount=Decimal(5000)
    )
    request = await approvals.create_request(
        team.users["Li Wei"], draft, now=START, escalate_above={}
    )
    mia, admin = team.chats["Mia"], team.chats["admin"]
    first, second = await asyncio.gather(
        mia.send(button=pack(Action("apr", f"{request.id}:y"))),
        admin.send(button=pack(Action("apr", f"{request.id}:y"))),
    )
    outcomes = sorted([first, second])
    decided = [o for o in outcomes if "The requester is told" in o]
    late = [o for o in outcomes if o.startswith("Already")]
    assert len(decided) == 1 and len(late) == 1, outcomes
    request = await ApprovalRequest.get(id=request.id)
    decider = await User.get(id=request.decided_by_id)
    assert late[0].endswith(f"by {decider.name}.")
    assert len(await outbox_for(team, "Li Wei")) == 1
