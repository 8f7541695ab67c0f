"""Check-out: a location shared while today's check-in is open offers Check out, /checkout closes
it by the time alone; the visit keeps the second point and the minutes on site, which the card,
the history and the manager's summary show, and a check-out far from the customer is marked."""

from __future__ import annotations

import pytest

from bot.dialogs.digests import render_summary
from bot.i18n import Translator
from bot.messages import Location
from bot.models import User, Visit
from bot.scheduler import jobs
from bot.services.people import users
from bot.services.records import customers
from tests.conftest import Team
from tests.support import Chat, FakeClock
from tests.test_places import PEOPLES_SQUARE, north

LABELS = {"en": ("Visit", "Now", "Save"), "zh": ("拜访", "现在", "保存")}


async def check_in(chat: Chat, name: str, metres: float = 0.0, language: str = "en") -> str:
    """Log a visit at `name` with a location `metres` north of People's Square, dated now."""
    kind, now, save = LABELS[language]
    await chat.say(f"/visit {name}")
    await chat.tap(kind)
    await chat.send(location=Location(*north(metres)))
    await chat.tap(now)
    await chat.say("met the buyer")
    await chat.say("skip")
    return await chat.tap(save)


async def summary_text(team: Team, clock: FakeClock, language: str = "en") -> str:
    summary = await jobs.for_user(
        "summary", team.users["Mia"].id, team.engine.settings, now=clock.now, dry_run=True
    )
    reply = render_summary(Translator.for_user(language, "Asia/Shanghai"), summary.data.params())
    assert reply is not None
    return reply.text


async def test_sharing_a_location_near_the_customer_checks_out_with_the_time_spent(
    team: Team, clock: FakeClock
) -> None:
    li = team.chats["Li Wei"]
    await customers.create_customer(
        team.users["Li Wei"], customers.CustomerDraft(name="Acme Trading Co.")
    )
    clock.advance(minutes=5)  # 10:05 in Shanghai
    saved = await check_in(li, "acme")
    assert "When you leave, share your location again or send /checkout." in saved
    clock.advance(minutes=45)
    offer = await li.send(location=Location(*north(100)))
    assert offer.startswith(
        "📍 You are still at Acme Trading Co., checked in at 10:05. Check out now?"
    )
    assert "1. Acme Trading Co. · 100 m" in offer, "the near-me list follows"
    tapped = li.button("Check out")
    done = await li.send(button=tapped)
    assert done == "✅ Checked out of Acme Trading Co.: 10:05–10:50, ⏱ 45 min on site."
    row = await Visit.get(customer__name="Acme Trading Co.")
    assert (row.minutes_on_site, row.checkout_distance_m, row.checkout_far) == (45, 100, False)
    assert row.checkout_at == clock.now and round(row.checkout_latitude or 0, 4) == 31.2313
    # A second tap (or a second instance handling the same tap) checks out once.
    clock.advance(minutes=30)
    again = await li.send(button=tapped)
    assert again == "You already checked out of Acme Trading Co. at 10:50 (⏱ 45 min on site)."
    assert (await Visit.get(id=row.id)).minutes_on_site == 45
    # Nothing open any more: a location is only the near-me list.
    assert "check out" not in (await li.send(location=Location(*PEOPLES_SQUARE))).casefold()
    card = await li.say("/customer acme")
    assert "· Li Wei · ⏱ 45 min on site: met the buyer" in card
    history = await li.tap("History")
    assert "⏱ 45 min on site" in history
    assert "Li Wei: 1 visits" in (text := await summary_text(team, clock))
    assert "⏱ 45 min on site" in text and "check-out far" not in text


