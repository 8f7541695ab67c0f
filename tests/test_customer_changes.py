"""The customer card's story, editing from the card, merging a duplicate, and typed navigation."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.buttons import Action, pack
from bot.models import (
    ApprovalKind,
    ApprovalRequest,
    AuditEvent,
    Contact,
    Customer,
    CustomerAlias,
    Deal,
    DealStageChange,
    Invoice,
    Payment,
    Role,
    Stage,
    Task,
    User,
    Visit,
)
from bot.services.people import users
from bot.services.records import customer_changes, customers
from tests.conftest import START, Team
from tests.support import Chat

RELATED = (Visit, Deal, Invoice, Payment, Contact, Task, ApprovalRequest)


async def _counts(customer_id: int) -> dict[str, int]:
    return {m.__name__: await m.filter(customer_id=customer_id).count() for m in RELATED}


async def _fill(team: Team, customer: Customer, rep: str, n: int) -> None:
    """n of every kind of record attached to a customer."""
    user = team.users[rep]
    now = team.engine.clock()
    for i in range(n):
        await Visit.create(
            customer_id=customer.id,
            user_id=user.id,
            at=now - timedelta(days=i),
            notes=f"talk {i}",
            next_followup_at=now + timedelta(days=3) if i == 0 else None,
            followup_owner_id=user.id if i == 0 else None,
        )
        deal = await Deal.create(
            customer_id=customer.id, owner_id=user.id, title=f"Deal {i}", amount=Decimal(1000)
        )
        await DealStageChange.create(deal=deal, user_id=user.id, to_stage=Stage.LEAD, at=now)
        await Invoice.create(
            number=f"INV-{customer.id}-{i}",
            customer_id=customer.id,
            amount=Decimal(500),
            issue_date=date(2026, 11, 1),
            due_date=date(2026, 12, 1),
        )
        await Payment.create(customer_id=customer.id, amount=Decimal(10), paid_on=date(2026, 11, 2))
        await Contact.create(customer_id=customer.id, name=f"Person {i}")
        await Task.create(assignee_id=user.id, customer_id=customer.id, text=f"Call {i}")
        await ApprovalRequest.create(
            kind=ApprovalKind.CREDIT_LIMIT,
            requester_id=user.id,
            customer_id=customer.id,
            amount=Decimal(1),
            waiting_since=now,
        )


async def test_the_card_shows_the_last_visits_and_history_pages_the_timeline(team: Team) -> None:
    li = team.users["Li Wei"]
    acme = await customers.create_customer(li, customers.CustomerDraft("Acme Trading"))
    await _fill(team, acme, "Li Wei", 5)
    chat = team.chats["Li Wei"]
    card = await chat.say("/customer acme")
    assert card.count("🗓") == 3 and "Visit · Li Wei: talk 0" in card and "talk 3" not in card
    assert "👤 Person 0" in card
    page = await chat.tap("History")
    assert "history 1–8 of 15" in page  # 5 visits, 5 deal moves, 5 payments
    assert "Deal 4: — → Lead · Li Wei" in page
    older = await chat.tap("Older")
    assert "history 9–15 of 15" in older and "💴 Mon, Nov 2 · paid" in older


async def test_an_edit_changes_the_card_and_is_audited(team: Team) -> None:
    li = team.users["Li Wei"]
    acme = await customers.create_customer(li, customers.CustomerDraft("Acme Trading"))
    chat = team.chats["Li Wei"]
    await chat.say("/customer acme")
    assert "what should change?" in await chat.tap("Edit")
    assert "Credit limit" not in chat.text  # finance and admins only
    assert "Phone now: —" in await chat.tap("Phone")
    assert "does not look like a phone number" in await chat.say("call me")
    text = await chat.say("138 1234 5678")
    assert "— → +86 138 1234 5678" in text
    assert (await Customer.get(id=acme.id)).phone is None  # nothing before Save
    text = await chat.tap("Save")
    assert "Phone: +86 138 1234 5678" in text
    event = await AuditEvent.get(action="customer.edit")
    assert (event.before, event.after) == ({"phone": None}, {"phone": "+8613812345678"})
    assert event.actor_id == li.id

    # A new name is checked for duplicates like a new customer.
    await customers.create_customer(team.users["Sam"], customers.CustomerDraft("Beta Foods"))
    await chat.tap("Edit")
    await chat.tap("Name")
    text = await chat.say("Beta Foods Co.")
    assert "This may already exist:" in text and "Beta Foods (Sam)" in text
    await chat.tap("Save")
    assert (await Customer.get(id=acme.id)).normalized_name == "beta foods"
    hits = await team.engine.finder.find("Beta Foods")  # the name indexes caught up
    assert acme.id in [hit.customer_id for hit in hits]
    assert "Acme" not in await chat.say("/customer acme")


async def test_finance_edits_only_the_credit_limit(team: Team) -> None:
    acme = await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft("Acme"))
    fin = await team.join("Fay", Role.FINANCE)
    await fin.send(button=pack(Action("cedit", f"{acme.id}")))
    assert "Credit limit" in fin.text and "Phone" not in fin.text
    await fin.tap("Credit limit")
    await fin.say("5万")
    await fin.tap("Save")
    assert (await Customer.get(id=acme.id)).credit_limit == Decimal("50000.00")


async def test_a_rep_cannot_edit_or_merge_another_teams_customer(team: Team) -> None:
    olgas = await customers.create_customer(team.users["Olga"], customers.CustomerDraft("Olga Co"))
    mine = await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft("Li Co"))
    li = team.chats["Li Wei"]
    assert "Not found" in await li.send(button=pack(Action("cedit", f"{olgas.id}")))
    assert "Merge" not in await li.send(button=pack(Action("cust", f"{mine.id}")))
    assert "Only managers and admins merge" in await li.send(
        button=pack(Action("cmerge", f"{mine.id}"))
    )
    mia = team.chats["Mia"]
    assert "Not found" in await mia.send(button=pack(Action("cmerge", f"{olgas.id}")))
    assert "Not found" in await mia.send(button=pack(Action("cedit", f"{olgas.id}")))
    assert not await AuditEvent.filter(action__in=["customer.edit", "customer.merge"]).exists()


async def test_a_merge_moves_everything_and_the_old_name_finds_the_survivor(team: Team) -> None:
    li, sam = team.users["Li Wei"], team.users["Sam"]
    dup = await customers.create_customer(
        li, customers.CustomerDraft("Starlight Trading", phone="13912345678", industry="Retail")
    )
    keep = await customers.create_customer(
        sam, customers.CustomerDraft("Zenith Imports", phone="13800000000")
    )
    await _fill(team, dup, "Li Wei", 3)
    await _fill(team, keep, "Sam", 2)
    before_dup, before_keep = await _counts(dup.id), await _counts(keep.id)
    assert all(n == 3 for n in before_dup.values())

    mia = team.chats["Mia"]
    await mia.say("/customer starlight")
    assert "into which customer" in await mia.tap("Merge into")
    assert "same customer" in await mia.say("starlight")
    text = await mia.say("zenith")
    assert "Merge “Starlight Trading” into “Zenith Imports” (Sam)?" in text
    assert "visits 3" in text and "invoices 3" in text and "approval requests 3" in text
    assert "cannot be undone" in text and "industry Retail" in text
    assert await Customer.filter(id=dup.id).exists()  # nothing before the confirmation
    text = await mia.tap("Merge")
    assert "Merged “Starlight Trading” into “Zenith Imports”" in text

    assert not await Customer.filter(id=dup.id).exists()
    after = await _counts(keep.id)
    assert after == {k: before_dup[k] + before_keep[k] for k in after}
    survivor = await Customer.get(id=keep.id)
    assert (survivor.industry, survivor.phone) == ("Retail", "+8613800000000")
    moved = await Visit.filter(customer_id=keep.id, next_followup_at__isnull=False)
    assert {v.followup_owner_id for v in moved} == {sam.id}
    alias = await CustomerAlias.get(customer_id=keep.id)
    assert (alias.name, alias.phone) == ("Starlight Trading", "+8613912345678")
    event = await AuditEvent.get(action="customer.merge")
    assert event.before["merged_id"] == dup.id and event.after["moved"]["visits"] == 3

    # The old name and phone still find the survivor: search, duplicate check, quick capture.
    sams = team.chats["Sam"]
    assert "Zenith Imports" in await sams.say("/customer starlight")
    text = await sams.say("/newcustomer Starlight Trading Co")
    await sams.say("skip")
    assert "Zenith Imports" in sams.text and "may already exist" in sams.text
    await sams.say("cancel")
    text = await sams.say("Visited Starlight Trading, they want 200 units")
    assert "Zenith Imports" in text
    hits = await team.engine.finder.find("Acme", "+8613912345678")
    assert [h.customer_id for h in hits] == [keep.id]


async def test_typed_navigation_words_act_like_the_buttons(team: Team) -> None:
    chat = team.chats["Li Wei"]
    await chat.say("/newcustomer")
    text = await chat.say("skip")
    assert text.startswith("This one cannot be skipped.\n\nNew customer. What is the company")
    await chat.say("Acme Trading")
    assert "Address?" in await chat.say("Skip")  # the optional phone
    assert "Phone number?" in await chat.say("返回")
    assert "Address?" in await chat.say("跳过")
    assert "Industry?" in await chat.say("不填")
    assert "Cancelled. Nothing was saved." in await chat.say("取消")
    assert not await Customer.filter(name__in=["skip", "Skip", "Acme Trading"]).exists()

    assert await chat.say("cancel") == "Nothing to cancel."  # not a visit note

    # WeChat has no buttons: the typed words are the only way, in Chinese by default.
    invite = await users.create_invite(
        None, Role.REP, manager_id=team.users["Mia"].id, name="Wu", now=START
    )
    wu = Chat(team.engine, external_id="wx-wu", channel="wechat", name="wu")
    await wu.say(f"绑定 {invite.code}")
    await wu.say("/newcustomer 星辰贸易")
    phone_question = wu.text
    assert (await wu.say("跳过")).startswith("地址？")  # the optional phone is skipped
    assert await wu.say("返回") == phone_question  # back, as the button would
    assert "取消" in await wu.say("取消")
    assert not await Customer.filter(name="星辰贸易").exists()


async def test_an_alias_follows_its_customer_to_a_new_owner(team: Team) -> None:
    li, sam = team.users["Li Wei"], team.users["Sam"]
    dup = await customers.create_customer(li, customers.CustomerDraft("Starlight Trading"))
    keep = await customers.create_customer(sam, customers.CustomerDraft("Zenith Imports"))
    await customer_changes.merge(team.users["Mia"], dup.id, keep.id)
    li_chat = team.chats["Li Wei"]
    assert "Zenith" not in await li_chat.say("Visited Starlight Trading today")
    await li_chat.say("cancel")
    await customers.reassign(team.users["Mia"], keep.id, li.id)
    assert "Zenith Imports" in await li_chat.say("Visited Starlight Trading today")


async def test_in_chinese_a_merge_names_only_what_moves_and_history_names_the_method(
    team: Team,
) -> None:
    li, sam = team.users["Li Wei"], team.users["Sam"]
    dup = await customers.create_customer(li, customers.CustomerDraft("星辰贸易", industry="零售"))
    await customers.create_customer(sam, customers.CustomerDraft("天顶进出口"))
    await Payment.create(
        customer_id=dup.id, amount=Decimal(10), paid_on=date(2026, 11, 2), method="bank"
    )
    await users.set_locale(await User.get(name="Mia"), "zh")
    mia = team.chats["Mia"]
    await mia.say("/customer 星辰")
    history = await mia.tap("历史")
    assert "银行转账" in history and "bank" not in history
    await mia.say("/customer 星辰")
    await mia.tap("合并到")
    text = await mia.say("天顶")
    assert "将转移：收款 1。" in text, text
    assert " 0" not in text and ", " not in text
