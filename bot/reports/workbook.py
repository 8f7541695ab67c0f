"""Export rows written as one .xlsx sheet, streamed: openpyxl's write-only mode.

A write-only sheet keeps appended rows in a temporary file instead of cell objects, so memory
stays flat however many rows arrive. Appending runs in a worker thread a batch at a time, so
a large export does not hold up the other chats. Dates and times become Excel dates in the
reader's time zone (Excel has no time zones); amounts stay numbers, next to a currency column.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from bot.services.exports import Column, ColumnType

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
AMOUNT_FORMAT = "#,##0.00"


async def write(
    target: Path | io.BytesIO,
    columns: Sequence[Column],
    headers: Sequence[str],
    batches: AsyncIterator[list[list[Any]]],
    *,
    tz: ZoneInfo,
    title: str = "Export",
) -> int:
    """Write a header row and every batch into one sheet; returns the number of data rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    bold = Font(bold=True)
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    async for batch in batches:
        await asyncio.to_thread(_append, sheet, columns, batch, tz)
        count += len(batch)
    await asyncio.to_thread(book.save, target)
    return count


def _append(sheet: Any, columns: Sequence[Column], batch: list[list[Any]], tz: ZoneInfo) -> None:
    kinds = [c.type for c in columns]
    for row in batch:
        sheet.append(
            [_cell(sheet, kind, value, tz) for kind, value in zip(kinds, row, strict=True)]
        )


def _cell(sheet: Any, kind: ColumnType, value: Any, tz: ZoneInfo) -> Any:
    if value is None or value == "":
        return None
    if kind == ColumnType.DATETIME and isinstance(value, datetime):
        local = value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value
        cell = WriteOnlyCell(sheet, local)
        cell.number_format = DATETIME_FORMAT
        return cell
    if kind == ColumnType.DATE and isinstance(value, date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATE_FORMAT
        return cell
    if kind == ColumnType.NUMBER and isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, float(value))
        cell.number_format = AMOUNT_FORMAT
        return cell
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # stored as the text it is: never run as a formula
        return cell
    return value
