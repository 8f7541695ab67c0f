"""What Telegram users share and where they write: cards, places, voice, groups, deep links."""

from __future__ import annotations

from bot.buttons import Action, pack
from bot.models import Role, User
from tests.conftest import Team
from tests.telegram.conftest import Phone, Telegram, join
from tests.telegram.fake_bot_api import FakeBotApi, Person

TOM = Person(801, "Tom", language_code="en")
MEI = Person(802, "Mei", language_code="zh-hans")


async def test_voice_location_and_contact_cards_reach_the_core(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start(rate_limit=False)
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    voice_id = api.add_file(b"OggS fake voice")
    voice = {"file_id": voice_id, "file_unique_id": "u1", "duration": 3, "mime_type": "audio/ogg"}
    assert "could not make out that voice note" in await tom.share(voice=voice)
    assert telegram.channel is not None
    assert await telegram.channel.download(voice_id) == b"OggS fake voice"

    reply = await tom.share(location={"latitude": 31.23, "longitude": 121.47})
    assert "while logging a /visit" in reply

    card = {"phone_number": "+86 139 1111 2222", "first_name": "Zhang", "last_name": "Min"}
    reply = await tom.share(contact=card)
    assert "Zhang Min · +86 139 1111 2222: what should I make of this card?" in reply
    assert "A new customer" in str(tom.last["reply_markup"])


async def test_groups_get_one_line_when_addressed_and_silence_otherwise(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start(rate_limit=False)
    await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    group = {"id": -100123, "type": "supergroup", "title": "Sales team"}
    for text in ("/visit", "hello everyone", "/help@other_bot", "@crm_test_bot are you there?"):
        update_id = api.send(TOM, text, chat=group)
        await telegram.settle(update_id)
    lines = [m["text"] for m in api.bot_messages(-100123)]
    assert (
        lines
        == ["I only work in private chats. Please write to me directly: https://t.me/crm_test_bot"]
        * 2
    )
    mei = Phone(telegram, MEI)
    update_id = api.send(MEI, "/help", chat=group)
    await telegram.settle(update_id)
    assert "https://t.me/crm_test_bot" in api.bot_messages(-100123)[-1]["text"]
    assert not mei.chat, "nothing in private either"


async def test_a_receipt_photo_travels_with_the_expense_claim_to_the_approver(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start(rate_limit=False)
    boss = await join(telegram, Person(803, "Bea", language_code="en"), Role.MANAGER, None)
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    await User.filter(name="Tom").update(manager_id=(await User.get(name="Bea")).id)
    await tom.say("/request")
    await tom.tap("Expense claim")
    await tom.say("¥380")
    await tom.tap("Travel")
    await tom.say("Taxi to the Acme plant")
    assert "Send a photo of the receipt" in tom.last["text"]
    assert "That is not a photo" in await tom.say("here it is")
    photo_id = api.add_file(b"\xff\xd8 jpeg of a taxi receipt", "photos/receipt.jpg")
    sizes = [{"file_id": f"{photo_id}", "file_unique_id": "r1", "width": 90, "height": 160}]
    reply = await tom.share(photo=sizes, caption="taxi")
    assert "📎 Receipt attached" in reply
    assert "Sent to Bea" in await tom.tap("Send")

    reply = await boss.say("/approvals")
    assert "1 request waits for you" in reply
    await boss.tap("Expense claim")
    assert "Expense claim CN¥380, Travel 📎" in boss.last["text"]
    reply = await boss.tap("Receipt")
    sent = boss.last
    assert sent["photo"][0]["file_id"] == photo_id, "resent by its id, not downloaded"
    assert "📎 Receipt · Expense claim CN¥380, Travel" in reply
    assert "Not found" in await tom.tap_data(tom.last, pack(Action("apr", "99999:r")))