async def test_a_check_out_far_from_the_customer_is_marked(team: Team, clock: FakeClock) -> None:
    li = team.chats["Li Wei"]
    await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft(name="Acme"))
    await check_in(li, "acme")
    clock.advance(hours=1, minutes=20)
    offer = await li.send(location=Location(*north(3000)))
    assert offer.startswith("🕙 You checked in at Acme at 10:00 — check out?")
    done = await li.tap("Check out")
    assert done.startswith("✅ Checked out of Acme: 10:00–11:20, ⏱ 1 h 20 min on site.")
    assert "📍 This check-out is 3 km from Acme's known place; it is marked on the visit." in done
    assert "📍 checked out 3 km away" in await li.say("/customer acme")
    text = await summary_text(team, clock)
    assert "⏱ 1 h 20 min on site · 📍 1 check-out far from the customer" in text


async def test_checkout_command_closes_by_the_time_and_only_todays_check_in(
    team: Team, clock: FakeClock
) -> None:
    li = team.chats["Li Wei"]
    assert (await li.say("/checkout")).startswith("You have no check-in open today.")
    await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft(name="Acme"))
    await check_in(li, "acme")
    clock.advance(days=1)
    assert (await li.say("/checkout")).startswith("You have no check-in open today.")
    assert "check out" not in (await li.send(location=Location(*PEOPLES_SQUARE))).casefold()
    stale = await Visit.get()
    assert "another day" in await li.send(button=_checkout_button(stale.id))
    await check_in(li, "acme")
    clock.advance(minutes=12)
    assert await li.say("/checkout") == ("✅ Checked out of Acme: 10:00–10:12, ⏱ 12 min on site.")
    today = await Visit.filter(minutes_on_site__isnull=False).get()
    assert today.checkout_latitude is None and today.checkout_distance_m is None
    # Someone else's visit cannot be checked out by its id.
    sam = team.chats["Sam"]
    refused = await sam.send(button=_checkout_button(today.id))
    assert refused.startswith("You have no check-in open today.")


def _checkout_button(visit_id: int) -> str:
    from bot.buttons import Action, pack

    return pack(Action("checkout", str(visit_id)))


async def test_check_out_in_chinese(team: Team, clock: FakeClock) -> None:
    await users.set_locale(await User.get(name="Li Wei"), "zh")
    li = team.chats["Li Wei"]
    await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft(name="宏达贸易"))
    saved = await check_in(li, "宏达", language="zh")
    assert "离开时请再次发送位置，或发送 /checkout。" in saved
    clock.advance(minutes=40)
    offer = await li.send(location=Location(*north(50)))
    assert offer.startswith("📍 您还在宏达贸易，10:00 签到。现在签退吗？")
    done = await li.tap("签退")
    assert done == "✅ 已从宏达贸易签退：10:00–10:40，⏱ 在现场40分钟。"
    clock.advance(hours=2)
    await check_in(li, "宏达", language="zh")
    clock.advance(hours=1, minutes=5)
    far = await li.send(location=Location(*north(2500)))
    assert far.startswith("🕙 您 12:40 在宏达贸易签到，现在签退吗？")
    done = await li.tap("签退")
    assert "⏱ 在现场1小时5分钟" in done and "这次签退距离宏达贸易的已知地点2.5公里" in done
    assert "📍 签退地点相距2.5公里" in await li.say("/customer 宏达")
    text = await summary_text(team, clock, "zh")
    assert "⏱ 在现场1小时45分钟" in text and "📍 1 次签退远离客户地点" in text
    assert (await li.say("/checkout")).startswith("您今天没有未签退的签到。")


@pytest.mark.parametrize("minutes", [0, 59, 60, 61])
def test_minutes_read_as_hours_and_minutes(minutes: int) -> None:
    from bot.dialogs.common import on_site_text

    text = on_site_text(Translator.for_user("en", "UTC"), minutes)
    expected = {
        0: "⏱ 0 min on site",
        59: "⏱ 59 min on site",
        60: "⏱ 1 h 0 min on site",
        61: "⏱ 1 h 1 min on site",
    }
    assert text == expected[minutes]
