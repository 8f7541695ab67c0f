"""Reading the rows of a spreadsheet someone sends: .xlsx, or .csv as Chinese Excel saves it.

One reader for every import (invoices, customers). A CSV is UTF-8 (with or without the BOM
Excel writes) or, failing that, GB18030 (a superset of GBK, what Excel on a Chinese Windows
saves as "CSV"); its delimiter is sniffed (comma, semicolon, tab). Anything else — a PDF, a
picture, a zip that is not a workbook — is refused as `not_spreadsheet`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from bot.services.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
SUFFIXES = XLSX_SUFFIXES + CSV_SUFFIXES


def looks_like_spreadsheet(name: str) -> bool:
    """Whether a file's name says it is one we read (worth downloading)."""
    return name.lower().endswith(SUFFIXES)


def read_rows(data: bytes, name: str) -> list[list[Any]]:
    """Every row of the first sheet (or of the CSV) as a list of cell values.

    Raises InvalidInput `not_spreadsheet` for anything that is not a readable .xlsx or CSV.
    """
    suffix = "." + name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if len(data) > MAX_BYTES:
        raise InvalidInput("file_too_big", str(MAX_BYTES))
    if suffix in XLSX_SUFFIXES or data[:4] == b"PK\x03\x04":
        return _xlsx(data)
    if suffix in CSV_SUFFIXES:
        return _csv(data)
    raise InvalidInput("not_spreadsheet", suffix)


def _xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as bad:
        raise InvalidInput("not_spreadsheet", str(bad)[:200]) from bad
    except Exception as bad:  # openpyxl raises many kinds for a broken file
        raise InvalidInput("not_spreadsheet", str(bad)[:200]) from bad
    try:
        if not book.worksheets:
            raise InvalidInput("not_spreadsheet", "no sheet")
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _csv(data: bytes) -> list[list[Any]]:
    if b"\x00" in data[:4096]:  # UTF-16 or a binary file: not a CSV a spreadsheet writes
        raise InvalidInput("not_spreadsheet", "binary")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput("not_spreadsheet", "encoding")
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
    except csv.Error:
        dialect = csv.excel
    try:
        return [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as bad:
        raise InvalidInput("not_spreadsheet", str(bad)[:200]) from bad
