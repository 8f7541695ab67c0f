"""Reports, exports and a customer import on Telegram: sendPhoto, sendDocument, getFile."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.models import Customer, Role
from tests.conftest import Team
from tests.reports.helpers import png_size, seed
from tests.reports.test_import import gbk_csv
from tests.telegram.conftest import Telegram, join
from tests.telegram.fake_bot_api import FakeBotApi, Person

ANN = Person(601, "Ann")


def document(api: FakeBotApi, name: str, content: bytes, mime: str) -> dict[str, object]:
    file_id = api.add_file(content, f"documents/{name}")
    return {
        "file_id": file_id,
        "file_unique_id": file_id,
        "file_name": name,
        "mime_type": mime,
        "file_size": len(content),
    }


async def test_report_export_and_import_on_telegram(
    telegram: Telegram, api: FakeBotApi, team: Team
) -> None:
    await seed(team)
    await telegram.start(rate_limit=False)
    ann = await join(telegram, ANN, Role.ADMIN, None)

    assert "Which report?" in await ann.say("/report")
    caption = await ann.tap("Funnel")
    assert caption == "4 open deals, CN¥1,100,000 in total"
    photo = ann.last["photo"][-1]
    assert api.calls_of("sendPhoto")
    width, _ = png_size(api.files[photo["file_id"]][1])
    assert width >= 800

    assert "Export which list" in await ann.say("/export")
    assert await ann.tap("Customers") == "4 rows"
    sent = ann.last["document"]
    assert sent["file_name"].startswith("customers-") and sent["file_name"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(api.files[sent["file_id"]][1])).worksheets[0]
    assert sheet.max_row == 5

    before = await Customer.all().count()
    content = gbk_csv()
    preview = await ann.share(document=document(api, "客户.csv", content, "text/csv"))
    assert "new customers: 3" in preview and "invalid rows: 3" in preview
    assert await Customer.all().count() == before
    assert "3 customers created." in await ann.tap("Import")
    assert await Customer.all().count() == before + 3
    assert ann.last["document"]["file_name"] == "客户-import.xlsx"

    downloads = len(api.calls_of("getFile"))
    pdf = document(api, "scan.pdf", b"%PDF-1.4", "application/pdf")
    reply = await ann.share(document=pdf)
    assert reply == "That file is not a spreadsheet I can read. Please send an .xlsx or .csv file."
    assert len(api.calls_of("getFile")) == downloads  # answered without downloading it
