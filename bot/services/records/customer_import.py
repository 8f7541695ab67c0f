"""Loading the company's customer spreadsheet: checked row by row, written only when confirmed.

Every row is checked the way `/newcustomer` checks one customer: a valid name, a phone that
reads as a number, a tier A/B/C; then against the customers already there (the same fuzzy
name key and phone match) and against the rows above it in the same file. `preview` writes
nothing; `apply` checks again (someone may have added a customer meanwhile) and creates the
new rows in one transaction. Owners are matched by name among the people the importer may
assign to; an unknown or out-of-reach name leaves the row with the importer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tortoise.transactions import in_transaction

from bot import db
from bot.models import Customer, Role, User
from bot.services import audit
from bot.services.errors import InvalidInput, PermissionDenied
from bot.services.language.phones import normalize_phone
from bot.services.people.permissions import scope_for
from bot.services.records.customers import (
    MAX_NAME,
    TIERS,
    DuplicateFinder,
)
from bot.services.records.matching import NameIndex, normalize_name

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "customer",
        "company",
        "customer_name",
        "名称",
        "客户名称",
        "客户",
        "公司名称",
    ),
    "phone": ("phone", "mobile", "tel", "telephone", "电话", "手机", "联系电话", "手机号"),
    "address": ("address", "地址"),
    "industry": ("industry", "行业"),
    "tier": ("tier", "level", "grade", "等级", "客户等级"),
    "owner": ("owner", "负责人", "销售", "业务员"),
    "notes": ("notes", "note", "remark", "remarks", "备注"),
}
MAX_ROWS = 50_000
SAMPLE_REASONS = 5


class RowStatus(StrEnum):
    """What happened (or would happen) to one row of the file."""

    NEW = "new"
    DUPLICATE = "duplicate"  # of an existing customer
    REPEAT = "repeat"  # of a row above in the same file
    INVALID = "invalid"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class RowResult:
    """One data row: its line in the file, its status, and what the status refers to
    (the existing customer's name, the earlier row's line, the reason code, or for a new row
    the owner named in the file whom the importer may not assign, so the importer owns it)."""

    line: int
    status: RowStatus
    name: str = ""
    detail: str = ""


@dataclass(slots=True)
class Preview:
    """The whole file checked; `rows` in file order, header excluded. `snapshot` says what the
    customers were when it was checked: an import applied while they are still the same needs
    no second check."""

    rows: list[RowResult] = field(default_factory=list)
    created: int = 0
    applied: bool = False
    snapshot: str = ""

    def to_data(self) -> dict[str, Any]:
        """As JSON-safe data, kept in the dialog's state between preview and Import."""
        rows = [[r.line, r.status.value, r.name, r.detail] for r in self.rows]
        return {"rows": rows, "snapshot": self.snapshot}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Preview:
        rows = [RowResult(int(a), RowStatus(b), str(c), str(d)) for a, b, c, d in data["rows"]]
        return cls(rows=rows, snapshot=str(data.get("snapshot", "")))

    def count(self, status: RowStatus) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def reasons(self) -> list[tuple[int, str]]:
        """The first few invalid rows with their reason codes."""
        bad = [(r.line, r.detail) for r in self.rows if r.status == RowStatus.INVALID]
        return bad[:SAMPLE_REASONS]

    @property
    def reason_counts(self) -> Counter[str]:
        return Counter(r.detail for r in self.rows if r.status == RowStatus.INVALID)


@dataclass(frozen=True, slots=True)
class _Draft:
    line: int
    name: str
    phone: str | None
    address: str
    industry: str
    tier: str
    owner: str
    notes: str


def can_import(actor: User) -> bool:
    """Admins import for anybody, managers into their team."""
    return actor.role in (Role.ADMIN, Role.MANAGER)


def header_columns(cells: Sequence[Any]) -> dict[str, int]:
    """Which column holds what, from the header row (English or Chinese, any order)."""
    names = [str(c or "").strip().lower().replace(" ", "_") for c in cells]
    found: dict[str, int] = {}
    for key, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name.lstrip("*") in aliases and key not in found:
                found[key] = index
    if "name" not in found:
        raise InvalidInput("columns_missing", "name")
    return found


