"""Loading invoices from the accounting export (.xlsx or .csv), all or nothing.

Columns (header row, any order, English or Chinese names, case-insensitive):
`number` (发票号), `customer` (客户: exact name) or `customer_id`, `amount` (金额),
`currency` (币种, optional: the company currency), `issue_date` (开票日期), `due_date` (到期日).
A known number updates that invoice; a new one creates it. Every row is checked first; if any
row is refused (or the file cannot be read) nothing is written, unless `partial` is asked for,
which writes the good rows and reports the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from bot.models import Customer, Invoice, InvoiceStatus, Role, User
from bot.services import audit
from bot.services.data import spreadsheet
from bot.services.errors import InvalidInput, PermissionDenied
from bot.services.finance import money
from bot.services.language import amounts
from bot.services.records.matching import normalize_name

COLUMNS = {
    "number": ("number", "invoice", "invoice_number", "no", "发票号", "发票号码", "编号"),
    "customer": ("customer", "customer_name", "client", "客户", "客户名称"),
    "customer_id": ("customer_id", "客户编号"),
    "amount": ("amount", "total", "金额", "应收金额"),
    "currency": ("currency", "币种", "货币"),
    "issue_date": ("issue_date", "issued", "date", "开票日期"),
    "due_date": ("due_date", "due", "到期日", "到期日期"),
}
REQUIRED = ("number", "amount", "issue_date", "due_date")
MAX_ROWS = 500_000


@dataclass(slots=True)
class ImportReport:
    """What an import did (or would have done): counts, and each refused row with its reason."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)
    applied: bool = False


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    number: str
    customer_id: int
    amount: Decimal
    currency: str
    issue_date: date
    due_date: date


def _cells(path: Path) -> Iterator[list[Any]]:
    """Rows of the first sheet (.xlsx) or of the CSV (UTF-8 with or without BOM, or GBK)."""
    if not spreadsheet.looks_like_spreadsheet(path.name):
        raise InvalidInput("file_type", path.suffix.lower())
    try:
        data = path.read_bytes()
    except OSError as bad:
        raise InvalidInput("file_unreadable", str(bad)[:200]) from bad
    try:
        yield from spreadsheet.read_rows(data, path.name)
    except InvalidInput as bad:
        if bad.code != "not_spreadsheet":
            raise
        raise InvalidInput("file_unreadable", bad.detail) from bad


def _header(cells: list[Any]) -> dict[str, int]:
    names = [str(c or "").strip().lower().replace(" ", "_") for c in cells]
    found: dict[str, int] = {}
    for key, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases and key not in found:
                found[key] = index
    missing = [k for k in REQUIRED if k not in found]
    if "customer" not in found and "customer_id" not in found:
        missing.append("customer")
    if missing:
        raise InvalidInput("columns_missing", ", ".join(missing))
    return found


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    return date.fromisoformat(text[:10]) if len(text) >= 8 else date.fromisoformat(text)


def _amount(value: Any) -> tuple[Decimal, str | None]:
    if isinstance(value, bool):
        raise InvalidInput("amount_invalid")
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value)).quantize(money.CENT)
        if amount <= 0:
            raise InvalidInput("amount_invalid")
        return amount, None
    return amounts.parse_money(str(value or ""))


