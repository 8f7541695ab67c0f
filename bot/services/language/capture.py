"""Quick capture: one sentence (typed or spoken) → a draft visit for the right customer.

"Visited Acme, they want 200 units at 5% off, call back next Friday" becomes: customer Acme
(found among the customers the rep may see), a visit now, a follow-up next Friday 09:00, the
amounts, and the sentence as the notes. Nothing is written here: the dialog shows the draft and
only Confirm saves it through `visits.log_visit`, which checks the permission again.

`read_note` (capture_text) and `MentionIndex.mentions` (capture_names) are pure and hold the
rules; `draft_visit` adds what needs the database: the actor's scope, and one set-based query that
loads the few candidate customers (and drops any the actor may not see).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from tortoise.functions import Count

from bot.models import Customer, User, Visit, VisitKind
from bot.services.language.capture_names import Mention
from bot.services.language.capture_text import Amount, Reading, read_note
from bot.services.people.permissions import scope_for
from bot.services.records.customers import DuplicateFinder

__all__ = [
    "Amount",
    "Candidate",
    "Draft",
    "Reading",
    "close_mentions",
    "draft_visit",
    "usual_kind",
]

# A second customer is "as likely" when the note mentions at least this share of what it
# mentions of the best one: "星辰" matches 上海星辰贸易 and 北京星辰科技 equally (ask), while
# "星辰贸易" matches the first far better (no question).
CLOSE_SHARE = 0.85
MAX_CHOICES = 5
# What a second name must have written exactly to be offered beside the best one (one
# distinctive word, or two distinctive characters).
NAMED_APART = 1.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A customer the note may be about."""

    customer_id: int
    name: str
    owner_id: int
    score: float


@dataclass(frozen=True, slots=True)
class Draft:
    """A visit not yet saved: what the note says, and who it may be about."""

    reading: Reading
    candidates: tuple[Candidate, ...]

    @property
    def customer(self) -> Candidate | None:
        """The customer, when the note names exactly one clearly."""
        return self.candidates[0] if len(self.candidates) == 1 else None

    @property
    def is_visit_log(self) -> bool:
        """Whether the note reads as a visit log at all (a greeting or noise does not)."""
        if self.reading.small_talk:
            return False
        return bool(self.candidates) or self.reading.says_something


def close_mentions(mentions: list[Mention]) -> list[Mention]:
    """The best mention alone when it stands out, else every mention about as good.

    Mentions come best first: the most written exactly, then the most mentioned. One is as good
    as the best when it is mentioned about as much, and about as much of it is written exactly,
    so a name written as it is ("Acme Trading") is not put next to a look-alike one slip away
    ("Acme Tradng"), while two names the note fits equally are both offered.
    """
    if not mentions:
        return []
    best = mentions[0]
    close = [
        m
        for m in mentions
        if (m.weight >= CLOSE_SHARE * best.weight and m.exact >= CLOSE_SHARE * best.exact)
        or (m.coverage >= 1.0 and m.exact >= m.weight)  # named in full, as it is written
        or _named_apart(m, best)
    ]
    return close[:MAX_CHOICES]


def _named_apart(mention: Mention, best: Mention) -> bool:
    """A second customer written out in words of its own, none shared with the best one: the
    note names two ("上午去了恒达精密，下午去了天一塑料"), so the rep is asked.

    Written out means a Latin word of the name, or three of its characters in a row (two
    character pairs): a lone pair is too often part of other words ("明天一早" has 天一).
    """
    if mention.exact < NAMED_APART or not mention.units or mention.units & best.units:
        return False
    pairs = [unit for unit in mention.units if not unit.isascii()]
    return len(pairs) >= 2 or len(pairs) < len(mention.units)


def _resolved(mentions: list[Mention], finder: DuplicateFinder) -> list[Mention]:
    """Mentions of a merged customer's old name count for the customer kept (once)."""
    seen: set[int] = set()
    resolved: list[Mention] = []
    for mention in mentions:
        cid = finder.resolve(mention.customer_id)
        if cid not in seen:
            seen.add(cid)
            resolved.append(replace(mention, customer_id=cid))
    return resolved


async def draft_visit(
    actor: User,
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    finder: DuplicateFinder,
    currency: str = "CNY",
) -> Draft:
    """Read a note and find its customer among those the actor may see."""
    reading = read_note(text, now=now, tz=tz, currency=currency)
    if reading.small_talk:
        return Draft(reading, ())
    await finder.refresh()
    scope = await scope_for(actor)
    index = finder.mentions
    found = index.mentions(reading.text, scope.allows)
    if not found:
        found = index.misspelt_mentions(reading.text, scope.owner_ids)
    close = _resolved(close_mentions(found), finder)
    if not close:
        return Draft(reading, ())
    query = Customer.filter(id__in=[m.customer_id for m in close])
    if scope.owner_ids is not None:
        query = query.filter(owner_id__in=list(scope.owner_ids))
    rows = {
        cid: (name, owner) for cid, name, owner in await query.values_list("id", "name", "owner_id")
    }
    candidates = tuple(
        Candidate(m.customer_id, rows[m.customer_id][0], rows[m.customer_id][1], m.weight)
        for m in close
        if m.customer_id in rows
    )
    return Draft(reading, candidates)


async def usual_kind(actor: User) -> VisitKind:
    """The kind of contact the actor logs most (a visit for a new rep): a note that names no
    kind is drafted with it, and one tap on the draft changes it."""
    rows = (
        await Visit.filter(user_id=actor.id)
        .annotate(n=Count("id"))
        .group_by("kind")
        .order_by("-n", "kind")
        .limit(1)
        .values_list("kind", "n")
    )
    return VisitKind(rows[0][0]) if rows else VisitKind.VISIT
