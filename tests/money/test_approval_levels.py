"""Approvals above the escalation limit: the admins are the level above the last manager, for
a decision and for the SLA escalation alike; typed words on a card act as its buttons, and a
rejection asks for a reason first."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from bot.buttons import Action, pack
from bot.models import ApprovalDecision, ApprovalRequest, ApprovalStatus, Customer, Role
from bot.services.finance import approvals
from tests.conftest import START, Team
from tests.money.helpers import outbox_for, own_customer
from tests.support import Chat


async def ask_credit_limit(chat: Chat, customer: str, amount: str) -> str:
    """A credit-limit request typed through /request, with no note; the reply to Send."""
    await chat.say("/request")
    await chat.tap("Credit limit")
    await chat.say(customer)
    await chat.say(amount)
    await chat.tap("Skip")
    return await chat.tap("Send")


async def test_above_the_limit_a_manager_with_no_manager_is_followed_by_the_admins(
    team: Team,
) -> None:
    ada = await team.join("Ada", Role.ADMIN)
    admin = team.chats["admin"]
    admin_name = team.users["admin"].name
    acme = await own_customer(team, "Li Wei", "Acme")
    reply = await ask_credit_limit(team.chats["Li Wei"], "acme", "¥200,000")
    assert "Sent to Mia" in reply and "next level" in reply
    request = await ApprovalRequest.get(requester_id=team.users["Li Wei"].id)
    assert request.levels_needed == 2

    reply = await team.chats["Mia"].send(button=pack(Action("apr", f"{request.id}:y")))
    assert f"passed on to {admin_name}" in reply
    assert (await Customer.get(id=acme.id)).credit_limit == 0, "the manager alone is not enough"
    for who in ("admin", "Ada"):
        texts = [n.text for n in await outbox_for(team, who)]
        assert any("Li Wei asks for your approval" in t for t in texts), who
    assert "1 request waits for you" in await ada.say("/approvals")
    assert "1 request waits for you" in await admin.say("/approvals")

    first, second = await asyncio.gather(
        ada.send(button=pack(Action("apr", f"{request.id}:y"))),
        admin.send(button=pack(Action("apr", f"{request.id}:y"))),
    )
    decided = [r for r in (first, second) if "Approved. The requester is told." in r]
    late = [r for r in (first, second) if r.startswith("Already approved by")]
    assert len(decided) == 1 and len(late) == 1, (first, second)
    assert await ApprovalDecision.filter(request_id=request.id).count() == 2
    assert (await Customer.get(id=acme.id)).credit_limit == Decimal(200000)
    assert "Nothing waits for your approval" in await ada.say("/approvals")


async def test_below_the_limit_the_manager_decides_alone(team: Team) -> None:
    await team.join("Ada", Role.ADMIN)
    acme = await own_customer(team, "Li Wei", "Acme")
    reply = await ask_credit_limit(team.chats["Li Wei"], "acme", "30k")
    assert "Sent to Mia" in reply and "next level" not in reply
    request = await ApprovalRequest.get(requester_id=team.users["Li Wei"].id)
    reply = await team.chats["Mia"].send(button=pack(Action("apr", f"{request.id}:y")))
    assert "Approved. The requester is told." in reply
    assert (await Customer.get(id=acme.id)).credit_limit == Decimal(30000)


async def test_no_answer_from_a_manager_with_no_manager_escalates_to_the_admins(
    team: Team,
) -> None:
    ada = await team.join("Ada", Role.ADMIN)
    acme = await own_customer(team, "Li Wei", "Acme")
    draft = approvals.RequestDraft(
        approvals.ApprovalKind.CREDIT_LIMIT, customer_id=acme.id, amount=Decimal(30000)
    )
    request = await approvals.create_request(
        team.users["Li Wei"], draft, now=START, escalate_above={}
    )
    assert (await approvals.remind_and_escalate(START + timedelta(hours=24)))["reminded"] == 1
    result = await approvals.remind_and_escalate(START + timedelta(hours=48))
    assert result == {"reminded": 0, "escalated": 1}
    request = await ApprovalRequest.get(id=request.id)
    assert request.approver_id == team.users["admin"].id and request.escalated_at is not None
    for who in ("admin", "Ada"):
        texts = [n.text for n in await outbox_for(team, who)]
        assert any("Escalated to you" in t for t in texts), who
    assert (await approvals.remind_and_escalate(START + timedelta(hours=100)))["escalated"] == 0
    reply = await ada.send(button=pack(Action("apr", f"{request.id}:y")))
    assert "Approved. The requester is told." in reply
    reply = await team.chats["admin"].send(button=pack(Action("apr", f"{request.id}:y")))
    assert reply == "Already approved by Ada."


async def open_card(chat: Chat) -> str:
    await chat.say("/approvals")
    return await chat.tap("1.")


async def test_typed_words_on_a_card_act_as_its_buttons_in_both_languages(team: Team) -> None:
    li, mia = team.chats["Li Wei"], team.chats["Mia"]
    await own_customer(team, "Li Wei", "Acme")
    for amount in ("10k", "20k", "30k", "40k"):
        await ask_credit_limit(li, "acme", amount)
    requests = await ApprovalRequest.filter(requester_id=team.users["Li Wei"].id).order_by("id")

    assert "Approve" in await open_card(mia)
    assert "Approved. The requester is told." in await mia.say("approve")
    assert (await ApprovalRequest.get(id=requests[0].id)).status == ApprovalStatus.APPROVED
    # The card is gone with its buttons: the same word again decides nothing.
    await mia.say("Approve")
    assert await ApprovalDecision.filter(approver_id=team.users["Mia"].id).count() == 1

    await mia.say("/lang zh")
    assert "批准" in await open_card(mia)
    assert "已批准，已通知申请人。" in await mia.say("同意")

    await open_card(mia)
    reply = await mia.say("驳回")
    assert "为什么驳回？Li Wei 会看到你的原因。" in reply
    assert (await ApprovalRequest.get(id=requests[2].id)).status == ApprovalStatus.PENDING
    reply = await mia.say("跳过")
    assert "不写原因直接驳回吗？" in reply
    assert "已驳回，已通知申请人。" in await mia.say("驳回")
    assert (await ApprovalRequest.get(id=requests[2].id)).status == ApprovalStatus.REJECTED

    await mia.say("/lang en")
    await open_card(mia)
    assert "Why do you reject it?" in await mia.say("拒绝")
    assert "Rejected. The requester is told." in await mia.say("No budget left this year")
    rejected = await ApprovalRequest.get(id=requests[3].id)
    assert rejected.status == ApprovalStatus.REJECTED
    assert rejected.comment == "No budget left this year"


async def test_forged_request_ids_answer_one_line(team: Team) -> None:
    mia = team.chats["Mia"]
    forged = ("1a:apr:¹²:y", "1a:apr:99999999999999999999:y", "1a:apr:²:n", "1a:apr:٣:o")
    forged += ("1a:apr:9223372036854775807:y", "1a:apr:2147483648:c")
    for data in forged:
        assert await mia.send(button=data) == "That button is not valid any more.", data
    reply = await mia.send(button="1a:apr:2147483647:n")
    assert reply == "This request is not yours to decide."


async def test_rejecting_asks_only_who_may_decide(team: Team) -> None:
    await own_customer(team, "Li Wei", "Acme")
    await ask_credit_limit(team.chats["Li Wei"], "acme", "10k")
    request = await ApprovalRequest.get(requester_id=team.users["Li Wei"].id)
    tap = pack(Action("apr", f"{request.id}:n"))
    assert await team.chats["Li Wei"].send(button=tap) == "You cannot decide your own request."
    assert await team.chats["Otto"].send(button=tap) == "This request is not yours to decide."
    assert "Approved" in await team.chats["Mia"].send(button=pack(Action("apr", f"{request.id}:y")))
    assert await team.chats["Mia"].send(button=tap) == "Already approved by Mia."
