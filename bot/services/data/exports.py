"""Everything a person may see, as rows for a spreadsheet: customers, visits, deals, invoices.

Rows stream in batches by primary key (keyset pagination, one joined query per batch, owner
and customer names included), so an export of a million visits never holds more than one
batch. The scope is the same as everywhere: a rep's own customers, a manager's team,
everything for finance and admin. Values are typed (numbers, dates, aware datetimes);
the workbook module decides how a spreadsheet shows them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bot import db
from bot.models import User
from bot.services.discipline import ladder
from bot.services.people.permissions import scope_for

BATCH = 5_000
AT_RISK = "at_risk"  # the customers' column the follow-up ladder fills: "yes" or blank


class ExportKind(StrEnum):
    """What `/export` and `crmbot export` can write."""

    CUSTOMERS = "customers"
    VISITS = "visits"
    DEALS = "deals"
    RECEIVABLES = "receivables"


class ColumnType(StrEnum):
    """How a spreadsheet should hold a column's values."""

    TEXT = "text"
    INT = "int"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True, slots=True)
class Column:
    """One exported column: its key (the header is its translated label) and its type."""

    key: str
    type: ColumnType = ColumnType.TEXT


T, N, D, DT, INT = (
    ColumnType.TEXT,
    ColumnType.NUMBER,
    ColumnType.DATE,
    ColumnType.DATETIME,
    ColumnType.INT,
)


def _datetime(raw: Any) -> datetime:
    """An aware datetime from either database: asyncpg gives one, SQLite stores ISO text."""
    if isinstance(raw, datetime):
        return raw
    moment = datetime.fromisoformat(str(raw))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    return raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10])


def _decimal(raw: Any) -> Decimal:
    return raw if isinstance(raw, Decimal) else Decimal(str(raw))


# Readers of raw values: a million rows pass through them, so plain constructors rather than
# the ORM's field conversions (several times slower per value).
_READ: dict[ColumnType, Callable[[Any], Any]] = {DT: _datetime, D: _date, N: _decimal}


@dataclass(frozen=True, slots=True)
class _Source:
    """The query of one export: the columns it yields and how each raw value is read."""

    columns: tuple[Column, ...]
    select: str  # everything after SELECT … up to WHERE; `{id}` is the keyset column
    keyset: str
    owner: str  # the column scoped by owner


def _sources() -> dict[ExportKind, _Source]:
    company = "'{currency}'"
    return {
        ExportKind.CUSTOMERS: _Source(
            columns=(
                Column("id", INT),
                Column("name"),
                Column("phone"),
                Column("address"),
                Column("industry"),
                Column("tier"),
                Column("status"),
                Column("credit_limit", N),
                Column("currency"),
                Column("owner"),
                Column("last_contact_at", DT),
                Column("created_at", DT),
                Column("notes"),
                Column(AT_RISK),
            ),
            select=(
                "c.id, c.name, c.phone, c.address, c.industry, c.tier, c.status, "
                # 0 is "no limit set": blank in the sheet, not a limit of zero
                "CASE WHEN c.credit_limit = 0 THEN NULL ELSE c.credit_limit END, "
                f"{company}, u.name, c.last_contact_at, c.created_at, c.notes, NULL "
                "FROM customers c LEFT JOIN users u ON u.id = c.owner_id"
            ),
            keyset="c.id",
            owner="c.owner_id",
        ),
        ExportKind.VISITS: _Source(
            columns=(
                Column("id", INT),
                Column("at", DT),
                Column("customer"),
                Column("kind"),
                Column("by"),
                Column("notes"),
                Column("outcome"),
                Column("next_step"),
                Column("next_followup_at", DT),
                Column("followup_done_at", DT),
                Column("owner"),
            ),
            select=(
                "v.id, v.at, c.name, v.kind, u.name, v.notes, v.outcome, v.next_step, "
                "v.next_followup_at, v.followup_done_at, o.name "
                "FROM visits v JOIN customers c ON c.id = v.customer_id "
                "JOIN users u ON u.id = v.user_id LEFT JOIN users o ON o.id = c.owner_id"
            ),
            keyset="v.id",
            owner="c.owner_id",
        ),
        ExportKind.DEALS: _Source(
            columns=(
                Column("id", INT),
                Column("customer"),
                Column("title"),
                Column("amount", N),
                Column("currency"),
                Column("stage"),
                Column("probability", INT),
                Column("expected_close", D),
                Column("owner"),
                Column("created_at", DT),
                Column("closed_at", DT),
            ),
            select=(
                "d.id, c.name, d.title, d.amount, d.currency, d.stage, d.probability, "
                "d.expected_close, u.name, d.created_at, d.closed_at "
                "FROM deals d JOIN customers c ON c.id = d.customer_id "
                "JOIN users u ON u.id = d.owner_id"
            ),
            keyset="d.id",
            owner="d.owner_id",
        ),
        ExportKind.RECEIVABLES: _Source(
            columns=(
                Column("number"),
                Column("customer"),
                Column("amount", N),
                Column("paid_amount", N),
                Column("open_amount", N),
                Column("currency"),
                Column("issue_date", D),
                Column("due_date", D),
                Column("status"),
                Column("owner"),
            ),
            select=(
                "i.number, c.name, i.amount, i.paid_amount, NULL, i.currency, i.issue_date, "
                "i.due_date, i.status, u.name, i.id "
                "FROM invoices i JOIN customers c ON c.id = i.customer_id "
                "LEFT JOIN users u ON u.id = c.owner_id"
            ),
            keyset="i.id",
            owner="c.owner_id",
        ),
    }


