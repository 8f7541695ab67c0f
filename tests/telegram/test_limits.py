"""Limits and faults: 429 storms, order per chat, long texts, errors, an unreachable Bot API."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.buttons import Action, pack
from bot.messages import Button, ButtonKind, Reply
from bot.models import Role
from tests.conftest import Team
from tests.telegram.conftest import Telegram, join, texts
from tests.telegram.fake_bot_api import FakeBotApi, Person

TOM = Person(601, "Tom")
ANN = Person(602, "Ann")


async def test_a_429_storm_still_delivers_every_message_in_order(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start()  # with the rate limiter, as in production
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    ann = await join(telegram, ANN, Role.REP, team.users["Mia"].id)
    before = {p: len(p.chat) for p in (tom, ann)}
    api.fail("sendMessage", count=2, retry_after=1)
    ids = [
        api.send(TOM, "/help"),
        api.send(ANN, "/followups"),
        api.send(TOM, "/followups"),
        api.send(TOM, "/cancel"),
        api.send(ANN, "/help"),
    ]
    for update_id in ids:
        await telegram.settle(update_id)
    delivered = sum(len(p.chat) for p in (tom, ann))
    assert len(api.calls_of("sendMessage")) == delivered + 2, "two 429s, each retried"
    tom_new = [m["text"] for m in tom.chat[before[tom] :]]
    ann_new = [m["text"] for m in ann.chat[before[ann] :]]
    assert [t.split("\n")[0][:14] for t in tom_new] == [
        "What I can do:",
        "No follow-ups ",
        "Nothing to can",
    ]
    assert [t.split("\n")[0][:14] for t in ann_new] == ["No follow-ups ", "What I can do:"]


async def test_updates_of_one_chat_are_processed_strictly_in_order(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await telegram.start(rate_limit=False)
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    before = len(tom.chat)
    texts_sent = ["/newcustomer", "Zeta Corp", "/cancel", "/newcustomer Eta", "/cancel"]
    ids = [api.send(TOM, text) for text in texts_sent]
    await telegram.settle(ids[-1])
    firsts = [m["text"].split("\n")[0] for m in tom.chat[before:]]
    assert firsts[0].endswith("What is the company called?")
    assert firsts[1] == "Phone number? (optional)"
    assert firsts[2].startswith("Cancelled.")
    assert firsts[3] == "Phone number? (optional)"
    assert firsts[4].startswith("Cancelled.")


async def test_long_replies_are_split_on_lines_with_buttons_on_the_last_part(
    telegram: Telegram, api: FakeBotApi
) -> None:
    await telegram.start(rate_limit=False)
    assert telegram.channel is not None
    line = "🏢 " + "x" * 97  # 100 characters, 101 UTF-16 units
    text = "\n".join(f"{n:03} {line}" for n in range(120))
    buttons = ((Button("More ›", pack(Action("fu", "8")), ButtonKind.ACTION),),)
    await telegram.channel.sender.send(str(TOM.id), Reply(text, buttons))
    sent = api.bot_messages(TOM.id)
    assert len(sent) == 4
    assert all(len(m["text"].encode("utf-16-le")) // 2 <= 4096 for m in sent)
    assert "\n".join(m["text"] for m in sent) == text, "nothing lost, cut only at line ends"
    assert [("reply_markup" in m) for m in sent] == [False, False, False, True]


async def test_a_handler_error_is_logged_and_answered_with_one_apology(
    telegram: Telegram, api: FakeBotApi, team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    await telegram.start(rate_limit=False)
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)
    api.fail("sendMessage", count=1, status=400)
    with caplog.at_level(logging.ERROR, logger="bot.handlers.telegram"):
        before = len(tom.chat)
        update_id = api.send(TOM, "/help")
        await telegram.settle(update_id)
    assert f"update {update_id} failed" in caplog.text
    assert texts(tom.chat[before:]) == "Sorry, something went wrong on my side. Please try again."
    assert "What I can do:" in await tom.say("/help"), "and it keeps serving"


async def test_an_unreachable_bot_api_at_start_and_while_polling_is_waited_out(
    telegram: Telegram, api: FakeBotApi, team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail("*", count=3, status=502)
    with caplog.at_level(logging.WARNING, logger="bot.handlers.telegram"):
        await telegram.start(rate_limit=False)
    assert caplog.text.count("Telegram Bot API unreachable") == 3
    tom = await join(telegram, TOM, Role.REP, team.users["Mia"].id)

    port = api.port
    await api.stop()  # the Bot API goes away for a while…
    await asyncio.sleep(0.3)
    await api.start(port)  # …and comes back; polling backs off and recovers by itself
    assert "What I can do:" in await tom.say("/help")
    assert "polling Telegram failed" in caplog.text


async def test_files_go_out_as_documents_or_photos_and_come_back_by_file_id(
    telegram: Telegram, api: FakeBotApi
) -> None:
    from bot.messages import OutFile

    await telegram.start(rate_limit=False)
    assert telegram.channel is not None
    report = OutFile("report.csv", b"a,b\n1,2\n", "text/csv")
    chart = OutFile("chart.png", b"\x89PNG fake", "image/png")
    buttons = ((Button("Open", pack(Action("cust", "1")), ButtonKind.ACTION),),)
    for reply in (Reply("Your report", buttons, report), Reply("", (), chart)):
        await telegram.channel.sender.send(str(TOM.id), reply)
    assert [c.method for c in api.calls if c.method.startswith("send")] == [
        "sendDocument",
        "sendPhoto",
    ]
    document = api.bot_messages(TOM.id)[0]
    assert document["caption"] == "Your report" and "reply_markup" in document
    assert await telegram.channel.download(document["document"]["file_id"]) == b"a,b\n1,2\n"
    assert api.calls_of("getFile") and api.calls_of("download")
