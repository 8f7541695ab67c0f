"""A Telegram location outside a dialog lists the customers near it, with a map link button."""

from __future__ import annotations

from bot.models import Customer, Role, User, Visit, VisitKind
from bot.services.records import customers, visits
from tests.conftest import Team
from tests.support import FakeClock
from tests.telegram.conftest import Telegram, join
from tests.telegram.fake_bot_api import FakeBotApi, Person

ROSA = Person(611, "Rosa")


async def test_a_shared_location_lists_nearby_customers_with_buttons(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start(rate_limit=False)
    rosa = await join(telegram, ROSA, Role.REP, team.users["Mia"].id)
    owner = await User.get(name="Rosa")
    acme = await customers.create_customer(owner, customers.CustomerDraft(name="Acme Trading"))
    await Customer.filter(id=acme.id).update(latitude=31.2310, longitude=121.4737)
    text = await rosa.share(location={"latitude": 31.2304, "longitude": 121.4737})
    assert text.startswith("📍 Your customers within 5 km, nearest first:")
    assert "1. Acme Trading · 67 m" in text
    buttons = [b for row in rosa.last["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["Log a visit (1)", "Open (1)", "Map (1)"]
    assert buttons[2]["url"].startswith("https://www.openstreetmap.org/?mlat=31.231000")
    assert "callback_data" not in buttons[2]
    assert "🏢 Acme Trading" in await rosa.tap("Open (1)")


async def test_a_second_location_checks_out_with_the_time_spent(
    telegram: Telegram, api: FakeBotApi, team: Team, clock: FakeClock
) -> None:
    await telegram.start(rate_limit=False)
    rosa = await join(telegram, ROSA, Role.REP, team.users["Mia"].id)
    owner = await User.get(name="Rosa")
    acme = await customers.create_customer(owner, customers.CustomerDraft(name="Acme Trading"))
    draft = visits.VisitDraft(
        acme.id, VisitKind.VISIT, clock.now, notes="met", latitude=31.2304, longitude=121.4737
    )
    await visits.log_visit(owner, draft, now=clock.now)
    clock.advance(minutes=50)
    text = await rosa.share(location={"latitude": 31.2500, "longitude": 121.4737})
    assert text.startswith("🕙 You checked in at Acme Trading at 10:00 — check out?")
    done = await rosa.tap("Check out")
    assert done.startswith("✅ Checked out of Acme Trading: 10:00–10:50, ⏱ 50 min on site.")
    assert "This check-out is 2.2 km from Acme Trading's known place" in done
    assert (await Visit.get(customer_id=acme.id)).checkout_far
