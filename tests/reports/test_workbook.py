"""The export sheet as its worker process writes it: typed cells, text never a formula, and a
failure that surfaces instead of a half-written file."""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.reports import workbook
from bot.reports.sheet_worker import SheetWorkerError
from bot.services.data.exports import Column, ColumnType

COLUMNS = (
    Column("id", ColumnType.INT),
    Column("name"),
    Column("amount", ColumnType.NUMBER),
    Column("at", ColumnType.DATETIME),
    Column("due", ColumnType.DATE),
)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def wall(*parts: int) -> datetime:
    """A time as a sheet holds it: a wall-clock reading with no zone."""
    return datetime(*parts, tzinfo=UTC).replace(tzinfo=None)


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


async def batches_of(*batches: list[list[Any]]) -> AsyncIterator[list[list[Any]]]:
    for batch in batches:
        yield [list(row) for row in batch]


async def test_cells_are_typed_and_text_stays_text() -> None:
    out = io.BytesIO()
    count = await workbook.write(
        out,
        COLUMNS,
        ["ID", "Name", "Amount", "At", "Due"],
        batches_of(
            [
                [
                    1,
                    '=HYPERLINK("http://x")',
                    Decimal("1234.50"),
                    datetime(2027, 1, 4, 1, 30, tzinfo=UTC),
                    date(2027, 2, 1),
                ]
            ],
            [[2, "", None, None, None], [3, "周记贸易", Decimal("0.10"), None, date(2030, 12, 31)]],
        ),
        tz=SHANGHAI,
        title="Customers",
    )
    assert count == 3
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet.title == "Customers"
    header, first, second, third = sheet.iter_rows()
    assert [c.value for c in header] == ["ID", "Name", "Amount", "At", "Due"]
    assert all(c.font.b for c in header)
    assert first[1].value == '=HYPERLINK("http://x")' and first[1].data_type == "s"
    assert first[2].value == 1234.5 and first[2].number_format == "#,##0.00"
    # Excel has no time zones: the moment as the reader's clock showed it.
    assert first[3].is_date and first[3].value == wall(2027, 1, 4, 9, 30)
    assert first[4].is_date and first[4].value == wall(2027, 2, 1)
    assert [c.value for c in second] == [2, None, None, None, None]
    assert third[1].value == "周记贸易" and third[4].value == wall(2030, 12, 31)


async def test_a_failed_worker_raises_and_leaves_no_process(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "export.xlsx"
    with pytest.raises(SheetWorkerError, match="No such file"):
        await workbook.write(
            target, COLUMNS[:2], ["ID", "Name"], batches_of([[1, "a"]]), tz=SHANGHAI
        )
    assert not target.exists()
    assert not multiprocessing.active_children()


async def test_a_finished_export_replaces_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "export.xlsx"
    target.write_bytes(b"last week's export")
    count = await workbook.write(
        target, COLUMNS[:2], ["ID", "Name"], batches_of([[1, "a"], [2, "b"]]), tz=SHANGHAI
    )
    assert count == 2 and names(tmp_path) == ["export.xlsx"]
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows == [("ID", "Name"), (1, "a"), (2, "b")]


async def test_an_export_that_fails_half_way_stops_its_worker(tmp_path: Path) -> None:
    async def failing() -> AsyncIterator[list[list[Any]]]:
        yield [[1, "a"]]
        raise ConnectionError("the database went away")

    target = tmp_path / "export.xlsx"
    with pytest.raises(ConnectionError):
        await workbook.write(target, COLUMNS[:2], ["ID", "Name"], failing(), tz=SHANGHAI)
    assert not names(tmp_path)  # neither the file nor a part of it
    assert not multiprocessing.active_children()
