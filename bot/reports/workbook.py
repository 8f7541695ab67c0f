"""Export rows written as one .xlsx sheet, streamed: openpyxl's write-only mode.

A write-only sheet keeps appended rows in a temporary file instead of cell objects, so memory
stays flat however many rows arrive. Appending runs in a worker thread a batch at a time, so
a large export does not hold up the other chats. Dates and times become Excel dates in the
reader's time zone (Excel has no time zones); amounts stay numbers, next to a currency column.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from bot.i18n import N_, Translator
from bot.models import User
from bot.services import exports
from bot.services.exports import Column, ColumnType, ExportKind

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
    # The next batch is fetched while the worker thread appends this one.
    ahead = asyncio.ensure_future(anext(batches, None))
    try:
        while (batch := await ahead) is not None:
            ahead = asyncio.ensure_future(anext(batches, None))
            await asyncio.to_thread(_append, sheet, columns, batch, tz)
            count += len(batch)
    finally:
        if not ahead.done():
            ahead.cancel()
    await asyncio.to_thread(book.save, target)
    return count


def _append(sheet: Any, columns: Sequence[Column], batch: list[list[Any]], tz: ZoneInfo) -> None:
    """Append a batch; each column's values go through that column's one converter."""
    convert = [_converter(sheet, column.type, tz) for column in columns]
    append = sheet.append
    for row in batch:
        append([f(value) for f, value in zip(convert, row, strict=True)])


def _converter(sheet: Any, kind: ColumnType, tz: ZoneInfo) -> Callable[[Any], Any]:
    """How one column's values become cells: typed, formatted, and text never a formula.

    A formatted column reuses one cell object: a write-only sheet writes each appended row at
    once, so the cell is free again for the next row (and no style is looked up per value).
    """

    def reused(number_format: str) -> Any:
        cell = WriteOnlyCell(sheet)
        cell.number_format = number_format
        return cell

    moment, day_cell, number = reused(DATETIME_FORMAT), reused(DATE_FORMAT), reused(AMOUNT_FORMAT)

    def when(value: Any) -> Any:
        if value is None:
            return None
        moment.value = value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value
        return moment

    def day(value: Any) -> Any:
        if value is None:
            return None
        day_cell.value = value
        return day_cell

    def amount(value: Any) -> Any:
        if value is None:
            return None
        number.value = float(value)
        return number

    def text(value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, str) and value[0] == "=":
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"  # stored as the text it is: never run as a formula
            return cell
        return value

    converters: dict[ColumnType, Callable[[Any], Any]] = {
        ColumnType.DATETIME: when,
        ColumnType.DATE: day,
        ColumnType.NUMBER: amount,
    }
    return converters.get(kind, text)


HEADERS = {
    "id": N_("ID"),
    "name": N_("Name"),
    "phone": N_("Phone"),
    "address": N_("Address"),
    "industry": N_("Industry"),
    "tier": N_("Tier"),
    "status": N_("Status"),
    "credit_limit": N_("Credit limit"),
    "currency": N_("Currency"),
    "owner": N_("Owner"),
    "last_contact_at": N_("Last contact"),
    "created_at": N_("Created"),
    "notes": N_("Notes"),
    "at": N_("When"),
    "customer": N_("Customer"),
    "kind": N_("Kind"),
    "by": N_("Logged by"),
    "outcome": N_("Outcome"),
    "next_step": N_("Next step"),
    "next_followup_at": N_("Next follow-up"),
    "followup_done_at": N_("Follow-up done"),
    "title": N_("Title"),
    "amount": N_("Amount"),
    "stage": N_("Stage"),
    "probability": N_("Probability %"),
    "expected_close": N_("Expected close"),
    "closed_at": N_("Closed"),
    "number": N_("Invoice number"),
    "paid_amount": N_("Paid"),
    "open_amount": N_("Open"),
    "issue_date": N_("Issued"),
    "due_date": N_("Due"),
}
SHEET_TITLES = {
    ExportKind.CUSTOMERS: N_("Customers"),
    ExportKind.VISITS: N_("Visits"),
    ExportKind.DEALS: N_("Deals"),
    ExportKind.RECEIVABLES: N_("Receivables"),
}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def export(
    actor: User, kind: ExportKind, target: Path | io.BytesIO, t: Translator, *, currency: str
) -> int:
    """Everything of `kind` the actor may see, as one sheet with headers in their language."""
    columns = exports.columns(kind)
    headers = [t.gettext(HEADERS[c.key]) for c in columns]
    batches = exports.rows(actor, kind, currency=currency)
    title = t.gettext(SHEET_TITLES[kind])
    return await write(target, columns, headers, batches, tz=t.timezone, title=title)


def status_file(table: Sequence[Sequence[str]], statuses: Sequence[str], heading: str) -> bytes:
    """The imported table as it came, one status column added (header first, then each row)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("import")
    for index, cells in enumerate(table):
        status = heading if index == 0 else statuses[index - 1]
        sheet.append([_text_cell(sheet, c) for c in cells] + [status])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text_cell(sheet: Any, value: str) -> Any:
    if value.startswith("="):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value or None