def cell_text(value: Any) -> str:
    """A cell as the text it shows: one line, whole numbers without ".0", dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed into Excel comes back as 13812345678.0
    if isinstance(value, datetime | date):
        return value.isoformat()
    return " ".join(str(value).split())


def _draft(line: int, cells: Sequence[Any], columns: dict[str, int]) -> _Draft:
    def cell(key: str) -> str:
        index = columns.get(key)
        return cell_text(cells[index]) if index is not None and index < len(cells) else ""

    return _Draft(
        line,
        cell("name"),
        cell("phone") or None,
        cell("address")[:300],
        cell("industry")[:100],
        cell("tier"),
        cell("owner"),
        cell("notes"),
    )


def _refusal(draft: _Draft) -> tuple[str, str | None, str]:
    """The reason code a row cannot be imported ('' if fine), its phone and tier as stored."""
    if not draft.name or not normalize_name(draft.name):
        return "name_empty", None, ""
    if len(draft.name) > MAX_NAME:
        return "name_too_long", None, ""
    phone = None
    if draft.phone:
        phone = normalize_phone(draft.phone)
        if phone is None:
            return "phone_invalid", None, ""
    tier = draft.tier.strip().upper().removesuffix("级").removesuffix("类").strip()
    if tier and tier not in TIERS:
        return "tier_invalid", None, ""
    return "", phone, tier


async def _owners(actor: User) -> dict[str, int]:
    """Owner names (case-folded) the actor may assign customers to, to their ids."""
    scope = await scope_for(actor)
    query = User.filter(active=True)
    if actor.role != Role.ADMIN and scope.owner_ids is not None:
        query = query.filter(id__in=sorted(scope.owner_ids))
    owners: dict[str, int] = {}
    for uid, name in await query.order_by("id").values_list("id", "name"):
        owners.setdefault(" ".join(name.split()).casefold(), uid)
    return owners


async def _snapshot() -> str:
    """How many customers there are, the newest id and the latest change: equal snapshots mean
    nobody created, renamed or removed a customer in between (one indexed query)."""
    rows = await db.fetch(
        "SELECT COUNT(*) AS n, MAX(id) AS last, MAX(updated_at) AS changed FROM customers"
    )
    row = rows[0]
    return f"{row['n']}:{row['last']}:{row['changed']}"


async def _check(
    actor: User, table: Sequence[Sequence[Any]], finder: DuplicateFinder
) -> tuple[Preview, list[tuple[_Draft, str | None, str, int]]]:
    """Every row classified, and the new ones ready to create (draft, phone, tier, owner)."""
    if not can_import(actor):
        raise PermissionDenied()
    if not table:
        raise InvalidInput("file_empty")
    columns = header_columns(table[0])
    if len(table) - 1 > MAX_ROWS:
        raise InvalidInput("file_too_big", str(MAX_ROWS))
    snapshot = await _snapshot()
    drafts = [_draft(line, cells, columns) for line, cells in enumerate(table[1:], start=2)]
    checked = [_refusal(d) for d in drafts]
    valid = [
        (draft, phone)
        for draft, (reason, phone, _) in zip(drafts, checked, strict=True)
        if not reason and any(cell_text(c) for c in table[draft.line - 1])
    ]
    hits = await finder.find_first([(d.name, phone) for d, phone in valid])
    existing = {d.line: hit for (d, _), hit in zip(valid, hits, strict=True)}
    owners = await _owners(actor)
    preview = Preview(snapshot=snapshot)
    creates: list[tuple[_Draft, str | None, str, int]] = []
    # Rows that may repeat one above them: every valid row not already a customer, matched
    # against each other in bulk; which earlier row counts is decided in file order below.
    fresh = [d for d, _ in valid if existing.get(d.line) is None]
    among = NameIndex()
    among.bulk_load((d.line, normalize_name(d.name)) for d in fresh)
    near = dict(
        zip(
            (d.line for d in fresh),
            among.similar_many([normalize_name(d.name) for d in fresh]),
            strict=True,
        )
    )
    new_lines: set[int] = set()
    phones_above: dict[str, int] = {}
    for draft, (reason, phone, tier) in zip(drafts, checked, strict=True):
        if not any(cell_text(c) for c in table[draft.line - 1]):
            preview.rows.append(RowResult(draft.line, RowStatus.EMPTY))
            continue
        if reason:
            preview.rows.append(RowResult(draft.line, RowStatus.INVALID, draft.name, reason))
            continue
        hit = existing.get(draft.line)
        if hit is not None:
            preview.rows.append(RowResult(draft.line, RowStatus.DUPLICATE, draft.name, hit.name))
            continue
        earlier = phones_above.get(phone) if phone else None
        if earlier is None:  # the best-scoring new row above (hits come best first)
            earlier = next(
                (line for line, _ in near[draft.line] if line < draft.line and line in new_lines),
                None,
            )
        if earlier is not None:
            preview.rows.append(RowResult(draft.line, RowStatus.REPEAT, draft.name, str(earlier)))
            continue
        new_lines.add(draft.line)
        if phone:
            phones_above[phone] = draft.line
        owner = owners.get(draft.owner.casefold(), actor.id) if draft.owner else actor.id
        creates.append((draft, phone, tier, owner))
        # A named owner the importer may not assign to: the row goes to the importer, and says so.
        unknown = draft.owner if draft.owner and draft.owner.casefold() not in owners else ""
        preview.rows.append(RowResult(draft.line, RowStatus.NEW, draft.name, unknown))
    return preview, creates


async def preview(actor: User, table: Sequence[Sequence[Any]], finder: DuplicateFinder) -> Preview:
    """What importing the file would do; nothing is written."""
    result, _ = await _check(actor, table, finder)
    return result


async def _still_valid(
    actor: User, table: Sequence[Sequence[Any]], previewed: Preview
) -> list[tuple[_Draft, str | None, str, int]] | None:
    """The rows to create as previewed, if the customers have not changed since; else None."""
    if not previewed.snapshot or previewed.snapshot != await _snapshot():
        return None
    columns = header_columns(table[0])
    owners = await _owners(actor)
    creates: list[tuple[_Draft, str | None, str, int]] = []
    for row in previewed.rows:
        if row.status != RowStatus.NEW:
            continue
        draft = _draft(row.line, table[row.line - 1], columns)
        reason, phone, tier = _refusal(draft)
        if reason:
            return None  # not the table that was previewed
        owner = owners.get(draft.owner.casefold(), actor.id) if draft.owner else actor.id
        creates.append((draft, phone, tier, owner))
    return creates


async def apply(
    actor: User,
    table: Sequence[Sequence[Any]],
    finder: DuplicateFinder,
    *,
    file_name: str = "",
    previewed: Preview | None = None,
) -> Preview:
    """Create the file's new customers in one transaction. The file is checked again unless
    `previewed` (its preview) still holds: no customer was added or changed since."""
    if not can_import(actor):
        raise PermissionDenied()
    creates = await _still_valid(actor, table, previewed) if previewed is not None else None
    if creates is not None and previewed is not None:
        result = Preview(rows=list(previewed.rows), snapshot=previewed.snapshot)
    else:
        result, creates = await _check(actor, table, finder)
    async with in_transaction():
        for start in range(0, len(creates), 1000):
            await Customer.bulk_create(
                [
                    Customer(
                        name=draft.name,
                        normalized_name=normalize_name(draft.name),
                        phone=phone,
                        address=draft.address,
                        industry=draft.industry,
                        tier=tier,
                        notes=draft.notes,
                        owner_id=owner,
                    )
                    for draft, phone, tier, owner in creates[start : start + 1000]
                ]
            )
        await audit.record(
            actor.id,
            "customer.import",
            "customer",
            None,
            after={
                "file": file_name[:200],
                "created": len(creates),
                "duplicates": result.count(RowStatus.DUPLICATE),
                "repeats": result.count(RowStatus.REPEAT),
                "invalid": result.count(RowStatus.INVALID),
            },
        )
    result.created = len(creates)
    result.applied = True
    return result
