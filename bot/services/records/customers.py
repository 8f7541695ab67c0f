"""Customers and contacts: one record per real company, found by any part of its name."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tortoise.functions import Min
from tortoise.transactions import in_transaction

from bot import db
from bot.clock import system_clock
from bot.models import (
    Contact,
    Customer,
    CustomerAlias,
    Deal,
    Invoice,
    InvoiceStatus,
    Stage,
    User,
    Visit,
)
from bot.services import audit
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.language.capture_names import MentionIndex
from bot.services.language.phones import normalize_phone
from bot.services.people.permissions import Scope, can_reassign, require_owner_visible, scope_for
from bot.services.records.matching import NameIndex, normalize_name
from bot.services.records.name_changes import ChangeLog

TIERS = ("A", "B", "C")
MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    """What the new-customer dialog collected; validated again here before saving."""

    name: str
    phone: str | None = None
    address: str = ""
    industry: str = ""
    tier: str = ""
    notes: str = ""


@dataclass(frozen=True, slots=True)
class DuplicateHit:
    """An existing customer that may be the one being created."""

    customer_id: int
    name: str
    owner_id: int | None  # None: in the public pool
    owner_name: str
    score: float
    same_phone: bool


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    """A customer as a search result or card shows it."""

    id: int
    name: str
    owner_id: int | None  # None: in the public pool since `pooled_at`, last had by `previous`
    owner_name: str
    phone: str | None
    last_contact_at: datetime | None
    next_followup_at: datetime | None
    address: str = ""
    industry: str = ""
    tier: str = ""
    contacts: tuple[tuple[str, str, str | None], ...] = field(default=())
    open_deals: int = 0
    pipeline: tuple[tuple[str, Decimal], ...] = ()  # open deals' amounts per currency
    owed: tuple[tuple[str, Decimal, Decimal], ...] = ()  # (currency, open, of which overdue)
    pooled_at: datetime | None = None
    previous_owner_name: str = ""


@dataclass(frozen=True, slots=True)
class CustomerBrief:
    """A customer as one line of a picker shows it; a page of them is one query."""

    id: int
    name: str
    owner_id: int | None  # None: in the public pool
    owner_name: str
    last_contact_at: datetime | None


_BRIEF_FIELDS = ("id", "name", "owner_id", "owner__name", "last_contact_at")


_BRIEF_SELECT = """
SELECT c.id, c.name, c.owner_id, u.name AS owner__name, c.last_contact_at
FROM customers c LEFT JOIN users u ON u.id = c.owner_id
"""
_LAST_CONTACT = Customer._meta.fields_map["last_contact_at"]


def _brief(row: dict[str, Any]) -> CustomerBrief:
    return CustomerBrief(
        row["id"],
        row["name"],
        row["owner_id"],
        row["owner__name"] or "",
        _LAST_CONTACT.to_python_value(row["last_contact_at"]),
    )


def _like_contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _name_filter(needle: str, raw: str, scope: Scope) -> tuple[str, list[Any]]:
    """The picker's WHERE: the name key contains the needle (or the name, as typed, ignoring
    case), within the actor's scope. Written out because a picker runs it on every typed name
    and the ORM takes longer to build it than SQLite to run it."""
    params: list[Any] = [_like_contains(needle)]
    # The names of customers merged into this one still find it.
    where = (
        "(c.normalized_name LIKE $1 ESCAPE '\\' OR c.id IN (SELECT a.customer_id FROM "
        "customer_aliases a WHERE a.normalized_name LIKE $1 ESCAPE '\\'))"
    )
    if raw and raw.lower() != needle:
        params.append(_like_contains(raw))
        where = f"({where} OR UPPER(c.name) LIKE UPPER($2) ESCAPE '\\')"
    if scope.owner_ids is not None:
        owners = sorted(scope.owner_ids)
        slots = ", ".join(f"${len(params) + n}" for n in range(1, len(owners) + 1))
        where += f" AND c.owner_id IN ({slots})"
        params.extend(owners)
    return where, params


class DuplicateFinder:
    """The company's customer names in memory, kept fresh from the database: the fuzzy index
    the duplicate check reads, and the mention index quick capture reads (names with owners).

    Loading 100,000 names per check would be far too slow, so the indexes live in memory and
    catch up before every use from the change log the database's triggers write
    (`CustomerNameChange`); several bot processes therefore all see each other's new, renamed,
    handed-over and merged customers. Catching up is exact however transactions interleave:

    - PostgreSQL takes log ids before commit, so a transaction may commit a lower id after a
      higher one was read. Each look reads the rows of transactions from the last look's
      snapshot xmin on (every transaction below it had finished then, so nothing below is still
      to come), skipping rows already applied; the look's own uncommitted rows are left for later.
    - SQLite has one writer at a time, so ids are taken in commit order; the log is read through
      a connection of its own, which sees only what is committed.
    """

    def __init__(self) -> None:
        self._index = NameIndex()
        self.mentions = MentionIndex()
        self._lock = asyncio.Lock()
        self._log = ChangeLog()
        # Aliases (names of merged customers) sit in both indexes under negative ids.
        self._alias_target: dict[int, int] = {}
        self._alias_key: dict[int, str] = {}
        self._aliases_of: dict[int, set[int]] = {}

    async def refresh(self) -> None:
        async with self._lock:
            if not self._log.started:
                await self._load()
                return
            for row in await self._log.changes():
                customer_id, alias_id, key = row[1], row[2], row[3]
                if alias_id is None:
                    self._customer_changed(customer_id, key, row[4])
                else:
                    self._alias_changed(-alias_id, customer_id, key)

    async def _load(self) -> None:
        """Every customer and alias, after taking the log's position (a change committed during
        the load is then read again, which changes nothing)."""
        await self._log.start()
        rows = await self._log.read("SELECT id, normalized_name, owner_id FROM customers")
        self._index.bulk_load((cid, key) for cid, key, _ in rows)
        # Quick capture reads owners' customers: one in the pool has none (until claimed).
        self.mentions.bulk_load([row for row in rows if row[2] is not None])
        for alias_id, target, key in await self._log.read(
            "SELECT id, customer_id, normalized_name FROM customer_aliases"
        ):
            self._alias_changed(-alias_id, target, key)

    def _customer_changed(self, customer_id: int, key: str | None, owner_id: int | None) -> None:
        if key is None:
            self._index.remove(customer_id)
            self.mentions.remove(customer_id)
            return
        # A customer in the pool stays in the duplicate check (it still exists), not in the
        # mentions, which are scoped by owner.
        self._index.add(customer_id, key)
        if owner_id is None:
            self.mentions.remove(customer_id)
            for alias in self._aliases_of.get(customer_id, ()):
                self.mentions.remove(alias)
            return
        self.mentions.add(customer_id, key, owner_id)
        for alias in self._aliases_of.get(customer_id, ()):  # aliases follow the owner
            self.mentions.add(alias, self._alias_key[alias], owner_id)

    def _alias_changed(self, alias: int, customer_id: int, key: str | None) -> None:
        previous = self._alias_target.pop(alias, None)
        if previous is not None:
            self._aliases_of[previous].discard(alias)
        if key is None:
            self._alias_key.pop(alias, None)
            self._index.remove(alias)
            self.mentions.remove(alias)
            return
        self._alias_target[alias] = customer_id
        self._alias_key[alias] = key
        self._aliases_of.setdefault(customer_id, set()).add(alias)
        self._index.add(alias, key)
        owner = self.mentions.owner_of(customer_id)
        if owner is not None:
            self.mentions.add(alias, key, owner)

    def resolve(self, indexed_id: int) -> int:
        """The customer an index entry stands for (an alias stands for the customer kept)."""
        return self._alias_target.get(indexed_id, indexed_id)

    async def find(
        self, name: str, phone: str | None = None, *, limit: int = 5
    ) -> list[DuplicateHit]:
        """Likely duplicates of a new customer among all customers, best first."""
        await self.refresh()
        scores: dict[int, float] = {}
        for indexed, score in self._index.similar(normalize_name(name), limit=limit):
            cid = self.resolve(indexed)
            scores[cid] = max(score, scores.get(cid, 0.0))
        phone_ids: set[int] = set()
        if phone:
            phone_ids = set(
                await Customer.filter(phone=phone).limit(limit).values_list("id", flat=True)
            ) | set(
                await CustomerAlias.filter(phone=phone)
                .limit(limit)
                .values_list("customer_id", flat=True)
            )
        ids = list(scores) + [cid for cid in phone_ids if cid not in scores]
        if not ids:
            return []
        rows = await Customer.filter(id__in=ids).values_list(
            "id", "name", "owner_id", "owner__name"
        )
        hits = [
            DuplicateHit(
                cid, cname, owner_id, owner_name or "", scores.get(cid, 100.0), cid in phone_ids
            )
            for cid, cname, owner_id, owner_name in rows
        ]
        hits.sort(key=lambda hit: (not hit.same_phone, -hit.score, hit.customer_id))
        return hits[:limit]

    async def find_first(
        self, entries: Sequence[tuple[str, str | None]]
    ) -> list[DuplicateHit | None]:
        """The likeliest existing customer for each (name, phone), for a whole file at once.

        The same rules as `find` (fuzzy name key, or the same phone), in a fixed number of
        queries however many entries: phones are looked up in chunks, names in memory.
        """
        await self.refresh()
        by_name = [
            hits[0] if hits else None
            for hits in self._index.similar_many([normalize_name(name) for name, _ in entries])
        ]
        phones = sorted({phone for _, phone in entries if phone})
        by_phone: dict[str, int] = {}
        for start in range(0, len(phones), 1000):
            chunk = phones[start : start + 1000]
            pairs = await Customer.filter(phone__in=chunk).order_by("id").values_list("id", "phone")
            for cid, phone in pairs:
                by_phone.setdefault(phone, cid)
        ids = {hit[0] for hit in by_name if hit} | set(by_phone.values())
        rows: dict[int, tuple[str, int | None, str]] = {}
        listed = sorted(ids)
        for start in range(0, len(listed), 1000):
            for cid, cname, owner_id, owner_name in await Customer.filter(
                id__in=listed[start : start + 1000]
            ).values_list("id", "name", "owner_id", "owner__name"):
                rows[cid] = (cname, owner_id, owner_name or "")
        found: list[DuplicateHit | None] = []
        for (_, phone), hit in zip(entries, by_name, strict=True):
            phone_id = by_phone.get(phone) if phone else None
            cid, score = (phone_id, 100.0) if phone_id is not None else (hit or (None, 0.0))
            if cid is None or cid not in rows:
                found.append(None)
                continue
            cname, owner_id, owner_name = rows[cid]
            found.append(DuplicateHit(cid, cname, owner_id, owner_name, score, phone_id == cid))
        return found

    def forget(self) -> None:
        """Drop the indexes (tests and imports that rewrite many rows)."""
        self._index = NameIndex()
        self.mentions = MentionIndex()
        self._log.close()
        self._log = ChangeLog()
        self._alias_target.clear()
        self._alias_key.clear()
        self._aliases_of.clear()


def clean_name(text: str) -> str:
    """A customer name as stored: single spaces, no control characters, bounded length."""
    name = " ".join(text.split())
    if not name or not normalize_name(name):
        raise InvalidInput("name_empty")
    if len(name) > MAX_NAME:
        raise InvalidInput("name_too_long")
    return name


def clean_phone(text: str) -> str:
    """A phone in E.164 or an InvalidInput the dialog can explain."""
    phone = normalize_phone(text)
    if phone is None:
        raise InvalidInput("phone_invalid")
    return phone


def clean_tier(text: str) -> str:
    tier = text.strip().upper()
    if tier not in TIERS:
        raise InvalidInput("tier_invalid")
    return tier


async def create_customer(
    actor: User, draft: CustomerDraft, *, owner_id: int | None = None
) -> Customer:
    """Save a new customer owned by the actor (or, for managers and admins, by someone else)."""
    owner = owner_id if owner_id is not None else actor.id
    if owner != actor.id:
        if not can_reassign(actor):
            raise PermissionDenied()
        await require_owner_visible(actor, owner)
    name = clean_name(draft.name)
    async with in_transaction():
        customer = await Customer.create(
            name=name,
            normalized_name=normalize_name(name),
            phone=clean_phone(draft.phone) if draft.phone else None,
            address=draft.address.strip()[:300],
            industry=draft.industry.strip()[:100],
            tier=clean_tier(draft.tier) if draft.tier else "",
            notes=draft.notes.strip(),
            owner_id=owner,
        )
        await audit.record(
            actor.id, "customer.create", "customer", customer.id, after=customer_details(customer)
        )
    return customer


async def get_visible(actor: User, customer_id: int) -> Customer:
    """A customer the actor may see; NotFound otherwise (no hint that it exists)."""
    customer = await Customer.filter(id=customer_id).first()
    if customer is None:
        raise NotFound()
    await require_owner_visible(actor, customer.owner_id)
    return customer


async def visible_owner(actor: User, customer_id: int) -> int | None:
    """The owner of a customer the actor may see (NotFound otherwise): all a write on the
    customer's behalf needs, in one indexed read. None: the customer is in the public pool
    (which only those who see the whole company see this way)."""
    rows = await db.fetch("SELECT owner_id FROM customers WHERE id = $1", (customer_id,))
    if not rows:
        raise NotFound()
    owner = rows[0]["owner_id"]
    await require_owner_visible(actor, owner)
    return None if owner is None else int(owner)


async def search(
    actor: User,
    text: str,
    *,
    limit: int = 8,
    offset: int = 0,
    finder: DuplicateFinder | None = None,
) -> tuple[list[CustomerBrief], int]:
    """Customers the actor may see whose name contains the text (else close fuzzy matches).

    Pickers run this on every typed name, so a page comes back as briefs in a single query.
    """
    needle = normalize_name(text)
    raw = " ".join(text.split())
    if not needle:
        return [], 0
    scope = await scope_for(actor)
    where, params = _name_filter(needle, raw, scope)
    rows = await db.fetch(
        f"{_BRIEF_SELECT} WHERE {where} ORDER BY c.name, c.id "
        f"LIMIT ${len(params) + 1} OFFSET ${len(params) + 2}",
        [*params, limit, offset],
    )
    # A page that is not full shows where the matches end, so most searches (a rep typing a
    # distinctive part of a name) need no separate count query.
    if len(rows) < limit and (rows or not offset):
        total = offset + len(rows)
    else:
        counted = await db.fetch(f"SELECT count(*) AS n FROM customers c WHERE {where}", params)
        total = int(counted[0]["n"])
    if total:
        return [_brief(row) for row in rows], total
    if finder is None:
        return [], 0
    hits = await finder.find(text, limit=50)
    visible = [hit.customer_id for hit in hits if scope.allows(hit.owner_id)]
    return await briefs(visible[offset : offset + limit]), len(visible)


async def briefs(ids: list[int]) -> list[CustomerBrief]:
    """Picker lines for these customers in one query, in the order given (callers have checked
    that the user may see them)."""
    found = {
        row["id"]: _brief(row) for row in await Customer.filter(id__in=ids).values(*_BRIEF_FIELDS)
    }
    return [found[cid] for cid in ids if cid in found]


async def brief(actor: User, customer_id: int) -> CustomerBrief:
    """One picked customer, if the actor may see it (NotFound for missing and for not visible)."""
    rows = await Customer.filter(id=customer_id).values(*_BRIEF_FIELDS)
    if not rows:
        raise NotFound()
    await require_owner_visible(actor, rows[0]["owner_id"])
    return _brief(rows[0])


async def summaries(ids: list[int]) -> list[CustomerSummary]:
    """Summaries for a page of customers in three set-based queries, in the order given."""
    if not ids:
        return []
    rows = await Customer.filter(id__in=ids).values(
        "id",
        "name",
        "owner_id",
        "owner__name",
        "phone",
        "last_contact_at",
        "address",
        "industry",
        "tier",
        "pooled_at",
        "previous_owner__name",
    )
    next_due = dict(
        await Visit.filter(
            customer_id__in=ids, followup_done_at__isnull=True, next_followup_at__isnull=False
        )
        .annotate(due=Min("next_followup_at"))
        .group_by("customer_id")
        .values_list("customer_id", "due")
    )
    contacts: dict[int, list[tuple[str, str, str | None]]] = {}
    for cid, name, title, phone in (
        await Contact.filter(customer_id__in=ids)
        .order_by("id")
        .values_list("customer_id", "name", "title", "phone")
    ):
        contacts.setdefault(cid, []).append((name, title, phone))
    by_id = {
        row["id"]: CustomerSummary(
            id=row["id"],
            name=row["name"],
            owner_id=row["owner_id"],
            owner_name=row["owner__name"] or "",
            phone=row["phone"],
            last_contact_at=row["last_contact_at"],
            next_followup_at=next_due.get(row["id"]),
            address=row["address"],
            industry=row["industry"],
            tier=row["tier"],
            contacts=tuple(contacts.get(row["id"], ())),
            pooled_at=row["pooled_at"],
            previous_owner_name=row["previous_owner__name"] or "",
        )
        for row in rows
    }
    return [by_id[cid] for cid in ids if cid in by_id]


async def card(actor: User, customer_id: int, *, today: date) -> CustomerSummary:
    """One customer's card, if the actor may see it (NotFound for missing and for not visible),
    with the money a rep should know before walking in: open deals and what is owed.

    The summary carries the owner, so the permission check needs no extra load of the customer.
    Overdue means due before `today` (the user's own date).
    """
    found = await summaries([customer_id])
    if not found:
        raise NotFound()
    await require_owner_visible(actor, found[0].owner_id)
    pipeline: dict[str, Decimal] = {}
    deals = await Deal.filter(
        customer_id=customer_id, stage__not_in=[Stage.WON, Stage.LOST]
    ).values_list("currency", "amount")
    for currency, amount in deals:
        pipeline[currency] = pipeline.get(currency, Decimal(0)) + Decimal(amount)
    owed: dict[str, tuple[Decimal, Decimal]] = {}
    invoices = await Invoice.filter(customer_id=customer_id, status=InvoiceStatus.OPEN).values_list(
        "currency", "amount", "paid_amount", "due_date"
    )
    for currency, amount, paid, due in invoices:
        left = Decimal(amount) - Decimal(paid)
        total, late = owed.get(currency, (Decimal(0), Decimal(0)))
        owed[currency] = (total + left, late + (left if due < today else Decimal(0)))
    return replace(
        found[0],
        open_deals=len(deals),
        pipeline=tuple(sorted(pipeline.items())),
        owed=tuple((cur, total, late) for cur, (total, late) in sorted(owed.items()) if total > 0),
    )


async def move_owner(customer_id: int, new_owner_id: int) -> None:
    """The owner change every path shares (a reassignment, an approved handover): the customer
    (out of the public pool if it was there) with its open follow-ups, and `updated_at`, so every
    process's name indexes catch up (quick capture scopes them by owner). Callers check
    permissions and audit."""
    await Customer.filter(id=customer_id).update(
        owner_id=new_owner_id, pooled_at=None, updated_at=system_clock()
    )
    await Visit.filter(customer_id=customer_id, followup_done_at__isnull=True).update(
        followup_owner_id=new_owner_id
    )


async def reassign(actor: User, customer_id: int, new_owner_id: int) -> Customer:
    """Give a customer to another owner (admin or manager within the team), audited."""
    if not can_reassign(actor):
        raise PermissionDenied()
    async with in_transaction():
        customer = await Customer.filter(id=customer_id).select_for_update().first()
        if customer is None:
            raise NotFound()
        await require_owner_visible(actor, customer.owner_id)
        await require_owner_visible(actor, new_owner_id)
        if not await User.filter(id=new_owner_id, active=True).exists():
            raise InvalidInput("owner_invalid")
        before = customer.owner_id
        await move_owner(customer_id, new_owner_id)
        customer.owner_id = new_owner_id
        await audit.record(
            actor.id,
            "customer.reassign",
            "customer",
            customer_id,
            before={"owner_id": before},
            after={"owner_id": new_owner_id},
        )
    return customer


@dataclass(frozen=True, slots=True)
class ContactDraft:
    """A person at a customer, as the contact dialog collected it."""

    name: str
    title: str = ""
    phone: str | None = None
    email: str = ""


def clean_email(text: str) -> str:
    value = text.strip()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value or len(value) > 200:
        raise InvalidInput("email_invalid")
    return value


async def add_contact(actor: User, customer_id: int, draft: ContactDraft) -> Contact:
    """Add a person to a customer the actor may see, audited."""
    name = " ".join(draft.name.split())
    if not name:
        raise InvalidInput("name_empty")
    async with in_transaction():
        await get_visible(actor, customer_id)
        contact = await Contact.create(
            customer_id=customer_id,
            name=name[:100],
            title=draft.title.strip()[:100],
            phone=clean_phone(draft.phone) if draft.phone else None,
            email=clean_email(draft.email) if draft.email else "",
            created_by_id=actor.id,
        )
        await audit.record(
            actor.id,
            "contact.create",
            "contact",
            contact.id,
            after={
                "customer_id": customer_id,
                "name": contact.name,
                "title": contact.title,
                "phone": contact.phone,
                "email": contact.email,
            },
        )
    return contact


def customer_details(customer: Customer) -> dict[str, object]:
    """The audited details of a customer (plain values)."""
    return {
        "name": customer.name,
        "phone": customer.phone,
        "address": customer.address,
        "industry": customer.industry,
        "tier": customer.tier,
        "owner_id": customer.owner_id,
        "credit_limit": Decimal(customer.credit_limit),
    }
