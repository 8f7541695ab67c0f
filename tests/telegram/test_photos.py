"""A Telegram photo, and an image sent as a file, attach to the rep's visit; the card's Photos
button sends them back as photos; during /visit a photo belongs to the visit being logged."""

from __future__ import annotations

import hashlib

from bot.models import Role, User, VisitPhoto
from bot.services.records import customers
from tests.conftest import Team
from tests.telegram.conftest import Telegram, join
from tests.telegram.fake_bot_api import FakeBotApi, Person

ROSA = Person(612, "Rosa")
SHELF = b"\xff\xd8\xff\xe0" + b"shelf" * 40
CARD = b"\x89PNG\r\n\x1a\n" + b"business card" * 20


def sizes(file_id: str, content: bytes) -> list[dict[str, object]]:
    small = {"file_id": "thumb", "file_unique_id": "t", "width": 90, "height": 60}
    large = {"file_id": file_id, "file_unique_id": file_id, "width": 1280, "height": 960}
    return [small | {"file_size": 100}, large | {"file_size": len(content)}]


async def test_photos_attach_to_the_visit_and_come_back(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start(rate_limit=False)
    rosa = await join(telegram, ROSA, Role.REP, team.users["Mia"].id)
    owner = await User.get(name="Rosa")
    await customers.create_customer(owner, customers.CustomerDraft(name="Acme Trading"))
    await rosa.say("/visit acme")
    await rosa.tap("Visit")
    shelf = api.add_file(SHELF, "photos/file_1.jpg")
    said = await rosa.share(photo=sizes(shelf, SHELF), caption="the shelf")
    assert said.startswith("📷 1 photo attached to this visit.")
    await rosa.tap("Now")
    await rosa.say("checked the shelf")
    await rosa.tap("Skip")
    assert "📷 1 photo attached." in await rosa.tap("Save")

    # Outside a dialog, an image sent as a file goes to today's only visit.
    card_id = api.add_file(CARD, "documents/card.png")
    document = {
        "file_id": card_id,
        "file_unique_id": card_id,
        "file_name": "card.png",
        "mime_type": "image/png",
        "file_size": len(CARD),
    }
    said = await rosa.share(document=document)
    assert said == "📷 Photo attached to your visit at Acme Trading (📷 2 photos)."
    kept = await VisitPhoto.all().order_by("id").values_list("sha256", flat=True)
    assert kept == [hashlib.sha256(SHELF).hexdigest(), hashlib.sha256(CARD).hexdigest()]

    card = await rosa.say("/customer acme")
    assert "📷 2 photos" in card
    await rosa.tap("📷 Photos")
    sent = [m for m in api.bot_messages(ROSA.id) if "photo" in m]
    assert [api.files[m["photo"][-1]["file_id"]][1] for m in sent[-2:]] == [SHELF, CARD]
