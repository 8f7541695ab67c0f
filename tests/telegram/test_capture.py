"""Quick capture on Telegram: a typed note → the draft with buttons → Confirm, over the Bot API."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.models import Role, Visit
from bot.services.records import customers
from tests.conftest import Team
from tests.telegram.conftest import Telegram, join
from tests.telegram.fake_bot_api import FakeBotApi, Person

TOM = Person(601, "Tom", "Berg", username="tomb")


async def test_typed_note_confirmed_with_a_button(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start(rate_limit=False)
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    await tom.say("/newcustomer Brightwater Ceramics")
    await tom.tap("Skip")
    await tom.tap("Save now")
    customer = await customers.Customer.get(name="Brightwater Ceramics")

    reply = await tom.say(
        "Visited Brightwater, they want 200 units at 5% off, call back next Friday"
    )
    assert "Log this?" in reply and "Brightwater Ceramics" in reply
    assert "💰 5%" in reply and "📦 200 units" in reply
    draft = tom.last
    labels = [b["text"] for row in draft["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[:2] == ["✅ Confirm", "✏️ Edit"] and "Cancel" in labels
    assert await Visit.all().count() == 0
    reply = await tom.tap("Confirm")
    assert reply.startswith("Logged.")
    assert draft["text"].endswith("→ ✅ Confirm") and "reply_markup" not in draft
    visit = await Visit.get(customer_id=customer.id)
    assert visit.next_followup_at == datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    assert visit.notes == (
        "Visited Brightwater, they want 200 units at 5% off, call back next Friday"
    )
