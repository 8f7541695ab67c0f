"""The adapter's parts on their own: rendering, ordering per chat, pacing per chat, parsing."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram import Bot, Update

from bot.buttons import Action, Choice, Move, Nav, pack
from bot.handlers.telegram import parse, render
from bot.handlers.telegram.channel import file_base_url
from bot.handlers.telegram.ratelimit import ChatRateLimiter
from bot.handlers.telegram.updates import ChatOrderedProcessor
from bot.handlers.telegram.webhook import webhook_path
from bot.messages import Button, ButtonKind, Reply
from tests.telegram.fake_bot_api import TOKEN, Person


def test_split_text_cuts_at_line_ends_counting_utf16_units() -> None:
    assert render.split_text("a\nb\nc", limit=3) == ["a\nb", "c"]
    assert render.split_text("😀😀😀", limit=4) == ["😀😀", "😀"], "an emoji is two units"
    assert render.split_text("x" * 7, limit=3) == ["xxx", "xxx", "x"], "a giant line is cut"
    assert render.split_text("") == []
    assert render.units("汉字😀") == 4


def test_every_button_kind_is_rendered_and_choices_edit_their_question() -> None:
    reply = Reply(
        "Which one?",
        (
            (Button("A", pack(Choice("abc", "a"))), Button("B", pack(Choice("abc", "b")))),
            (Button("Open", pack(Action("cust", "1")), ButtonKind.ACTION),),
            (Button("‹ Back", pack(Nav("abc", Move.BACK)), ButtonKind.NAV),),
        ),
    )
    (out,) = render.plan(reply)
    assert out.markup is not None
    rows = [[(b.text, b.callback_data) for b in row] for row in out.markup.inline_keyboard]
    assert rows == [
        [("A", pack(Choice("abc", "a"))), ("B", pack(Choice("abc", "b")))],
        [("Open", pack(Action("cust", "1")))],
        [("‹ Back", pack(Nav("abc", Move.BACK)))],
    ]
    assert render.with_choice("Which one?", "A") == "Which one?\n\n→ A"
    assert render.units(render.with_choice("y" * 5000, "A")) == render.TEXT_LIMIT
    assert render.is_choice(pack(Choice("abc", "a"))) and render.is_choice(
        pack(Nav("abc", Move.BACK))
    )
    assert not render.is_choice(pack(Action("cust", "1"))) and not render.is_choice(None)


def test_urls_for_files_and_the_webhook_route() -> None:
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://10.0.0.2:8081/bot") == "http://10.0.0.2:8081/file/bot"
    assert file_base_url("http://local:8081/custom/") == "http://local:8081/file/bot"
    assert webhook_path("https://crm.example.com/tg/hook/") == "/tg/hook"
    assert webhook_path("https://crm.example.com") == "/telegram"


def _message_update(update_id: int, person: Person, text: str, chat: dict[str, Any]) -> Update:
    bot = Bot(TOKEN)
    data = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": chat,
            "from": person.as_user(),
            "text": text,
        },
    }
    return Update.de_json(data, bot)


async def test_one_chat_in_order_and_a_slow_chat_blocks_only_itself() -> None:
    processor = ChatOrderedProcessor(max_concurrent_chats=8)
    slow, fast = Person(1, "Slow"), Person(2, "Fast")
    gate = asyncio.Event()
    done: list[str] = []

    async def work(name: str, wait: bool = False) -> None:
        if wait:
            await gate.wait()
        await asyncio.sleep(0)
        done.append(name)

    def update(n: int, who: Person) -> Update:
        return _message_update(n, who, "x", who.private_chat())

    tasks = [
        asyncio.create_task(processor.process_update(update(1, slow), work("slow-1", wait=True))),
        asyncio.create_task(processor.process_update(update(2, slow), work("slow-2"))),
        asyncio.create_task(processor.process_update(update(3, fast), work("fast-1"))),
        asyncio.create_task(processor.process_update(update(4, slow), work("slow-3"))),
        asyncio.create_task(processor.process_update(update(5, fast), work("fast-2"))),
    ]
    for _ in range(20):
        await asyncio.sleep(0)
    assert done == ["fast-1", "fast-2"], "the other chat went on"
    gate.set()
    await asyncio.gather(*tasks)
    assert done == ["fast-1", "fast-2", "slow-1", "slow-2", "slow-3"]


async def test_private_chats_get_a_burst_then_about_one_message_a_second() -> None:
    limiter = ChatRateLimiter(chat_burst=2)
    sent: list[tuple[int, float]] = []

    async def call(chat_id: int) -> bool:
        sent.append((chat_id, time.monotonic()))
        return True

    start = time.monotonic()
    await asyncio.gather(
        *(
            limiter.process_request(call, (1,), {}, "sendMessage", {"chat_id": 1}, None)
            for _ in range(3)
        ),
        limiter.process_request(call, (2,), {}, "sendMessage", {"chat_id": 2}, None),
        limiter.process_request(call, (-5,), {}, "sendMessage", {"chat_id": -5}, None),
    )
    waits = sorted(round(at - start, 1) for chat, at in sent if chat == 1)
    assert waits[:2] == [0.0, 0.0] and waits[2] >= 0.9
    assert all(at - start < 0.5 for chat, at in sent if chat != 1), "other chats not held up"


def test_parsing_what_people_send() -> None:
    group = {"id": -7, "type": "group", "title": "Team"}
    tom = Person(5, "Tom", "Berg", language_code="zh-hans")
    command = _message_update(1, tom, "/help@crm_test_bot", group)
    incoming = parse.incoming(_message_update(2, tom, "hi", tom.private_chat()))
    assert incoming is not None
    assert (incoming.channel, incoming.external_id, incoming.text) == ("telegram", "5", "hi")
    assert incoming.display_name == "Tom Berg"
    assert parse.addressed_to_bot(command.message, "crm_test_bot")
    assert not parse.addressed_to_bot(
        _message_update(3, tom, "/x@other", group).message, "crm_test_bot"
    )
    assert not parse.addressed_to_bot(
        _message_update(4, tom, "hello", group).message, "crm_test_bot"
    )
    assert not parse.is_private(command)
    assert parse.translator(command).language == "zh"
