"""/newcustomer and /customer as a rep uses them: duplicates caught before anything is saved."""

from __future__ import annotations

from bot.models import AuditEvent, Customer
from tests.conftest import Team


async def create(chat, name: str, phone: str | None = None) -> str:
    await chat.say(f"/newcustomer {name}")
    if phone:
        await chat.say(phone)
    else:
        await chat.tap("Skip")
    reply = chat.text
    if "Is it the same customer?" in reply:
        await chat.tap("No, it is a new customer")
    return await chat.tap("Save now")


async def test_duplicate_warning_for_latin_company_forms(team: Team) -> None:
    li, sam = team.chats["Li Wei"], team.chats["Sam"]
    assert "Saved: Acme Trading Co." in await create(li, "Acme Trading Co.")

    await sam.say("/newcustomer")
    await sam.say("ACME Trading Company Ltd.")
    reply = await sam.tap("Skip")
    assert "This may already exist" in reply
    assert "Acme Trading Co. (owned by Li Wei)" in reply
    assert await Customer.all().count() == 1

    reply = await sam.tap("Open Acme Trading Co.")
    assert "belongs to another rep" in reply
    assert await Customer.all().count() == 1


async def test_duplicate_warning_for_chinese_suffix_and_insisting(team: Team) -> None:
    li = team.chats["Li Wei"]
    await create(li, "上海星辰贸易")
    await li.say("/newcustomer 上海星辰贸易有限公司")
    reply = await li.tap("Skip")
    assert "上海星辰贸易 (owned by you)" in reply
    await li.tap("No, it is a new customer")
    await li.tap("Save now")
    assert "Saved: 上海星辰贸易有限公司" in li.text, "the first tap saves"
    assert await Customer.filter(name="上海星辰贸易有限公司").count() == 1


async def test_duplicate_by_phone_and_opening_own_existing(team: Team) -> None:
    li = team.chats["Li Wei"]
    await create(li, "Northwind Foods", phone="138 1234 5678")
    await li.say("/newcustomer Totally Different Name")
    reply = await li.say("+86 138-1234-5678")
    assert "Northwind Foods (owned by you) · same phone" in reply
    reply = await li.tap("Open Northwind Foods")
    assert "nothing new was saved" in reply and "🏢 Northwind Foods" in reply
    assert "Owner: Li Wei" in reply
    assert await Customer.all().count() == 1


async def test_full_dialog_with_typed_numbers_and_bad_input(team: Team) -> None:
    li = team.chats["Li Wei"]
    assert "What is the company called?" in await li.say("/newcustomer")
    assert "only punctuation" in await li.say("...")
    assert "What is the company called?" in li.text
    await li.say("Globex Corporation")
    reply = await li.say("call me maybe")
    assert "does not look like a phone number" in reply and "Phone number?" in reply
    await li.say("021 6123 4567")
    assert "Address?" in li.text
    await li.say("88 Century Avenue, Pudong")
    await li.say("Logistics")
    assert "Tier?" in li.text
    reply = await li.say("D")
    assert "Please choose A, B or C." in reply
    await li.say("1")  # typed number picks "A", as numbered channels promise
    await li.say("Met at the trade fair")
    reply = li.text
    assert "Save this customer?" in reply
    assert "Phone: +86 21 6123 4567" in reply and "Tier: A" in reply
    assert await Customer.all().count() == 0, "nothing is written before the confirmation"
    await li.say("1")
    customer = await Customer.get(name="Globex Corporation")
    assert (customer.phone, customer.tier, customer.industry) == ("+862161234567", "A", "Logistics")
    event = await AuditEvent.get(action="customer.create", entity_id=customer.id)
    assert event.actor_id == team.users["Li Wei"].id
    assert event.after and event.after["name"] == "Globex Corporation"


async def test_cancel_writes_nothing_and_back_goes_back(team: Team) -> None:
    li = team.chats["Li Wei"]
    await li.say("/newcustomer Initech")
    await li.tap("Skip")
    await li.tap("Skip")  # address
    assert "Industry?" in li.text
    assert "Address?" in await li.tap("Back")
    await li.say("/cancel")
    assert li.text == "Cancelled. Nothing was saved."
    assert await Customer.all().count() == 0
    assert await AuditEvent.filter(action="customer.create").count() == 0
    assert "Nothing to cancel." in await li.say("/cancel")


async def test_find_customer_by_any_part_of_the_name(team: Team) -> None:
    li = team.chats["Li Wei"]
    for name in ("Acme Trading Co.", "Acme Robotics", "上海星辰贸易", "Umbrella Corp"):
        await create(li, name)
    reply = await li.say("/customer acme")
    assert (
        "2 customers match “acme”" in reply
        and "Acme Robotics" in reply
        and "Acme Trading Co." in reply
    )
    reply = await li.tap("Acme Trading")
    assert "🏢 Acme Trading Co." in reply and "Last contact: never" in reply
    reply = await li.say("/customer 星辰")
    assert "🏢 上海星辰贸易" in reply
    assert "No customer of yours matches" in await li.say("/customer zzz")


async def test_new_customer_from_a_shared_contact_card(team: Team) -> None:
    li = team.chats["Li Wei"]
    await li.say("/newcustomer")
    reply = await li.share_contact("Wang Fang Studio", "+86 139 0000 1111")
    assert "Address?" in reply
    await li.tap("Save now")
    assert "Saved: Wang Fang Studio" in li.text and "Phone: +86 139 0000 1111" in li.text
    assert (await Customer.get(name="Wang Fang Studio")).phone == "+8613900001111"
