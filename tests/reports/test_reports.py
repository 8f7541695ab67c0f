"""/report and /export as people use them on the console: files whose scope follows the role."""

from __future__ import annotations

import asyncio
import io
import multiprocessing
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.conftest import Team
from tests.reports.helpers import png_size, seed


@pytest.fixture
async def company(team: Team) -> Team:
    await seed(team)
    return team


async def chart(team: Team, who: str, label: str) -> tuple[bytes, str]:
    chat = team.chats[who]
    reply = await chat.say("/report")
    assert "Which report?" in reply
    await chat.tap(label)
    [answer] = chat.replies
    assert answer.file is not None and answer.file.mime == "image/png"
    width, height = png_size(answer.file.content)
    assert width >= 800 and 400 <= height <= 1200
    assert 10_000 < len(answer.file.content) < 600_000
    return answer.file.content, answer.text


async def test_funnel_follows_the_role(company: Team) -> None:
    _, rep = await chart(company, "Li Wei", "Funnel")
    assert rep == "1 open deal, CN¥100,000 in total"
    _, manager = await chart(company, "Mia", "Funnel")
    assert manager == "3 open deals, CN¥200,000 in total"
    _, admin = await chart(company, "admin", "Funnel")
    assert admin == "4 open deals, CN¥1,100,000 in total"


async def test_visits_aging_and_pipeline_follow_the_role(company: Team) -> None:
    assert (await chart(company, "Sam", "Visits"))[1].startswith("2 visits logged")
    assert (await chart(company, "Mia", "Visits"))[1].startswith("5 visits logged")
    assert (await chart(company, "Otto", "Visits"))[1].startswith("4 visits logged")
    _, aging = await chart(company, "Mia", "aging")
    assert aging == "Open receivables CN¥12,000, of which overdue CN¥12,000"
    _, aging = await chart(company, "admin", "aging")
    assert aging.startswith("Open receivables CN¥23,000")
    _, pipeline = await chart(company, "Olga", "Pipeline")
    assert pipeline.startswith("Open pipeline CN¥900,000")


async def test_chinese_chart_and_typed_report_name(company: Team) -> None:
    chat = company.chats["Li Wei"]
    await chat.say("/lang zh")
    await chat.say("/report funnel")
    [answer] = chat.replies
    assert answer.file is not None and png_size(answer.file.content)[0] >= 800
    assert "1" in answer.text and answer.text != "1 open deal, CN¥100,000 in total"


def sheet_rows(content: bytes) -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(content))
    assert len(book.worksheets) == 1
    return list(book.worksheets[0].iter_rows(values_only=True))


async def export(team: Team, who: str, label: str) -> list[tuple[object, ...]]:
    chat = team.chats[who]
    assert "Export which list" in await chat.say("/export")
    await chat.tap(label)
    [answer] = chat.replies
    assert answer.file is not None and answer.file.name.endswith(".xlsx")
    return sheet_rows(answer.file.content)


async def test_exports_hold_exactly_what_the_user_may_see(company: Team) -> None:
    rows = await export(company, "Li Wei", "Customers")
    header, data = rows[0], rows[1:]
    assert header[:3] == ("ID", "Name", "Phone") and "Owner" in header
    assert sorted(r[1] for r in data) == ["Acme Trading Co.", "上海星辰贸易有限公司"]
    owner = header.index("Owner")
    assert {r[owner] for r in data} == {"Li Wei"}
    assert isinstance(data[0][header.index("Created")], datetime)

    rows = await export(company, "Mia", "Customers")
    assert len(rows) - 1 == 3
    rows = await export(company, "admin", "Customers")
    assert len(rows) - 1 == 4

    deals_rows = await export(company, "Mia", "Deals")
    header = deals_rows[0]
    amounts = sorted(r[header.index("Amount")] for r in deals_rows[1:])
    assert amounts == [40_000, 60_000, 100_000]
    assert {r[header.index("Currency")] for r in deals_rows[1:]} == {"CNY"}

    visit_rows = await export(company, "Otto", "Visits")
    assert len(visit_rows) - 1 == 4
    invoices = await export(company, "Sam", "Receivables")
    header = invoices[0]
    assert len(invoices) == 2 and invoices[1][header.index("Open")] == 7_000
    assert invoices[1][header.index("Due")].date().isoformat() == "2026-10-01"


async def test_an_export_leaves_the_other_chats_free(company: Team) -> None:
    """The file is written after the chat's turn: on SQLite a turn holds the only connection,
    so an export inside it would keep everybody else waiting until it was done."""
    admin = company.chats["admin"]
    assert "Export which list" in await admin.say("/export")
    exporting = asyncio.create_task(admin.tap("Visits"))
    for _ in range(1000):  # until the sheet's worker is starting
        if multiprocessing.active_children():
            break
        await asyncio.sleep(0.005)
    assert "/visit" in await company.chats["Mia"].say("/help")
    assert not exporting.done()
    await exporting
    [answer] = admin.replies
    assert answer.file is not None and answer.text == "9 rows"


async def test_a_chinese_export_speaks_chinese_with_a_frozen_header(company: Team) -> None:
    from bot.models import Customer

    await Customer.filter(name="Acme Trading Co.").update(credit_limit=50_000)
    chat = company.chats["Li Wei"]
    await chat.say("/lang zh")
    await chat.say("/export customers")
    [answer] = chat.replies
    assert answer.file is not None
    sheet = load_workbook(io.BytesIO(answer.file.content)).worksheets[0]
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    limits = {r[header.index("名称")]: r[header.index("信用额度")] for r in rows[1:]}
    assert limits == {"Acme Trading Co.": 50_000, "上海星辰贸易有限公司": None}
    assert {r[header.index("状态")] for r in rows[1:]} == {"活跃"}
    assert sheet.column_dimensions["B"].width >= 30  # the name
    assert sheet.column_dimensions["M"].width >= 40  # the notes

    for label, column, expected in (
        ("visits", "类型", {"拜访"}),
        ("deals", "阶段", {"方案报价"}),
        ("receivables", "状态", {"未付"}),
    ):
        await chat.say(f"/export {label}")
        [answer] = chat.replies
        assert answer.file is not None
        rows = sheet_rows(answer.file.content)
        assert {r[rows[0].index(column)] for r in rows[1:]} == expected, label
