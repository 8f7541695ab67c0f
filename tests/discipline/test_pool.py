"""The public pool (公海) as people meet it: a customer silent past its tier's days is warned of in
the owner's digest, goes back by the nightly rule, shows in the manager's summary and in `/pool`,
is claimed by another rep within the daily quota, refused beyond it and to the previous owner
during the cool-down, and given by a manager; a leaver's customers may go to the pool."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.buttons import Action, pack
from bot.config import Settings
from bot.dialogs.engine import Engine
from bot.models import AuditEvent, Customer, Deal, PoolMove, PoolMoveKind, Stage, User, VisitKind
from bot.scheduler import Dispatcher
from bot.scheduler.jobs import digest_tick, pool_tick, summary_tick
from bot.services.discipline import pool
from bot.services.errors import NotFound
from bot.services.records import customers, visits
from tests.conftest import START, Team
from tests.scheduler.helpers import RecordingSender, fast_limits

RULES = {
    "pool_idle_days": {"A": 90, "C": 30},
    "pool_warning_days": 5,
    "pool_claims_per_day": 1,
    "pool_cooldown_days": 30,
}
# Shanghai is UTC+8: the digest at 08:30 local, the summary at 18:30, the pool's night at 02:00.
DIGEST_DAY = datetime(2026, 12, 14, 0, 31, tzinfo=UTC)  # 26 days after the last contact
NIGHT = datetime(2026, 12, 18, 18, 30, tzinfo=UTC)  # Dec 19, 02:30 local: 30 days and more
SUMMARY = datetime(2026, 12, 19, 10, 31, tzinfo=UTC)


def configure(engine: Engine, **extra: object) -> Settings:
    engine.settings = engine.settings.model_copy(update={**RULES, **extra})
    return engine.settings


async def owned(team: Team, owner: str, name: str, tier: str, *, industry: str = "") -> Customer:
    """A customer of `owner`, last contacted at START (a visit logged then)."""
    user = team.users[owner]
    draft = customers.CustomerDraft(
        name=name, tier=tier, industry=industry, address="Shanghai, Pudong, Zhangjiang Rd 88"
    )
    customer = await customers.create_customer(user, draft)
    await visits.log_visit(
        user,
        visits.VisitDraft(
            customer_id=customer.id, kind=VisitKind.VISIT, at=START, notes="secret price talk"
        ),
        now=START,
        radius_m=500,
    )
    return customer


async def deliver(now: datetime) -> RecordingSender:
    sender = RecordingSender()
    await Dispatcher({"console": sender}, limits=fast_limits(), clock=lambda: now).drain()
    return sender


async def test_idle_customers_are_warned_returned_claimed_refused_and_given(team: Team) -> None:
    settings = configure(team.engine)
    clock = team.engine.clock
    acme = await owned(team, "Li Wei", "Acme Trading", "C", industry="Machinery")
    zeta = await owned(team, "Li Wei", "Zeta Pumps", "C")
    busy = await owned(team, "Li Wei", "Busy Works", "C")
    await owned(team, "Li Wei", "Anchor Group", "A")  # 90 days for tier A: stays
    await Deal.create(
        customer=busy,
        owner_id=team.users["Li Wei"].id,
        title="Line 2",
        amount=Decimal(900),
        currency="CNY",
        stage=Stage.NEGOTIATION,
    )
    li, sam, mia = team.chats["Li Wei"], team.chats["Sam"], team.chats["Mia"]

    # The warning, days before, in the owner's morning digest with a Log-a-contact button.
    assert (await digest_tick(settings, now=DIGEST_DAY)).queued == 1
    sent = await deliver(DIGEST_DAY)
    (digest,) = [reply for chat, reply in sent.sent if chat == "ext-Li Wei"]
    assert "Going back to the public pool unless contacted: 2" in digest.text
    assert "• Acme Trading · on Fri, Dec 18" in digest.text
    assert "Busy Works ·" not in digest.text.split("public pool")[1]  # its deal keeps it
    li.replies = [digest]
    assert "Acme Trading" in await li.tap("Log a contact")  # the visit dialog, for Acme
    await li.say("/cancel")

    # Not yet: that day's run moves nothing; on its night it goes, once.
    early = await pool.return_idle(pool.PoolRules.from_settings(settings), now=DIGEST_DAY)
    assert early is not None and early.moved == []
    clock.now = NIGHT
    await pool_tick(settings, now=NIGHT)
    acme_now = await Customer.get(id=acme.id)
    assert acme_now.owner_id is None and acme_now.previous_owner_id == team.users["Li Wei"].id
    assert acme_now.pooled_at is not None
    assert (await Customer.get(id=busy.id)).owner_id == team.users["Li Wei"].id
    assert await Customer.filter(owner_id__isnull=True).count() == 2
    returned = await PoolMove.filter(kind=PoolMoveKind.RETURNED).count()
    assert returned == 2
    assert await AuditEvent.filter(action="customer.pool.returned", entity_id=acme.id).exists()
    await pool_tick(settings, now=NIGHT + timedelta(minutes=5))
    assert await PoolMove.filter(kind=PoolMoveKind.RETURNED).count() == 2

    # The rep's own lists no longer show it; the pool does, with who had it and no notes.
    assert "No customer of yours matches" in await li.say("/customer Acme")
    text = await sam.say("/pool")
    assert "2 customers in the public pool:" in text
    assert "Acme Trading · Machinery · Shanghai, Pudong" in text and "had by Li Wei" in text
    assert "secret" not in text
    assert "1 customer in the public pool matches “pudong zhangjiang”" not in text
    assert "Zeta Pumps" in await sam.say("/pool zeta")
    assert "2 customers in the public pool match “Pudong”" in await sam.say("/pool Pudong")
    assert "Nothing in the public pool matches “Initech”" in await sam.say("/pool Initech")

    # The manager's summary lists what went back.
    clock.now = SUMMARY
    assert (await summary_tick(settings, now=SUMMARY)).queued >= 1
    sent = await deliver(SUMMARY)
    (summary,) = [reply for chat, reply in sent.sent if chat == "ext-Mia"]
    assert "Back to the public pool today: 2" in summary.text
    assert "• Acme Trading · Li Wei" in summary.text

    # Another rep claims one with a tap; a second claim the same day is beyond the quota.
    await sam.say("/pool acme")
    text = await sam.tap("Claim")
    assert "Acme Trading is yours now." in text and "Owner: Sam" in text
    assert (await Customer.get(id=acme.id)).owner_id == team.users["Sam"].id
    await sam.say("/pool zeta")
    text = await sam.tap("Claim")
    assert "You have claimed 1 customer from the pool today, the most for a day." in text
    assert (await Customer.get(id=zeta.id)).owner_id is None

    # The previous owner waits out the cool-down.
    await li.say("/pool zeta")
    text = await li.tap("Claim")
    assert "Zeta Pumps went to the pool from you; you may claim it back from" in text
    assert (await Customer.get(id=zeta.id)).owner_id is None

    # The history of hands is on the customer's timeline.
    await sam.send(button=pack(Action("hist", f"{acme.id}:0")))
    assert "back to the public pool from Li Wei" in sam.text
    assert "claimed from the public pool by Sam" in sam.text

    # A manager gives one to a rep of their team (quota and cool-down are for claims).
    await mia.say("/pool zeta")
    text = await mia.tap("Assign 1")
    assert "Give Zeta Pumps to whom?" in text and "Olga" not in text
    assert "Give Zeta Pumps to Li Wei?" in await mia.tap("Li Wei")
    assert "Zeta Pumps now belongs to Li Wei." in await mia.tap("Save")
    assert (await Customer.get(id=zeta.id)).owner_id == team.users["Li Wei"].id
    moved = await PoolMove.get(customer_id=zeta.id, kind=PoolMoveKind.ASSIGNED)
    assert moved.actor_id == team.users["Mia"].id
    told = [reply.text for chat, reply in (await deliver(SUMMARY)).sent if chat == "ext-Li Wei"]
    assert "🌊 Mia gave you Zeta Pumps from the public pool." in told
    assert "The public pool is empty." in await sam.say("/pool")

    # Next day Sam's quota is fresh again.
    assert await pool.claimed_today(team.users["Sam"], now=SUMMARY + timedelta(days=1)) == 0


async def test_the_same_in_chinese(team: Team) -> None:
    settings = configure(team.engine, pool_claims_per_day=1)
    acme = await owned(team, "Li Wei", "星辰贸易", "C", industry="机械")
    await owned(team, "Li Wei", "华瑞科技", "C")
    li, sam = team.chats["Li Wei"], team.chats["Sam"]
    await li.say("/lang zh")
    await sam.say("/lang zh")
    await digest_tick(settings, now=DIGEST_DAY)
    sent = await deliver(DIGEST_DAY)
    (digest,) = [reply for chat, reply in sent.sent if chat == "ext-Li Wei"]
    assert "即将退回公海（请尽快联系）：2" in digest.text
    assert any("记录联系" in b.label for b in digest.all_buttons())

    team.engine.clock.now = NIGHT
    await pool_tick(settings, now=NIGHT)
    text = await sam.say("/pool")
    assert "公海中有 2 个客户：" in text and "原负责人 Li Wei" in text
    await sam.say("/pool 星辰")
    assert "星辰贸易 现在归你了。" in await sam.tap("领取")
    assert (await Customer.get(id=acme.id)).owner_id == team.users["Sam"].id
    await sam.say("/pool 华瑞")
    assert "今天你已从公海领取 1 个客户，已达每日上限，请明天再试。" in await sam.tap("领取")
    await li.say("/pool 华瑞")
    assert "华瑞科技 是从你这里退回公海的，" in await li.tap("领取")


async def test_the_cap_holds_for_claims_and_assignments(team: Team) -> None:
    settings = configure(team.engine, pool_max_customers=1, pool_claims_per_day=5)
    await owned(team, "Sam", "Sam Own Co", "")
    await owned(team, "Olga", "Olga Old Co", "C")
    await pool_tick(settings, now=NIGHT)
    pooled = await Customer.get(name="Olga Old Co")
    assert pooled.owner_id is None  # untiered follows the longest days given (90): Sam Own stays
    assert (await Customer.get(name="Sam Own Co")).owner_id == team.users["Sam"].id
    sam = team.chats["Sam"]
    await sam.say("/pool")
    assert "more than 1 customer for one rep, the most allowed" in await sam.tap("Claim")
    with pytest.raises(pool.Refused):
        await pool.assign(
            team.users["Mia"],
            pooled.id,
            team.users["Sam"].id,
            pool.PoolRules.from_settings(settings),
            now=NIGHT,
        )
    # A rep of another team cannot be given it by Mia.
    with pytest.raises(NotFound):
        await pool.assign(
            team.users["Mia"],
            pooled.id,
            team.users["Olga"].id,
            pool.PoolRules.from_settings(settings),
            now=NIGHT,
        )


async def test_a_leavers_customers_may_go_to_the_pool(team: Team) -> None:
    configure(team.engine)
    await owned(team, "Olga", "Leaver Co", "B")
    admin = team.chats["admin"]
    await admin.send(button=pack(Action("person", f"{team.users['Olga'].id}")))
    assert "public pool?" in await admin.tap("Deactivate")
    text = await admin.tap("Send them to the public pool")
    assert "Their customers go to the public pool" in text
    text = await admin.tap("Deactivate Olga")
    assert "Olga is deactivated; 1 customer went to the public pool." in text
    gone = await Customer.get(name="Leaver Co")
    assert gone.owner_id is None and gone.previous_owner_id == team.users["Olga"].id
    assert not (await User.get(id=team.users["Olga"].id)).active
    move = await PoolMove.get(customer_id=gone.id)
    assert (move.kind, move.actor_id) == (PoolMoveKind.RELEASED, team.users["admin"].id)
    # An admin still finds it, and its card says it is in the pool and who had it.
    card = await admin.say("/customer Leaver")
    assert "In the public pool since" in card and "last with Olga" in card
    assert "Give to a rep" in card
    # A new customer with the same name hears it is in the pool, and may claim it.
    li = team.chats["Li Wei"]
    await li.say("/newcustomer Leaver Co")
    text = await li.tap("Skip")
    assert "Leaver Co (in the public pool)" in text
    text = await li.tap("Open Leaver Co")
    assert "in the public pool: claim it" in text
    assert "Leaver Co is yours now." in await li.tap("Claim")
