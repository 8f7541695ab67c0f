"""Typed words on an approval card that arrived as a pushed notification act as its buttons,
as they do on a card the dialog showed: "approve", "批准", "reject", "驳回", or the number."""

from __future__ import annotations

from bot.models import ApprovalRequest, ApprovalStatus, Customer
from bot.scheduler import Dispatcher
from tests.conftest import Team
from tests.money.helpers import own_customer
from tests.money.test_approval_levels import ask_credit_limit
from tests.scheduler.helpers import RecordingSender, fast_limits


async def push(team: Team) -> RecordingSender:
    """Deliver everything queued to the console chats, as the running bot would."""
    sender = RecordingSender()
    await Dispatcher({"console": sender}, limits=fast_limits(), clock=team.engine.clock).drain()
    return sender


async def ask(team: Team, amount: str) -> ApprovalRequest:
    """Li Wei asks for a credit limit; the card is pushed to Mia (the newest card in her chat)."""
    if not await Customer.exists(name="Acme"):
        await own_customer(team, "Li Wei", "Acme")
    await ask_credit_limit(team.chats["Li Wei"], "acme", amount)
    sender = await push(team)
    assert "Acme" in sender.texts(team.chats["Mia"].external_id)[-1]
    return (
        await ApprovalRequest.filter(requester_id=team.users["Li Wei"].id).order_by("-id").first()
    )


async def status(request: ApprovalRequest) -> ApprovalStatus:
    return (await ApprovalRequest.get(id=request.id)).status


async def test_typed_approve_on_a_pushed_card_in_both_languages(team: Team) -> None:
    mia = team.chats["Mia"]
    first = await ask(team, "10k")
    assert "Approved. The requester is told." in await mia.say("Approve")
    assert await status(first) == ApprovalStatus.APPROVED
    # The card was answered: the same word again decides nothing.
    await mia.say("approve")
    assert await ApprovalRequest.filter(status=ApprovalStatus.APPROVED).count() == 1

    await mia.say("/lang zh")
    second = await ask(team, "20k")
    assert "已批准，已通知申请人。" in await mia.say("批准")
    assert await status(second) == ApprovalStatus.APPROVED

    third = await ask(team, "30k")
    reply = await mia.say("驳回")
    assert "为什么驳回？Li Wei 会看到你的原因。" in reply  # the same question as the button
    assert await status(third) == ApprovalStatus.PENDING
    assert "已驳回，已通知申请人。" in await mia.say("预算不够")
    assert await status(third) == ApprovalStatus.REJECTED


async def test_typed_reject_and_number_on_a_pushed_card(team: Team) -> None:
    mia = team.chats["Mia"]
    first = await ask(team, "10k")
    reply = await mia.say("reject")
    assert "Why do you reject it?" in reply
    assert await status(first) == ApprovalStatus.PENDING
    assert "Rejected. The requester is told." in await mia.say("No budget left")
    assert await status(first) == ApprovalStatus.REJECTED

    second = await ask(team, "20k")
    assert "Approved. The requester is told." in await mia.say("1")  # 1: ✅ Approve
    assert await status(second) == ApprovalStatus.APPROVED


async def test_a_card_pushed_during_a_dialog_leaves_its_question_alone(team: Team) -> None:
    """An open dialog keeps its own question: a typed word is its answer, not the card's."""
    mia = team.chats["Mia"]
    assert "For whom?" in await mia.say("/task")
    request = await ask(team, "10k")
    reply = await mia.say("approve")
    assert await status(request) == ApprovalStatus.PENDING
    assert "Approved" not in reply
    await mia.say("/cancel")
    await push(team)  # nothing new: the card was pushed once, while the dialog was open
    assert "Approved" not in await mia.say("approve")
    assert await status(request) == ApprovalStatus.PENDING
