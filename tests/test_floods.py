"""A stranger who floods the bot is told how to get in once per chat per ten minutes, by the
database, so two instances sharing the work still say it once; members are all answered."""

from __future__ import annotations

from bot.app import build_engine
from bot.config import Settings
from bot.models import Role, StrangerNotice
from bot.services.people import users
from tests.conftest import Team
from tests.support import Chat, FakeClock

HELLO = "Hello! This is a private sales bot. Please ask your admin for an invite."
BAD_CODE = "That invite code is not valid or has expired."


async def test_a_flood_across_two_instances_gets_one_line_per_ten_minutes(
    settings: Settings, clock: FakeClock, team: Team
) -> None:
    first, second = build_engine(settings, clock=clock), build_engine(settings, clock=clock)
    chats = [Chat(first, "intruder"), Chat(second, "intruder")]
    answers = [await chats[n % 2].say(f"message {n}") for n in range(300)]
    assert [a for a in answers if a] == [HELLO], "one line, whichever instance took which"
    assert BAD_CODE in await chats[0].say("/start NOTACODE"), "a wrong code is told once"
    assert await chats[1].say("/start NOTACODE") == ""
    clock.advance(minutes=9, seconds=59)
    assert await chats[1].say("still there?") == ""
    clock.advance(seconds=1)
    assert await chats[1].say("still there?") == HELLO
    other = Chat(second, "someone else")
    assert await other.say("hi") == HELLO, "each chat has its own budget"
    assert await StrangerNotice.all().count() == 3, "a row a chat and line, not a message"

    invite = await users.create_invite(None, Role.REP, name="Nina", now=clock())
    assert "Welcome, Nina!" in await chats[1].say(f"/start {invite.code}"), "never silenced"
    assert "Nothing to cancel" in await chats[0].say("/cancel"), "now a member: every message"


async def test_a_wrong_code_after_the_quiet_time_is_told_so(
    settings: Settings, clock: FakeClock, team: Team
) -> None:
    chat = Chat(team.engine, "guesser")
    assert BAD_CODE in await chat.say("/start NOTACODE")
    assert await chat.say("/start STILLNOT") == ""
    clock.advance(minutes=10)
    assert BAD_CODE in await chat.say("/start STILLNOT")
