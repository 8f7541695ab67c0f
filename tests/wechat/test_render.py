"""Numbered options and size limits, the way a WeChat user reads them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.buttons import Action, Choice, Move, Nav, pack
from bot.handlers.console import render as console_render
from bot.handlers.wechat.render import MAX_BYTES, render, split
from bot.messages import Button, ButtonKind, Reply


def question() -> Reply:
    return Reply(
        "保存吗？",
        (
            (
                Button("确认", pack(Choice("ab12", "yes"))),
                Button("修改", pack(Choice("ab12", "edit"))),
            ),
            (Button("取消", pack(Choice("ab12", "no"))),),
            (Button("‹ 返回", pack(Nav("ab12", Move.BACK)), ButtonKind.NAV),),
        ),
    )


def test_choices_become_one_numbered_line_in_the_persons_words() -> None:
    [text] = render([Reply("你好"), question()], lambda options: f"回复 {options}")
    assert text == "你好\n\n保存吗？\n回复 1 确认 · 2 修改 · 3 取消\n（返回）"


def test_only_the_last_question_is_numbered_and_pushes_drop_buttons() -> None:
    earlier = Reply("旧问题", ((Button("甲", pack(Action("x", "1"))),),))
    [text] = render([earlier, question()], lambda options: f"Reply {options}")
    assert "旧问题" in text and "甲" not in text and "Reply 1 确认" in text
    assert render([question()], None) == ["保存吗？\n（返回）"]


def test_console_and_wechat_number_the_same_buttons() -> None:
    replies = [Reply("a", ((Button("x", "a:1"),),)), question()]
    assert "1) 确认   2) 修改" in console_render(replies) and "[x]" in console_render(replies)


@given(st.lists(st.text(min_size=0, max_size=900), min_size=1, max_size=12))
def test_split_keeps_every_line_within_the_limit(lines: list[str]) -> None:
    text = "\n".join(lines)
    parts = split(text)
    assert all(0 < len(part.encode("utf-8")) <= MAX_BYTES for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_a_huge_line_is_cut_between_characters() -> None:
    parts = split("网" * 2000)
    assert [len(p.encode()) for p in parts] == [2046, 2046, 1908]
