"""Each step of the engine's pipeline alone: bind words, strangers, hearing, expiry, notices."""

from __future__ import annotations

from datetime import timedelta

from bot.config import Settings
from bot.dialogs import build_registry, notices, onboarding
from bot.dialogs.base import Ctx
from bot.dialogs.engine import expire_idle
from bot.dialogs.hearing import Hearing
from bot.dialogs.storage import Conversation
from bot.i18n import Translator
from bot.messages import Audio, Incoming, Reply
from bot.models import Role, User
from bot.services.people import users
from bot.services.records.customers import DuplicateFinder
from tests.conftest import START, Team
from tests.support import FakeClock


class Heard:
    """A speech backend at the edge: hears the same words, counts the notes it was given."""

    def __init__(self, words: str) -> None:
        self.words = words
        self.notes = 0

    async def transcribe(self, data: bytes, mime: str, hints: object) -> str:
        self.notes += 1
        return self.words


def test_bind_words_mean_start_on_wechat_only() -> None:
    wechat = onboarding.rewrite_bind(Incoming("wecom", "w1", text=" 绑定：AB12cd34 "))
    assert wechat.text == "/start AB12cd34"
    telegram = Incoming("telegram", "1", text="绑定 AB12cd34")
    assert onboarding.rewrite_bind(telegram) is telegram
    assert onboarding.split_command("/visit@crm_bot Acme Co") == ("visit", "Acme Co")
    assert onboarding.split_command("visit") == ("", "")


def test_wechat_people_start_in_chinese(settings: Settings) -> None:
    assert onboarding.defaults_for(settings, "wecom").locale == "zh"
    assert onboarding.defaults_for(settings, "telegram").locale == settings.locale


async def test_a_stranger_gets_one_line_and_an_invite_makes_a_user(settings: Settings) -> None:
    registry, finder = build_registry(), DuplicateFinder()
    polite = await onboarding.stranger(
        Incoming("telegram", "77", text="hello"), START, settings, registry, finder
    )
    assert [r.text for r in polite] == [
        "Hello! This is a private sales bot. Please ask your admin for an invite."
    ]
    invite = await users.create_invite(None, Role.REP, name="Nina", now=START)
    welcome = await onboarding.stranger(
        Incoming("telegram", "77", text=f"/start {invite.code}"), START, settings, registry, finder
    )
    assert welcome[0].text == "Welcome, Nina! You are in." and "/visit" in welcome[1].text
    assert (await users.identify("telegram", "77")) is not None


async def test_hearing_transcribes_only_what_needs_it(team: Team, clock: FakeClock) -> None:
    backend = Heard("  call   Acme tomorrow ")
    hearing = Hearing(team.engine.settings, backend, clock)
    chat = team.chats["Li Wei"].external_id
    note = Audio(ref="v1", mime="audio/ogg", duration=4.0, data=b"OggS")
    assert await hearing.heard(Incoming("console", chat, audio=note)) == "call Acme tomorrow"
    heard_by_wechat = Audio(ref="v2", recognition="已识别")
    assert await hearing.heard(Incoming("console", chat, audio=heard_by_wechat)) is None
    assert await hearing.heard(Incoming("console", "stranger", audio=note)) is None
    assert backend.notes == 1, "neither the platform's transcript nor a stranger's note is heard"
    too_long = Audio(ref="v3", duration=600.0, data=b"OggS")
    assert not hearing.wants_audio_bytes(too_long)
    refused = await hearing.heard(Incoming("console", chat, audio=too_long))
    assert isinstance(refused, Reply) and "longer than 120 seconds" in refused.text
    deaf = Hearing(team.engine.settings, None, clock)
    refused = await deaf.heard(Incoming("console", chat, audio=note))
    assert isinstance(refused, Reply) and "cannot transcribe" in refused.text


async def test_an_idle_dialog_expires_with_its_notice(team: Team, clock: FakeClock) -> None:
    li = await User.get(name="Li Wei")
    t = Translator.for_user("en", "Asia/Shanghai", now=clock.now)
    ctx = Ctx(
        li,
        t,
        clock.now,
        team.engine.settings,
        team.engine.finder,
        Incoming("console", "x"),
        team.engine.registry,
    )
    registry = team.engine.registry
    fresh = Conversation(dialog="visit", step="visit:notes", token="t", expires_at=clock.now)
    fresh.expires_at = clock.now + timedelta(minutes=1)
    assert expire_idle(ctx, fresh, registry) == [] and fresh.dialog == "visit"
    idle = Conversation(
        dialog="visit",
        step="visit:notes",
        token="t",
        data={notices.TITLE: "Log a visit"},
        buttons=[["Now", "data"]],
        expires_at=clock.now - timedelta(seconds=1),
    )
    (notice,) = expire_idle(ctx, idle, registry)
    assert notice.text == (
        "Your unfinished “Log a visit” expired after 30 minutes without an answer; "
        "nothing was saved."
    )
    assert idle.dialog is None and idle.buttons == []


def test_notices_read_the_title_in_the_readers_language() -> None:
    zh = Translator.for_user("zh", "Asia/Shanghai", now=START)
    assert "Log a visit" not in notices.expired(zh, "Log a visit", 30)
    assert notices.dropped(Translator.for_user("en", "UTC"), "") == (
        "(Your unfinished “” was dropped; nothing was saved.)"
    )
