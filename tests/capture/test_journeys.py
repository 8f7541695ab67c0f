"""Quick capture through the engine: free text → draft → Confirm / Edit / Cancel."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.dialogs.messages import Audio
from bot.models import Customer, Visit
from bot.services import customers
from tests.conftest import Team


async def own(team: Team, who: str, name: str) -> Customer:
    return await customers.create_customer(team.users[who], customers.CustomerDraft(name=name))


async def test_typed_note_to_confirmed_visit_with_follow_up(team: Team) -> None:
    li = team.chats["Li Wei"]
    acme = await own(team, "Li Wei", "Acme Trading Co.")
    await own(team, "Li Wei", "Globex Steel")
    reply = await li.say("Visited Acme, they want 200 units at 5% off, call back next Friday")
    assert "Log this?" in reply and "Acme Trading Co." in reply
    assert "200 units · 5%" in reply
    assert "Next follow-up: Nov 20, 09:00" in reply
    assert await Visit.all().count() == 0
    reply = await li.tap("Confirm")
    assert reply.startswith("Logged.") and "Nov 20, 09:00" in reply
    visit = await Visit.get(customer_id=acme.id)
    assert visit.kind == "visit"
    assert visit.at == datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    assert visit.next_followup_at == datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    assert visit.notes == "Visited Acme, they want 200 units at 5% off, call back"
    assert visit.transcript == "" and visit.audio_ref == ""
