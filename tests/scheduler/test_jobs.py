"""Scheduled jobs with an injected clock: each at the person's own local time, once, in order."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.buttons import Action, pack
from bot.config import Settings
from bot.messages import Reply
from bot.models import Customer, DialogState, JobRun, Notification, Role, User, Visit
from bot.scheduler import Dispatcher
from bot.scheduler.jobs import digest_tick, expiry_tick, for_user, reminder_tick, summary_tick
from bot.services.notify import outbox
from tests.conftest import Team
from tests.scheduler.helpers import (
    CHANNEL,
    RecordingSender,
    customer,
    fast_limits,
    followup,
    person,
)
from tests.support import FakeClock

NOV18 = datetime(2026, 11, 18, tzinfo=UTC)


def at(hours: float) -> datetime:
    """A moment on Nov 18, 2026 (UTC)."""
    return NOV18 + timedelta(hours=hours)


async def rep_with_work(name: str, tz: str, locale: str, offset_hours: float) -> User:
    """A rep with one follow-up due today (date-only), one overdue, one customer gone quiet."""
    rep = await person(name, tz=tz, locale=locale)
    recent = at(-24 * 3)
    today = await customer(rep, f"{name} Today Co", last_contact=recent)
    late = await customer(rep, f"{name} Late Co", last_contact=recent)
    await customer(rep, f"{name} Quiet Co", last_contact=at(-24 * 40))
    await customer(rep, f"{name} Fresh Co", last_contact=recent)
    await followup(rep, today, recent, at(9 - offset_hours))  # 09:00 local today
    await followup(rep, late, recent, at(9 - offset_hours - 24))  # yesterday
    return rep


async def drain(sender: RecordingSender, now: datetime) -> int:
    return await Dispatcher({CHANNEL: sender}, limits=fast_limits(), clock=lambda: now).drain()


async def test_digests_fire_at_each_reps_own_0830(db_url: str, settings: Settings) -> None:
    li = await rep_with_work("Li", "Asia/Shanghai", "zh", 8)
    hans = await rep_with_work("Hans", "Europe/Berlin", "en", 1)
    await customer(hans, "Hans Never Co")  # never contacted: shown first among the quiet
    assert (await digest_tick(settings, now=at(0.49))).queued == 0  # 08:29 in Shanghai
    assert (await digest_tick(settings, now=at(0.51))).queued == 1  # 08:30:36 in Shanghai
    assert await Notification.filter(recipient_id=li.id).count() == 1
    assert (await digest_tick(settings, now=at(0.6))).queued == 0
    assert (await digest_tick(settings, now=at(7.49))).queued == 0  # 08:29 in Berlin
    assert (await digest_tick(settings, now=at(7.51))).queued == 1
    assert await Notification.filter(recipient_id=hans.id).count() == 1
    sender = RecordingSender()
    assert await drain(sender, at(7.6)) == 2
    [text] = sender.texts(f"chat-{hans.id}")
    assert "Wed, Nov 18" in text
    assert "Follow-ups: 1 due today, 1 overdue" in text
    assert "Hans Today Co" in text and "Hans Late Co" in text and "Hans Quiet Co" in text
    assert "Not contacted for 30 days or more: 2" in text
    assert text.index("Hans Never Co · never contacted") < text.index("Hans Quiet Co")
    assert "Fresh Co" not in text
    reply = next(r for chat, r in sender.sent if chat == f"chat-{hans.id}")
    quiet = await Customer.get(name="Hans Quiet Co")
    data = [b.data for b in reply.all_buttons()]
    assert (
        pack(Action("visit", f"{quiet.id}")) in data and pack(Action("cust", f"{quiet.id}")) in data
    )
    assert len(data) == 8
    [zh] = sender.texts(f"chat-{li.id}")
    assert "11月18日" in zh and "Li Late Co" in zh


async def test_a_rep_with_nothing_gets_nothing_or_one_line(db_url: str, settings: Settings) -> None:
    idle = await person("Idle")
    assert (await digest_tick(settings, now=at(0.6))).nothing == 1
    assert not await Notification.filter(recipient_id=idle.id).exists()
    assert await JobRun.filter(key=f"digest:{idle.id}:2026-11-18").exists()
    other = await person("Other")
    line = settings.model_copy(update={"digest_when_empty": "line"})
    assert (await digest_tick(line, now=at(0.7))).queued == 1
    sender = RecordingSender()
    await drain(sender, at(0.8))
    assert sender.texts(f"chat-{other.id}") == ["☀️ Good morning! Nothing is due today."]


async def test_restart_mid_run_sends_each_digest_once(db_url: str, settings: Settings) -> None:
    reps = [await rep_with_work(f"R{n}", "Asia/Shanghai", "en", 8) for n in range(4)]
    assert (await digest_tick(settings, now=at(0.51))).queued == 4
    # The first process claims two rows and dies before sending them.
    claimed = await outbox.claim("dead", now=at(0.52), limit=2)
    assert len(claimed) == 2
    # The restarted process ticks again (nothing new) and delivers; the lease frees the rest.
    assert (await digest_tick(settings, now=at(0.53))).queued == 0
    sender = RecordingSender()
    assert await drain(sender, at(0.53)) == 2
    assert await drain(sender, at(0.6)) == 2
    assert await drain(sender, at(0.7)) == 0
    assert sorted(chat for chat, _ in sender.sent) == sorted(f"chat-{r.id}" for r in reps)


async def test_a_missed_run_is_sent_within_grace_else_skipped_and_logged(
    db_url: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    li = await rep_with_work("Li", "Asia/Shanghai", "en", 8)
    hans = await rep_with_work("Hans", "Europe/Berlin", "en", 1)
    caplog.set_level(logging.WARNING)
    # The bot was down from before 08:30 Shanghai until 12:31 there: more than 3 h late.
    result = await digest_tick(settings, now=at(4.52))
    assert (result.queued, result.missed) == (0, 1)
    assert "missed by more than 3.0 h" in caplog.text
    assert not await Notification.filter(recipient_id=li.id).exists()
    assert (await digest_tick(settings, now=at(4.6))).missed == 0  # logged once
    # Berlin's 08:30 passed while down too, but only 2 h ago: sent late.
    assert (await digest_tick(settings, now=at(9.5))).queued == 1
    assert await Notification.filter(recipient_id=hans.id).exists()


async def test_evening_summary_for_a_manager(db_url: str, settings: Settings) -> None:
    mia = await person("Mia", role=Role.MANAGER)
    li = await person("Li", manager=mia)
    sam = await person("Sam", manager=mia)
    await person("Stranger")  # another team
    acme = await customer(li, "Acme", last_contact=at(1))
    for hour in (1, 3):
        await Visit.create(customer_id=acme.id, user_id=li.id, at=at(hour))
    await Visit.create(customer_id=acme.id, user_id=li.id, at=at(-20))  # yesterday
    new = await customer(sam, "New Co")
    await Customer.filter(id=new.id).update(created_at=at(4))
    await followup(sam, new, at(-48), at(2))  # due 10:00 today, still open: missed
    assert (await summary_tick(settings, now=at(10.49))).queued == 0
    assert (await summary_tick(settings, now=at(10.51))).queued == 1
    assert (await summary_tick(settings, now=at(10.6))).queued == 0
    sender = RecordingSender()
    await drain(sender, at(10.6))
    [text] = sender.texts(f"chat-{mia.id}")
    assert "Li: 2 visits · 0 new customers · 0 missed follow-ups" in text
    assert "Sam: 0 visits · 1 new customers · 1 missed follow-ups" in text
    assert "Stranger" not in text
    assert "Team: 2 visits · 1 new customers · 1 missed follow-ups" in text


async def test_reminders_at_the_followup_time_but_not_for_date_only(
    db_url: str, settings: Settings
) -> None:
    li = await person("Li")
    acme = await customer(li, "Acme", last_contact=at(-48))
    await followup(li, acme, at(-48), at(6))  # 14:00 in Shanghai
    other = await customer(li, "Other", last_contact=at(-48))
    await followup(li, other, at(-48), at(1))  # 09:00 in Shanghai: date-only
    assert (await reminder_tick(settings, now=at(5.99))).queued == 0
    assert (await reminder_tick(settings, now=at(6.01))).queued == 1
    assert (await reminder_tick(settings, now=at(6.02))).queued == 0
    sender = RecordingSender()
    await drain(sender, at(6.1))
    [reply] = [r for _, r in sender.sent]
    assert reply.text.startswith("⏰ Follow-up now: Acme (Nov 18, 14:00)")
    assert pack(Action("visit", f"{acme.id}")) in [b.data for b in reply.all_buttons()]


async def test_idle_dialog_expires_by_the_job_and_the_engine_has_nothing_left(
    team: Team, settings: Settings, clock: FakeClock
) -> None:
    chat = team.chats["Li Wei"]
    await chat.say("/newcustomer")
    clock.advance(minutes=31)
    assert (await expiry_tick(settings, now=clock.now)).queued == 1
    assert (await expiry_tick(settings, now=clock.now)).queued == 0
    row = await DialogState.get(external_id=chat.external_id)
    assert row.dialog is None
    sender = RecordingSender()
    await Dispatcher({"console": sender}, limits=fast_limits(), clock=clock).drain()
    [(external_id, reply)] = sender.sent
    assert external_id == chat.external_id
    assert "expired after 30 minutes" in reply.text
    assert "expired" not in await chat.say("/help")


async def test_send_now_counts_as_todays_digest(db_url: str, settings: Settings) -> None:
    li = await rep_with_work("Li", "Asia/Shanghai", "en", 8)
    dry = await for_user("digest", li.id, settings, now=at(0.1), dry_run=True)
    assert not dry.queued and dry.data is not None and dry.data.overdue == 1
    assert not await Notification.exists()
    sent = await for_user("digest", li.id, settings, now=at(0.1), dry_run=False)
    assert sent.queued and sent.key == f"digest:{li.id}:2026-11-18"
    assert (await digest_tick(settings, now=at(0.6))).queued == 0
    again = await for_user("digest", li.id, settings, now=at(0.7), dry_run=False)
    assert again.already and not again.queued
    assert await Notification.filter(recipient_id=li.id).count() == 1
    assert await outbox.notify(li, Reply("other"), "x")  # unrelated messages still queue
