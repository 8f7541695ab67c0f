"""Export rows written as one .xlsx sheet, streamed: openpyxl's write-only mode in a worker.

A write-only sheet keeps appended rows in a temporary file instead of cell objects, so memory
stays flat however many rows arrive; the sheet is written in a worker process
(`sheet_worker`), so a large export neither holds up the other chats nor waits for them.
Here each value is made ready for its cell: dates and times become Excel dates in the reader's
time zone (Excel has no time zones), amounts stay numbers next to a currency column.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.utils.datetime import to_excel
from wcwidth import wcswidth

from bot.i18n import N_, Translator
from bot.models import CustomerStatus, InvoiceStatus, Stage, User, VisitKind
from bot.reports.sheet_worker import SheetWorker, SheetWorkerError, literal
from bot.services.data import exports
from bot.services.data.exports import Column, ColumnType, ExportKind


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
    kinds = [column.type.value for column in columns]
    widths = [column_width(column, header) for column, header in zip(columns, headers, strict=True)]
    worker = SheetWorker(target, title, headers, kinds, widths)
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
    exports.AT_RISK: N_("At risk"),
}
SHEET_TITLES = {
    ExportKind.CUSTOMERS: N_("Customers"),
    ExportKind.VISITS: N_("Visits"),
    ExportKind.DEALS: N_("Deals"),
    ExportKind.RECEIVABLES: N_("Receivables"),
}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The words for stored values, by column: a Chinese sheet says 拜访 and 线索, not visit and lead.
# The same catalog ids as the chat's labels (`bot.dialogs.labels`), so one translation serves.
VALUES = {
    "kind": {
        VisitKind.VISIT: N_("Visit"),
        VisitKind.CALL: N_("Call"),
        VisitKind.MESSAGE: N_("Message"),
        VisitKind.MEETING: N_("Meeting"),
    },
    "stage": {
        Stage.LEAD: N_("Lead"),
        Stage.QUALIFIED: N_("Qualified"),
        Stage.PROPOSAL: N_("Proposal"),
        Stage.NEGOTIATION: N_("Negotiation"),
        Stage.WON: N_("Won"),
        Stage.LOST: N_("Lost"),
    },
    "status": {
        CustomerStatus.ACTIVE: N_("Active"),
        CustomerStatus.PROSPECT: N_("Prospect"),
        CustomerStatus.INACTIVE: N_("Inactive"),
        InvoiceStatus.OPEN: N_("Open"),
        InvoiceStatus.PAID: N_("Paid"),
        InvoiceStatus.VOID: N_("Void"),
    },
    exports.AT_RISK: {"yes": N_("At risk")},
}
# Column widths in characters: long text wide, dates and amounts as wide as they print.
WIDTHS = {"name": 30, "customer": 30, "address": 32, "notes": 45, "title": 28, "phone": 17}
WIDTHS |= {"outcome": 30, "next_step": 30, "number": 16}
TYPE_WIDTHS = {
    ColumnType.DATETIME: 17,
    ColumnType.DATE: 12,
    ColumnType.NUMBER: 15,
    ColumnType.INT: 9,
    ColumnType.TEXT: 12,
}


def column_width(column: Column, header: str) -> float:
    """A column wide enough for its header (CJK counts double) and its usual values."""
    usual = WIDTHS.get(column.key, TYPE_WIDTHS[column.type])
    return float(max(usual, wcswidth(header) + 3))


async def export(
    actor: User,
    kind: ExportKind,
    target: Path | io.BytesIO,
    t: Translator,
    *,
    currency: str,
    at_risk_before: datetime | None = None,
) -> int:
    """Everything of `kind` the actor may see, as one sheet with headers and values in their
    language: .xlsx, or CSV for a file named .csv. Customers with a follow-up due before
    `at_risk_before` are marked at risk."""
    columns = exports.columns(kind)
    headers = [t.gettext(HEADERS[c.key]) for c in columns]
    words = [
        (i, {value: t.gettext(label) for value, label in VALUES[c.key].items()})
        for i, c in enumerate(columns)
        if c.key in VALUES
    ]
    batches = _worded(
        exports.rows(actor, kind, currency=currency, at_risk_before=at_risk_before), words
    )
    if isinstance(target, Path) and target.suffix.lower() == ".csv":
        return await write_csv(target, columns, headers, batches, tz=t.timezone)
    title = t.gettext(SHEET_TITLES[kind])
    return await write(target, columns, headers, batches, tz=t.timezone, title=title)


async def _worded(
    batches: AsyncIterator[list[list[Any]]], words: Sequence[tuple[int, dict[str, str]]]
) -> AsyncIterator[list[list[Any]]]:
    """Stored values (visit, lead, paid) replaced by the reader's words, in place."""
    async for batch in batches:
        for row in batch:
            for i, labels in words:
                if (value := row[i]) is not None:
                    row[i] = labels.get(value, value)
        yield batch


async def write_csv(
    path: Path,
    columns: Sequence[Column],
    headers: Sequence[str],
    batches: AsyncIterator[list[list[Any]]],
    *,
    tz: ZoneInfo,
) -> int:
    """The rows as CSV in UTF-8 with a BOM (how Excel knows it is UTF-8), written beside the
    target and moved into place whole; SheetWorkerError, as for a sheet, when it cannot be."""
    part = path.with_name(path.name + ".part")
    cells = [_csv_cell(column.type, tz) for column in columns]
    count = 0
    try:
        with part.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(headers)
            async for batch in batches:
                lines = [[cell(v) for cell, v in zip(cells, row, strict=True)] for row in batch]
                await asyncio.to_thread(writer.writerows, lines)
                count += len(batch)
        os.replace(part, path)
    except OSError as failed:
        part.unlink(missing_ok=True)
        raise SheetWorkerError(failed.strerror or str(failed)) from failed
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return count


_NUMBER_LIKE = re.compile(r"[+-]?[\d\s().-]*")


def _csv_cell(kind: ColumnType, tz: ZoneInfo) -> Callable[[Any], str]:
    """How one column's values are written as CSV text."""

    def text(value: Any) -> str:
        if value is None:
            return ""
        value = str(value)
        # A spreadsheet would run "=…", "@…" or "+…" as a formula; a phone number stays as is.
        if value[:1] in ("=", "@") or (value[:1] in "+-" and not _NUMBER_LIKE.fullmatch(value)):
            return "'" + value
        return value

    def moment(value: Any) -> str:
        if value is None:
            return ""
        return (value.astimezone(tz) if value.tzinfo else value).strftime("%Y-%m-%d %H:%M")

    def day(value: Any) -> str:
        return "" if value is None else value.isoformat()

    def number(value: Any) -> str:
        return "" if value is None else f"{value:.2f}"

    def whole(value: Any) -> str:
        return "" if value is None else str(value)

    readers = {
        ColumnType.DATETIME: moment,
        ColumnType.DATE: day,
        ColumnType.NUMBER: number,
        ColumnType.INT: whole,
    }
    return readers.get(kind, text)


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
