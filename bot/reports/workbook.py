"""Export rows written as one .xlsx sheet, streamed: openpyxl's write-only mode in a worker.

A write-only sheet keeps appended rows in a temporary file instead of cell objects, so memory
stays flat however many rows arrive; the sheet is written in a worker process
(`sheet_worker`), so a large export neither holds up the other chats nor waits for them.
Here each value is made ready for its cell: dates and times become Excel dates in the reader's
time zone (Excel has no time zones), amounts stay numbers next to a currency column.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.utils.datetime import to_excel

from bot.i18n import N_, Translator
from bot.models import User
from bot.reports.sheet_worker import SheetWorker, literal
from bot.services import exports
from bot.services.exports import Column, ColumnType, ExportKind


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
    if isinstance(target, io.BytesIO):
        with tempfile.TemporaryDirectory(prefix="crmbot-export-") as scratch:
            path = Path(scratch) / "export.xlsx"
            count = await write(path, columns, headers, batches, tz=tz, title=title)
            with path.open("rb") as written:
                await asyncio.to_thread(shutil.copyfileobj, written, target)
        return count
    ready = [(i, f) for i, column in enumerate(columns) if (f := _ready(column.type, tz))]
    texts = [i for i, column in enumerate(columns) if column.type is ColumnType.TEXT]
    worker = SheetWorker(target, title, headers, [column.type.value for column in columns])
    try:
        async for batch in batches:
            literals = []
            for r, row in enumerate(batch):  # fresh lists from the export: made ready in place
                for i, f in ready:
                    if row[i] is not None:
                        row[i] = f(row[i])
                for i in texts:
                    if (text := row[i]).__class__ is str:
                        if not text:
                            row[i] = None
                        elif text[0] == "=":
                            literals.append((r, i))
            await worker.send((batch, literals))
        return await worker.finish()
    finally:
        await worker.close()


def _ready(kind: ColumnType, tz: ZoneInfo) -> Callable[[Any], Any] | None:
    """How one column's values become what a cell holds; None where they already are."""

    def moment(value: datetime) -> float:
        return to_excel(value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value)

    converters: dict[ColumnType, Callable[[Any], Any]] = {
        ColumnType.DATETIME: moment,
        ColumnType.DATE: to_excel,
        ColumnType.NUMBER: float,
    }
    return converters.get(kind)


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
    return literal(sheet, value) if value.startswith("=") else value or None
