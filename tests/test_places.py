"""Where customers are: a check-in teaches a customer's place and a far one is marked; a location
shared outside a dialog lists the person's nearest customers, only those they may see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.dialogs.digests import render_summary
from bot.handlers.console import ConsoleChannel
from bot.handlers.console import render as console_render
from bot.i18n import Translator
from bot.messages import ButtonKind, Location
from bot.models import Customer, Visit
from bot.scheduler import jobs
from bot.services.records import customers, places
from tests.conftest import Team
from tests.support import FakeClock

PEOPLES_SQUARE = (31.2304, 121.4737)  # 人民广场, Shanghai


def north(metres: float) -> tuple[float, float]:
    """A point `metres` north of People's Square."""
    return PEOPLES_SQUARE[0] + metres / places.METRES_PER_DEGREE, PEOPLES_SQUARE[1]


async def placed(team: Team, owner: str, name: str, metres: float) -> Customer:
    customer = await customers.create_customer(
        team.users[owner], customers.CustomerDraft(name=name)
    )
    lat, lon = north(metres)
    await Customer.filter(id=customer.id).update(latitude=lat, longitude=lon)
    return customer


def test_distances_are_great_circle_metres() -> None:
    assert round(places.distance_m(*PEOPLES_SQUARE, *north(1000))) == 1000
    # Shanghai to Beijing, about 1,067 km as the crow flies.
    assert 1_060_000 < places.distance_m(*PEOPLES_SQUARE, 39.9042, 116.4074) < 1_075_000


async def test_a_first_check_in_teaches_the_place_and_a_far_one_is_marked(
    team: Team, clock: FakeClock
) -> None:
    li = team.chats["Li Wei"]
    acme = await customers.create_customer(
        team.users["Li Wei"], customers.CustomerDraft(name="Acme Trading Co.")
    )
    for visit, metres in ((1, 0.0), (2, 120.0), (3, 2000.0)):
        await li.say("/visit acme")
        await li.tap("Visit")
        assert "Location attached" in await li.send(location=Location(*north(metres)))
        await li.tap("Now")
        await li.say(f"visit {visit}")
        await li.say("skip")
        saved = await li.tap("Save")
        if visit == 1:
            assert "Acme Trading Co.'s place is now known from this check-in." in saved
        elif visit == 2:
            assert "📍" not in saved, "within the check-in radius: nothing to say"
        else:
            assert "This check-in is 2 km from Acme Trading Co.'s known place" in saved
        clock.advance(hours=2)
    rows = await Visit.filter(customer_id=acme.id).order_by("id").values_list("distance_m", "far")
    assert rows == [(None, False), (120, False), (2000, True)]
    learned = await Customer.get(id=acme.id)
    assert learned.place_learned and round(learned.latitude or 0, 4) == PEOPLES_SQUARE[0]
    card = await li.say("/customer acme")
    assert card.count("📍 checked in 2 km away") == 1, "only the far check-in is marked"
    # The manager's evening summary names the far check-in under the rep's line.
    summary = await jobs.for_user(
        "summary", team.users["Mia"].id, team.engine.settings, now=clock.now, dry_run=True
    )
    text = render_summary(Translator.for_user("en", "Asia/Shanghai"), summary.data.params())
    assert text is not None
    assert "Li Wei: 3 visits" in text.text and "📍 1 check-in far from the customer" in text.text


async def test_near_me_lists_the_nearest_visible_customers_with_what_is_due(
    team: Team, clock: FakeClock
) -> None:
    far = await placed(team, "Li Wei", "Far Away Ltd", 9000)
    near = await placed(team, "Li Wei", "Near Trading", 300)
    nearer = await placed(team, "Li Wei", "Nearer Co", 50)
    await placed(team, "Sam", "Sam's Shop", 200)
    await placed(team, "Olga", "Olga's Office", 100)
    await Visit.create(
        customer_id=near.id,
        user_id=team.users["Li Wei"].id,
        at=clock.now - timedelta(days=3),
        next_followup_at=clock.now - timedelta(days=1),
        followup_owner_id=team.users["Li Wei"].id,
    )
    li = team.chats["Li Wei"]
    reply = await li.send(location=Location(*PEOPLES_SQUARE))
    lines = reply.split("\n")
    assert lines[0] == "📍 Your customers within 5 km, nearest first:"
    assert lines[1] == "1. Nearer Co · 50 m"
    assert lines[3].startswith("2. Near Trading · 300 m · ⚠️ follow-up overdue since")
    assert far.name not in reply and "Sam's Shop" not in reply and "Olga" not in reply
    links = [b for r in li.replies for b in r.all_buttons() if b.kind == ButtonKind.LINK]
    assert links[0].data.startswith("https://www.openstreetmap.org/?mlat=31.230")
    assert "Open (2)" in reply and "geo:31.230" in reply
    assert "🏢 Nearer Co" in await li.tap("Open (1)")
    assert str(nearer.id)  # opened by its button, not by name

    manager = await team.chats["Mia"].send(location=Location(*PEOPLES_SQUARE))
    assert manager.startswith("📍 Your team's customers within 5 km")
    assert "Sam's Shop · 200 m · Sam" in manager and "Olga" not in manager


async def test_near_me_shows_eight_at_most_and_says_when_there_is_none(team: Team) -> None:
    for n in range(10):
        await placed(team, "Sam", f"Shop {n}", 100 * (n + 1))
    sam = team.chats["Sam"]
    reply = await sam.send(location=Location(*PEOPLES_SQUARE))
    assert "8. Shop 7" in reply and "Shop 8" not in reply
    olga = await team.chats["Olga"].send(location=Location(*PEOPLES_SQUARE))
    assert olga.startswith("No customer you can see has a known place within 5 km.")


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_the_console_shares_a_location_as_typed_coordinates(
    team: Team, language: str
) -> None:
    from bot.models import User
    from bot.services.people import users

    await placed(team, "Li Wei", "Acme Trading Co.", 300)
    await users.set_locale(await User.get(name="Li Wei"), language)
    console = ConsoleChannel(team.engine, team.chats["Li Wei"].external_id)
    text = console_render(await console.send("/location 31.2304,121.4737"))
    assert "Acme Trading Co." in text
    if language == "zh":
        assert "https://uri.amap.com/marker?position=121.473" in text and "300米" in text
    else:
        assert "https://www.openstreetmap.org/" in text and "300 m" in text


async def test_a_check_in_after_an_impossible_journey_is_marked(
    team: Team, clock: FakeClock
) -> None:
    """Shanghai, then Beijing (1,067 km) an hour later: no train is that fast."""
    li = team.chats["Li Wei"]
    for name in ("Acme Shanghai", "Acme Beijing"):
        await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft(name=name))
    replies = []
    for name, where in (("Acme Shanghai", PEOPLES_SQUARE), ("Acme Beijing", (39.9042, 116.4074))):
        await li.say(f"/visit {name}")
        await li.tap("Visit")
        await li.send(location=Location(*where))
        await li.tap("Now")
        await li.say("met the buyer")
        await li.say("skip")
        replies.append(await li.tap("Save"))
        clock.advance(hours=1)
    assert "🚄" not in replies[0]
    assert "You could not have come here from your previous check-in" in replies[1]
    flags = await Visit.all().order_by("id").values_list("too_fast", flat=True)
    assert flags == [False, True]
    assert "🚄 impossible journey" in await li.say("/customer acme beijing")
