"""One .xlsx sheet written in a worker process: openpyxl's write-only mode, fed over a pipe.

Writing cells is pure Python and holds the GIL for all of it: a million rows is about a minute
of it. In a thread of the bot's own process that minute would be shared with the event loop, and
every other chat would wait its turn for the interpreter. In a process of its own the sheet is
written on another core while the bot goes on answering, and the rows arrive a batch at a time,
each read from the database while the worker writes the one before.

Values arrive ready for a cell: text, whole numbers, floats, and Excel serial numbers for dates
(made by openpyxl's own `to_excel` in the bot's process), so the worker only styles and writes.
The pipe holds at most one batch: a slow worker makes the sender wait, so memory stays bounded.
Text arrives with empty strings as None and a leading "=" marked (`Batch`). The worker
imports openpyxl and nothing of the bot's.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, BinaryIO, NoReturn
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

# How a column's values are shown; the keys are `ColumnType` values.
FORMATS = {"datetime": "yyyy-mm-dd hh:mm", "date": "yyyy-mm-dd", "number": "#,##0.00"}
_END = None


class SheetWorkerError(RuntimeError):
    """The worker failed or died; the sheet is incomplete and must not be sent."""


Batch = tuple[list[list[Any]], list[tuple[int, int]]]
"""Rows ready for cells, and the (row, column) positions of text that starts with "=": those
are stored as text, never run as formulas."""


def write_rows(sheet: Any, kinds: Sequence[str]) -> Callable[[Batch], None]:
    """Append batches to `sheet`; formatted columns (dates, amounts) get their format.

    A formatted column reuses one cell: a write-only sheet writes each appended row at once, so
    the cell is free again for the next row and no style is looked up per value. Every other
    value goes in as it came, so a row costs openpyxl's work and little more.
    """
    formatted = []
    for index, kind in enumerate(kinds):
        if (number_format := FORMATS.get(kind)) is not None:
            cell = WriteOnlyCell(sheet)
            cell.number_format = number_format
            formatted.append((index, cell))
    append = sheet.append

    def append_batch(batch: Batch) -> None:
        rows, literals = batch
        for r, i in literals:
            rows[r][i] = literal(sheet, rows[r][i])
        for row in rows:
            for index, cell in formatted:
                if (value := row[index]) is not None:
                    cell.value = value
                    row[index] = cell
            append(row)

    return append_batch


def literal(sheet: Any, text: str) -> Any:
    """A cell holding `text` as text, even where it starts with "=": never run as a formula."""
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"
    return cell


def _work(
    path: str,
    title: str,
    headers: list[str],
    kinds: list[str],
    pipe: Connection,
    widths: list[float] | None = None,
) -> None:
    """The worker: header, batches until the end mark, save; answers with the row count.

    The file is saved beside the target and moved into place whole, so a failed or abandoned
    export never leaves a half-written workbook under the name asked for. It is opened first: a
    folder that is missing or read-only fails before any row is read.
    """
    part = _part(path)
    try:
        with open(part, "wb") as out:
            count = _fill(out, title, headers, kinds, pipe, widths or [])
        os.replace(part, path)
        pipe.send(("ok", count))
    except BaseException as failed:  # reported to the bot, which raises it there
        with contextlib.suppress(OSError):
            os.unlink(part)
        reason = failed.strerror if isinstance(failed, OSError) else None
        pipe.send(("failed", reason or f"{type(failed).__name__}: {failed}"))
    finally:
        pipe.close()


def _fill(
    out: BinaryIO,
    title: str,
    headers: list[str],
    kinds: list[str],
    pipe: Connection,
    widths: Sequence[float],
) -> int:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"  # the header stays in view while scrolling
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    append_batch = write_rows(sheet, kinds)
    count = 0
    while (batch := pipe.recv()) is not _END:
        append_batch(batch)
        count += len(batch[0])
    _save(book, out)
    return count


def _save(book: Workbook, out: BinaryIO) -> None:
    """Save as `Workbook.save` does, with zlib's fastest level: compressing is serial work at
    the end of an export (5 s of a million rows at the default level, 2 s at this one), and the
    file is about a quarter larger."""
    with ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=1) as archive:
        ExcelWriter(book, archive).save()


def _part(path: str) -> str:
    return f"{path}.part"


class SheetWorker:
    """The bot's side of one worker: `send` batches in order, then `finish` for the count."""

    def __init__(
        self,
        path: Path,
        title: str,
        headers: Sequence[str],
        kinds: Sequence[str],
        widths: Sequence[float] = (),
    ):
        self._part = Path(_part(str(path)))
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(
            target=_work,
            args=(str(path), title, list(headers), list(kinds), child, list(widths)),
            name="crmbot-sheet",
            daemon=True,
        )
        self._process.start()
        child.close()

    async def send(self, batch: Batch) -> None:
        """Hand over a batch; waits (in a thread) while the worker is still on the last one."""
        try:
            await asyncio.to_thread(self._pipe.send, batch)
        except (BrokenPipeError, ConnectionResetError):
            await self._failed()

    async def finish(self) -> int:
        """End the sheet and wait for it to be saved; the number of data rows written."""
        try:
            await asyncio.to_thread(self._pipe.send, _END)
            status, detail = await asyncio.to_thread(self._pipe.recv)
        except (BrokenPipeError, ConnectionResetError, EOFError):
            await self._failed()
        await asyncio.to_thread(self._process.join)
        if status != "ok":
            raise SheetWorkerError(detail)
        return int(detail)

    async def _failed(self) -> NoReturn:
        """The worker went away: its own report if it left one, else its exit code."""
        detail = f"exit code {self._process.exitcode}"
        if await asyncio.to_thread(self._pipe.poll, 1.0):
            with contextlib.suppress(EOFError):
                detail = self._pipe.recv()[1]
        await self.close()
        raise SheetWorkerError(detail)

    async def close(self) -> None:
        """Stop the worker if it still runs (an export abandoned half way)."""
        self._pipe.close()
        abandoned = self._process.is_alive()
        if abandoned:
            self._process.terminate()
        await asyncio.to_thread(self._process.join)
        if abandoned:
            self._part.unlink(missing_ok=True)