def columns(kind: ExportKind) -> tuple[Column, ...]:
    """The columns an export of `kind` has, in order."""
    return _sources()[kind].columns


async def rows(
    actor: User,
    kind: ExportKind,
    *,
    currency: str,
    batch: int = BATCH,
    at_risk_before: datetime | None = None,
) -> AsyncIterator[list[list[Any]]]:
    """Batches of rows the actor may see, in id order; each row matches `columns(kind)`.

    A customer with an open follow-up due before `at_risk_before` is marked at risk (the
    follow-up ladder's last step), found with one query per batch."""
    source = _sources()[kind]
    owners = (await scope_for(actor)).owner_ids
    if owners is not None and not owners:
        return
    select = _aliased(source.select.replace("{currency}", _literal(currency)))
    width = len(source.columns)
    readers = [_READ.get(column.type) for column in source.columns]
    last: Any = None
    while True:
        params: list[Any] = []
        where: list[str] = []
        if last is not None:
            params.append(last)
            where.append(f"{source.keyset} > ${len(params)}")
        if owners is not None:
            slots = []
            for owner in sorted(owners):
                params.append(owner)
                slots.append(f"${len(params)}")
            where.append(f"{source.owner} IN ({', '.join(slots)})")
        params.append(batch)
        sql = (
            f"SELECT {select} {'WHERE ' + ' AND '.join(where) if where else ''} "
            f"ORDER BY {source.keyset} LIMIT ${len(params)}"
        )
        records = await db.fetch(sql, params)
        if not records:
            return
        out: list[list[Any]] = []
        for record in records:
            values = list(record.values())
            row = [
                values[i] if values[i] is None or read is None else read(values[i])
                for i, read in enumerate(readers)
            ]
            if kind == ExportKind.RECEIVABLES:
                row[4] = row[2] - row[3]
            out.append(row[:width])
        if kind == ExportKind.CUSTOMERS and at_risk_before is not None:
            risky = await ladder.at_risk([row[0] for row in out], before=at_risk_before)
            for row in out:
                if row[0] in risky:
                    row[-1] = "yes"
        last = values[0] if kind != ExportKind.RECEIVABLES else values[-1]
        yield out
        if len(records) < batch:
            return


def _aliased(select: str) -> str:
    """Each selected expression named by its position (`c0`, `c1`…): several are `name`."""
    head, sep, tail = select.partition(" FROM ")
    named = ", ".join(f"{expr} AS c{i}" for i, expr in enumerate(head.split(", ")))
    return named + sep + tail


def _literal(code: str) -> str:
    """The company currency as a SQL literal (three letters, checked: never user text)."""
    code = code.upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"not a currency code: {code!r}")
    return code
