"""One voice note, one tap: Telegram audio → transcript → quick-capture draft → Confirm."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.models import Role, User, Visit
from bot.services.records import customers
from tests.conftest import Team
from tests.speech.conftest import recording
from tests.speech.test_telegram_voice import voice
from tests.telegram.conftest import Telegram, join
from tests.telegram.fake_bot_api import FakeBotApi, Person

TOM = Person(911, "Tom")


async def test_a_voice_note_becomes_a_draft_visit_and_is_stored_with_its_transcript(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start(rate_limit=False)
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    owner = await User.get(name="Tom")
    acme = await customers.create_customer(owner, customers.CustomerDraft(name="Acme Trading"))
    await customers.create_customer(owner, customers.CustomerDraft(name="Blue River Foods"))

    note = voice(api, recording("visit_acme.ogg"), duration=7)
    reply = await tom.share(voice=note)
    assert "🎙 “visited acme trading" in reply, reply
    assert "Log this?" in reply and "Acme Trading" in reply, reply
    assert "💰 5%" in reply and "📦 200 units" in reply, reply
    assert await Visit.all().count() == 0, "nothing is written before Confirm"

    assert (await tom.tap("Confirm")).startswith("Logged.")
    visit = await Visit.get(customer_id=acme.id)
    assert visit.audio_ref == note["file_id"]
    assert visit.transcript.startswith("visited acme trading they want two hundred units")
    # Heard on Wednesday 18 Nov 2026: "next Friday" is the 20th, 09:00 in Shanghai.
    assert visit.next_followup_at == datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
