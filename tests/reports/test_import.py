"""Customer import in the chat: a GBK CSV with Chinese headers, previewed, then imported or not."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from bot.messages import InFile
from bot.models import Customer
from tests.conftest import Team
from tests.reports.helpers import seed

ROWS = [
    "名称,电话,地址,行业,等级,负责人,备注",
    "上海星辰贸易,,,,,,",  # 2: written differently, already a customer
    "ACME TRADING COMPANY LTD.,,,,,,",  # 3: the same
    "深圳鼎盛电子有限公司,138 1234 5678,深圳南山,电子,A,Sam,重要客户",  # 4: new, Sam's
    "深圳鼎盛电子,,,,,,",  # 5: repeats row 4
    "杭州海纳纺织,13912345678,,纺织,b级,王五,",  # 6: new, unknown owner: the importer
    ",13700000000,,,,,",  # 7: no name
    "苏州永盛机械,12345,,,,,",  # 8: bad phone
    "宁波天成化工,,,,D,,",  # 9: bad tier
    ",,,,,,",  # 10: empty
    "广州嘉禾食品,+86 138-1234-5678,,,,,",  # 11: row 4's phone
    "成都金桥包装,,,,C,Olga,",  # 12: new; Olga is not in Mia's team: the importer
]


def gbk_csv(rows: list[str] = ROWS) -> bytes:
    return ("\r\n".join(rows) + "\r\n").encode("gbk")


@pytest.fixture
async def company(team: Team) -> Team:
    await seed(team)
    return team


async def send_file(team: Team, who: str, name: str, data: bytes) -> str:
    document = InFile(ref=f"console:{name}", name=name, data=data, size=len(data))
    return await team.chats[who].send(document=document)


async def test_gbk_csv_preview_cancel_then_import(company: Team) -> None:
    before = await Customer.all().count()
    preview = await send_file(company, "Mia", "客户.csv", gbk_csv())
    assert "new customers: 3" in preview
    assert "already customers (duplicates): 2" in preview
    assert "repeats within the file: 2" in preview
    assert "invalid rows: 3" in preview
    assert "row 7: no name" in preview and "row 8: phone number not valid" in preview
    assert "row 9: tier must be A, B or C" in preview
    assert "row 6: no colleague «王五» found, the customer goes to you" in preview
    assert "row 12: no colleague «Olga» found" in preview
    assert await Customer.all().count() == before

    assert "Nothing was saved" in await company.chats["Mia"].tap("Cancel")
    assert await Customer.all().count() == before

    await send_file(company, "Mia", "客户.csv", gbk_csv())
    reply = await company.chats["Mia"].tap("Import")
    assert "3 customers created." in reply
    assert await Customer.all().count() == before + 3
    made = {c.name: c for c in await Customer.filter(id__gt=before).prefetch_related("owner")}
    assert set(made) == {"深圳鼎盛电子有限公司", "杭州海纳纺织", "成都金桥包装"}
    assert made["深圳鼎盛电子有限公司"].owner.name == "Sam"
    assert made["深圳鼎盛电子有限公司"].phone == "+8613812345678"
    assert made["深圳鼎盛电子有限公司"].notes == "重要客户"
    assert made["杭州海纳纺织"].owner.name == "Mia" and made["杭州海纳纺织"].tier == "B"
    assert made["成都金桥包装"].owner.name == "Mia"

    [answer] = company.chats["Mia"].replies
    assert answer.file is not None and answer.file.name == "客户-import.xlsx"
    sheet = load_workbook(io.BytesIO(answer.file.content)).worksheets[0]
    status = {row[0].row: row[-1].value for row in sheet.iter_rows()}
    assert status[1] == "Import status"
    assert status[2] == "duplicate of «上海星辰贸易有限公司»"
    assert status[3] == "duplicate of «Acme Trading Co.»"
    assert status[4] == "created"
    assert status[6] == "created; no colleague «王五» found, so it went to Mia"
    assert status[12] == "created; no colleague «Olga» found, so it went to Mia"
    assert status[5] == "repeat of row 4" and status[11] == "repeat of row 4"
    assert status[7] == "invalid: no name" and status[9] == "invalid: tier must be A, B or C"

    again = await send_file(company, "Mia", "客户.csv", gbk_csv())
    assert "new customers: 0" in again and "Nothing new to import." in again


async def test_xlsx_in_english_after_the_import_command(company: Team) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Phone", "Owner"])
    sheet.append(["Pioneer Motors Inc.", 13812340000, "Olga"])
    sheet.append(["globex foods", None, None])
    out = io.BytesIO()
    book.save(out)
    chat = company.chats["admin"]
    assert "Send me the customer list" in await chat.say("/import")
    reply = await send_file(company, "admin", "list.xlsx", out.getvalue())
    assert "new customers: 1" in reply and "already customers (duplicates): 1" in reply
    assert "1 customer created." in await chat.tap("Import")
    pioneer = await Customer.get(name="Pioneer Motors Inc.").prefetch_related("owner")
    assert pioneer.owner.name == "Olga" and pioneer.phone == "+8613812340000"


async def test_files_that_cannot_be_imported_get_one_clear_line(company: Team) -> None:
    before = await Customer.all().count()
    for name, data in (
        ("scan.pdf", None),
        ("broken.xlsx", b"%PDF-1.4 not a workbook"),
        ("binary.csv", b"\x00\x01\x02\x03"),
    ):
        document = InFile(ref=name, name=name, data=data)
        reply = await company.chats["Mia"].send(document=document)
        assert (
            reply == "That file is not a spreadsheet I can read. Please send an .xlsx or .csv file."
        )
    no_header = "\r\n".join(["a,b", "1,2"]).encode()
    reply = await send_file(company, "Mia", "x.csv", no_header)
    assert reply.startswith("I cannot find the customer name column.")
    assert "Only admins and managers" in await send_file(company, "Li Wei", "c.csv", gbk_csv())
    assert await Customer.all().count() == before


async def test_a_bad_file_inside_the_dialog_asks_again(company: Team) -> None:
    chat = company.chats["Otto"]
    await chat.say("/import")
    reply = await chat.send(document=InFile(ref="p", name="photo.jpg"))
    assert reply.startswith("That file is not a spreadsheet I can read.")
    assert "Send me the customer list" in reply
    utf8 = ("\ufeff" + "\r\n".join(["客户名称,手机", "青岛瑞丰科技,13512345678"])).encode()
    assert "new customers: 1" in await send_file(company, "Otto", "c.csv", utf8)


async def test_import_checks_again_when_customers_changed_after_the_preview(
    company: Team,
) -> None:
    from bot.services.records import customers

    await send_file(company, "Mia", "客户.csv", gbk_csv())
    sam = company.users["Sam"]
    await customers.create_customer(sam, customers.CustomerDraft(name="杭州海纳纺织有限公司"))
    reply = await company.chats["Mia"].tap("Import")
    assert "2 customers created." in reply
    assert await Customer.filter(name="杭州海纳纺织").count() == 0


async def test_the_status_file_in_chinese_says_where_an_unknown_owners_row_went(
    company: Team,
) -> None:
    chat = company.chats["Mia"]
    await chat.say("/lang zh")
    preview = await send_file(company, "Mia", "客户.csv", gbk_csv())
    assert "第 6 行：找不到同事“王五”，客户归你" in preview
    await chat.tap("导入")
    [answer] = chat.replies
    assert answer.file is not None
    sheet = load_workbook(io.BytesIO(answer.file.content)).worksheets[0]
    status = {row[0].row: row[-1].value for row in sheet.iter_rows()}
    assert status[4] == "已创建"
    assert status[6] == "已创建；找不到同事“王五”，已归入Mia名下"
    assert status[7] == "无效：没有名称"