async def import_invoices(
    path: Path, *, actor: User | None, currency: str = "CNY", partial: bool = False
) -> ImportReport:
    """Check every row, then create/update in one transaction (or write nothing)."""
    if actor is not None and actor.role not in (Role.FINANCE, Role.ADMIN):
        raise PermissionDenied()
    report = ImportReport()
    rows_iter = iter(await asyncio.to_thread(lambda: list(_cells(path))))
    header_cells = next(rows_iter, None)
    if header_cells is None:
        raise InvalidInput("file_empty")
    columns = _header(header_cells)
    by_name: dict[str, list[int]] = {}
    for cid, norm in await Customer.all().values_list("id", "normalized_name"):
        by_name.setdefault(norm, []).append(cid)
    known_ids = {cid for ids in by_name.values() for cid in ids}
    good: list[_Row] = []
    seen: set[str] = set()
    for line, cells in enumerate(rows_iter, start=2):
        if line > MAX_ROWS:
            raise InvalidInput("file_too_big", str(MAX_ROWS))
        if not any(str(c or "").strip() for c in cells):
            continue

        def cell(key: str, cells: list[Any] = cells) -> Any:
            index = columns.get(key)
            return cells[index] if index is not None and index < len(cells) else None

        number = str(cell("number") or "").strip()
        try:
            if not number or len(number) > 64:
                raise InvalidInput("number_invalid")
            if number in seen:
                raise InvalidInput("number_repeated")
            customer_id = _customer(cell("customer_id"), cell("customer"), by_name, known_ids)
            amount, typed_currency = _amount(cell("amount"))
            code = str(cell("currency") or "").strip().upper() or typed_currency or currency
            if len(code) != 3 or not code.isalpha():
                raise InvalidInput("currency_invalid")
            try:
                issued, due = _date(cell("issue_date")), _date(cell("due_date"))
            except (ValueError, TypeError) as bad:
                raise InvalidInput("date_invalid") from bad
            if due < issued:
                raise InvalidInput("due_before_issue")
        except (InvalidInput, InvalidOperation) as refused:
            code_ = refused.code if isinstance(refused, InvalidInput) else "amount_invalid"
            report.refused.append((line, number, code_))
            continue
        seen.add(number)
        good.append(_Row(line, number, customer_id, amount, code, issued, due))
    existing = {
        inv.number: inv
        for chunk in _chunks([r.number for r in good], 500)
        for inv in await Invoice.filter(number__in=chunk)
    }
    creates: list[_Row] = []
    updates: list[tuple[_Row, Invoice]] = []
    for row in good:
        invoice = existing.get(row.number)
        if invoice is None:
            creates.append(row)
            continue
        reason = _update_refusal(row, invoice)
        if reason:
            report.refused.append((row.line, row.number, reason))
        elif _same(row, invoice):
            report.unchanged += 1
        else:
            updates.append((row, invoice))
    report.created, report.updated = len(creates), len(updates)
    if report.refused and not partial:
        return report
    async with in_transaction():
        for chunk in _chunks(creates, 1000):
            await Invoice.bulk_create(
                [
                    Invoice(
                        number=r.number,
                        customer_id=r.customer_id,
                        amount=r.amount,
                        currency=r.currency,
                        issue_date=r.issue_date,
                        due_date=r.due_date,
                    )
                    for r in chunk
                ]
            )
        sqlite = connections.get("default").capabilities.dialect == "sqlite"
        for row, invoice in updates:
            paid = money.cents(invoice.paid_amount)
            guard = {} if sqlite else {"paid_amount": invoice.paid_amount}
            written = await Invoice.filter(id=invoice.id, **guard).update(
                customer_id=row.customer_id,
                amount=row.amount,
                currency=row.currency,
                issue_date=row.issue_date,
                due_date=row.due_date,
                status=InvoiceStatus.PAID if paid >= row.amount else InvoiceStatus.OPEN,
            )
            if not written:  # a payment landed meanwhile: roll the whole file back
                raise InvalidInput("invoices_changed_meanwhile", row.number)
        await audit.record(
            actor.id if actor else None,
            "invoice.import",
            "invoice",
            None,
            after={
                "file": path.name,
                "created": report.created,
                "updated": report.updated,
                "refused": len(report.refused),
            },
        )
    report.applied = True
    return report


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _customer(raw_id: Any, raw_name: Any, by_name: dict[str, list[int]], known: set[int]) -> int:
    text_id = str(raw_id or "").strip()
    if text_id:
        if not text_id.isdigit() or int(text_id) not in known:
            raise InvalidInput("customer_unknown")
        return int(text_id)
    ids = by_name.get(normalize_name(str(raw_name or "")), [])
    if not ids:
        raise InvalidInput("customer_unknown")
    if len(ids) > 1:
        raise InvalidInput("customer_ambiguous")
    return ids[0]


def _update_refusal(row: _Row, invoice: Invoice) -> str:
    if invoice.status == InvoiceStatus.VOID:
        return "invoice_void"
    paid = money.cents(invoice.paid_amount)
    if paid > row.amount:
        return "amount_below_paid"
    if paid > 0 and (row.customer_id != invoice.customer_id or row.currency != invoice.currency):
        return "paid_invoice_moved"
    return ""


def _same(row: _Row, invoice: Invoice) -> bool:
    return (
        row.customer_id == invoice.customer_id
        and row.amount == money.cents(invoice.amount)
        and row.currency == invoice.currency
        and row.issue_date == invoice.issue_date
        and row.due_date == invoice.due_date
    )
