"""Pieces several dialogs share: the customer picker, paging, and formatting helpers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot.buttons import Action, Move, pack
from bot.dialogs import risk
from bot.dialogs.base import (
    Answer,
    Ctx,
    Done,
    Goto,
    Invalid,
    Question,
    Step,
    StepLike,
    Transition,
)
from bot.dialogs.convert import to_id, to_int
from bot.dialogs.labels import VISIT_KINDS
from bot.i18n import N_, Translator
from bot.messages import Button, ButtonKind, Reply, SharedContact
from bot.models import Role, VisitKind
from bot.services.discipline import pool
from bot.services.errors import NotFound, PermissionDenied, ServiceError
from bot.services.language.phones import format_phone
from bot.services.records import customer_changes, customers, timeline, visits

MORE = "more:"
MISSED = "missed"  # what a "/visit delta" argument found (nothing), said before the question
GIVEN = "given"  # keys filled in up front (a command's argument, a shared card): not asked


def not_given(key: str) -> Callable[[Ctx, dict[str, Any]], bool]:
    """A question's `when`: ask unless its value came up front. A typed value is asked again
    after Back (with Keep), so it can be fixed."""
    return lambda ctx, data: key not in (data.get(GIVEN) or ())


def kind_label(ctx: Ctx, kind: str) -> str:
    """A visit's kind in the user's language."""
    label = VISIT_KINDS.get(VisitKind(kind)) if kind in set(VisitKind) else None
    return ctx._(label) if label else kind


def action(label: str, name: str, arg: object = "") -> Button:
    """A button that runs an action outside any dialog (open a customer, log a visit...)."""
    return Button(label, pack(Action(name, str(arg))), ButtonKind.ACTION)


def pager(ctx: Ctx, name: str, offset: int, shown: int, total: int) -> tuple[Button, ...]:
    """‹ Previous / More › under a list page; the action `name` gets the offset to show."""
    size = ctx.settings.page_size
    buttons: list[Button] = []
    if offset:
        buttons.append(action(ctx._("‹ Previous"), name, max(0, offset - size)))
    if offset + shown < total:
        buttons.append(action(ctx._("More ›"), name, offset + size))
    return tuple(buttons)


def local_today(ctx: Ctx) -> date:
    """Today in the user's time zone: 'due today' and 'overdue' mean their today."""
    return ctx.now.astimezone(ctx.t.timezone).date()


def distance_text(ctx: Ctx, metres: int) -> str:
    """'350 m' / '1.2 km' in the reader's number format."""
    if metres < 1000:
        return ctx._("{n} m").format(n=metres)
    return ctx._("{n} km").format(n=ctx.t.decimal(Decimal(metres / 1000).quantize(Decimal("0.1"))))


def on_site_text(t: Translator, minutes: int) -> str:
    """'⏱ 45 min on site' / '⏱ 1 h 20 min on site', the time a checked-out visit took."""
    if minutes < 60:
        return t.gettext("⏱ {minutes} min on site").format(minutes=minutes)
    return t.gettext("⏱ {hours} h {minutes} min on site").format(
        hours=minutes // 60, minutes=minutes % 60
    )


def visit_marks(ctx: Ctx, visit: timeline.VisitLine) -> list[str]:
    """What a visit's line adds after who logged it: a far or rushed check-in, the time on
    site, a far check-out, its photos."""
    marks: list[str] = []
    if visit.far_m is not None:
        marks.append(
            ctx._("📍 checked in {distance} away").format(distance=distance_text(ctx, visit.far_m))
        )
    if visit.too_fast:
        marks.append(ctx._("🚄 impossible journey"))
    if visit.minutes is not None:
        marks.append(on_site_text(ctx.t, visit.minutes))
    if visit.out_far_m is not None:
        marks.append(
            ctx._("📍 checked out {distance} away").format(
                distance=distance_text(ctx, visit.out_far_m)
            )
        )
    if visit.photos:
        marks.append(
            ctx.ngettext("📷 {count} photo", "📷 {count} photos", visit.photos).format(
                count=visit.photos
            )
        )
    return marks


def photo_buttons(ctx: Ctx, shown: Sequence[timeline.VisitLine]) -> list[tuple[Button, ...]]:
    """A row of 'Photos' buttons for the listed visits that have photos (sent back on tap)."""
    buttons = tuple(
        action(
            ctx._("📷 Photos {date}").format(date=ctx.t.date(visit.at)), "photos", visit.visit_id
        )
        for visit in shown
        if visit.photos
    )
    return [buttons] if buttons else []


def amount_text(ctx: Ctx, amount: Decimal | str, currency: str) -> str:
    """An amount in the user's locale with its currency."""
    return ctx.t.money(Decimal(str(amount)), currency)


def customer_line(ctx: Ctx, summary: customers.CustomerBrief | customers.CustomerSummary) -> str:
    """'Acme Trading Co. · Li Wei · last contact Nov 18' — fits a lock screen."""
    parts = [summary.name]
    if summary.owner_id is None:
        parts.append(ctx._("in the public pool"))
    elif summary.owner_id != ctx.user.id:
        parts.append(summary.owner_name)
    if summary.last_contact_at:
        parts.append(ctx._("last contact {when}").format(when=ctx.t.date(summary.last_contact_at)))
    else:
        parts.append(ctx._("never contacted"))
    return " · ".join(parts)


def pooled_line(ctx: Ctx, since: datetime | None, previous: str) -> str:
    """'🌊 In the public pool since Dec 8 · last with Li Wei': who had it, never the notes."""
    line = "🌊 " + ctx._("In the public pool since {date}").format(
        date=ctx.t.date(since) if since else "?"
    )
    if previous:
        line += " · " + ctx._("last with {name}").format(name=previous)
    return line


def customer_card(
    ctx: Ctx,
    summary: customers.CustomerSummary,
    recent: Sequence[timeline.VisitLine] = (),
    *,
    at_risk: datetime | None = None,
) -> Reply:
    """The card /customer and buttons open: owner, contact details, last and next contact,
    the money, the last visits with what was said, and what the user may do with it."""
    lines = [f"🏢 {summary.name}"]
    if summary.owner_id is not None:
        lines.append(ctx._("Owner: {name}").format(name=summary.owner_name))
    else:
        lines.append(pooled_line(ctx, summary.pooled_at, summary.previous_owner_name))
    if summary.phone:
        lines.append(ctx._("Phone: {phone}").format(phone=format_phone(summary.phone)))
    if summary.address:
        lines.append(ctx._("Address: {address}").format(address=summary.address))
    if summary.industry or summary.tier:
        detail = " · ".join(
            x
            for x in (
                summary.industry,
                summary.tier and ctx._("tier {tier}").format(tier=summary.tier),
            )
            if x
        )
        lines.append(detail)
    last = ctx.t.datetime(summary.last_contact_at) if summary.last_contact_at else ctx._("never")
    lines.append(ctx._("Last contact: {when}").format(when=last))
    if summary.next_followup_at:
        lines.append(
            ctx._("Next follow-up: {when}").format(when=ctx.t.datetime(summary.next_followup_at))
        )
    if at_risk is not None:
        lines.append(risk.line(ctx, at_risk))
    if summary.open_deals:
        pipeline = " + ".join(ctx.t.money(amount, cur) for cur, amount in summary.pipeline)
        lines.append(
            ctx.ngettext(
                "💼 {count} open deal · {amount}",
                "💼 {count} open deals · {amount}",
                summary.open_deals,
            ).format(count=summary.open_deals, amount=pipeline)
        )
    for currency, owed, overdue in summary.owed:
        if overdue:
            line = ctx._("💴 Owes {amount}, {overdue} of it overdue").format(
                amount=ctx.t.money(owed, currency), overdue=ctx.t.money(overdue, currency)
            )
        else:
            line = ctx._("💴 Owes {amount}, none overdue").format(
                amount=ctx.t.money(owed, currency)
            )
        lines.append(line)
    for name, title, phone in summary.contacts[:5]:
        person = ctx.t.listed((name, title, format_phone(phone) if phone else ""))
        lines.append(f"👤 {person}")
    for visit in recent:
        head = " · ".join(
            [
                f"🗓 {ctx.t.date(visit.at)}",
                kind_label(ctx, visit.kind),
                visit.user_name,
                *visit_marks(ctx, visit),
            ]
        )
        said = " ".join(visit.notes.split())
        lines.append(f"{head}: {said[:160]}" if said else head)
    rows = [
        (
            action(ctx._("Log a visit"), "visit", summary.id),
            action(ctx._("Add a contact"), "contact", summary.id),
        ),
        (
            action(ctx._("History"), "hist", f"{summary.id}:0"),
            action(ctx._("Edit"), "cedit", summary.id),
        ),
    ]
    rows += photo_buttons(ctx, recent)
    if customer_changes.can_merge(ctx.user):
        rows.append((action(ctx._("Merge into…"), "cmerge", summary.id),))
    if summary.owner_id is None and pool.can_assign(ctx.user):
        rows.append((action(ctx._("👉 Give to a rep"), "passign", summary.id),))
    return Reply("\n".join(lines), tuple(rows))


async def card_reply(ctx: Ctx, customer_id: int) -> Reply:
    """The card of a customer the user may see, with money figures as of the user's today."""
    summary = await customers.card(ctx.user, customer_id, today=local_today(ctx))
    late = await risk.oldest_due(ctx, [customer_id])
    return customer_card(
        ctx, summary, await timeline.recent_visits(customer_id), at_risk=late.get(customer_id)
    )


def no_match(ctx: Ctx, query: str) -> str:
    """Nothing found, said for what the person can see: their own customers, their team's, or
    all of them."""
    role = Role(ctx.user.role)
    if role is Role.REP:
        text = N_(
            "No customer of yours matches “{query}”. Try another part of the name, or create "
            "it with /newcustomer."
        )
    elif role is Role.MANAGER:
        text = N_(
            "No customer of your team matches “{query}”. Try another part of the name, or "
            "create it with /newcustomer."
        )
    else:
        text = N_(
            "No customer matches “{query}”. Try another part of the name, or create it with "
            "/newcustomer."
        )
    return ctx._(text).format(query=" ".join(query.split())[:50])


async def ask_customer(ctx: Ctx, data: dict[str, Any], prompt: str = "") -> Question | None:
    """The picker's question: the first prompt, or one page of matches to tap."""
    if data.get("customer_id"):
        return None
    candidates: list[list[Any]] = data.get("candidates") or []
    if not candidates:
        text = prompt or ctx._("Which customer? Type any part of the name.")
        missed = data.get(MISSED)
        return Question(f"{missed}\n\n{text}" if missed else text)
    offset = to_int(str(data.get("offset", 0))) or 0
    total = to_int(str(data.get("total", len(candidates)))) or len(candidates)
    choices = [(str(cid), label) for cid, label in candidates]
    if offset + len(candidates) < total:
        choices.append((f"{MORE}{offset + len(candidates)}", ctx._("More ›")))
    if offset:
        choices.append((f"{MORE}{max(0, offset - ctx.settings.page_size)}", ctx._("‹ Previous")))
    text = ctx.ngettext(
        "{count} customer matches “{query}”. Pick one, or type another name:",
        "{count} customers match “{query}”. Pick one, or type another name:",
        total,
    ).format(count=total, query=data.get("query", ""))
    return Question(text, choices)


async def search_into(ctx: Ctx, data: dict[str, Any], query: str, offset: int = 0) -> None:
    """Run a visible-customer search and keep one page of it in the dialog data."""
    found, total = await customers.search(
        ctx.user, query, limit=ctx.settings.page_size, offset=offset, finder=ctx.finder
    )
    if not found:
        raise Invalid(no_match(ctx, query))
    if total == 1 and offset == 0:
        data["customer_id"] = found[0].id
        data["customer_name"] = found[0].name
        data.pop("candidates", None)
        return
    data["query"] = query[:100]
    data["offset"] = offset
    data["total"] = total
    data["candidates"] = [[s.id, customer_line(ctx, s)] for s in found]


async def _answer_customer(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    data.pop(MISSED, None)
    if answer.choice and answer.choice.startswith(MORE):
        offset = to_int(answer.choice[len(MORE) :], high=10**6)
        if offset is None:
            raise Invalid(ctx._("Please pick one of the customers listed."))
        await search_into(ctx, data, data.get("query", ""), offset)
        return Goto("customer")
    if answer.choice:
        chosen = {str(cid): label for cid, label in data.get("candidates") or []}
        customer_id = to_id(answer.choice)
        if answer.choice not in chosen or customer_id is None:
            raise Invalid(ctx._("Please pick one of the customers listed."))
        summary = await customers.brief(ctx.user, customer_id)
        data["customer_id"] = summary.id
        data["customer_name"] = summary.name
        data.pop("candidates", None)
        return None
    query = " ".join((answer.text or "").split())
    if not query:
        raise Invalid(ctx._("Please type part of the customer's name."))
    if len(query) > 100:
        raise Invalid(
            ctx._("That is too long: {count} characters, at most {n}.").format(
                count=len(query), n=100
            )
        )
    await search_into(ctx, data, query)
    return None if data.get("customer_id") else Goto("customer")


CUSTOMER_STEP = Step("customer", ask_customer, _answer_customer)


async def preselect_customer(ctx: Ctx, args: str) -> dict[str, Any]:
    """`/visit Acme` or a button with a customer id fills the picker before it asks; a name
    that finds nothing is said, with the question asked again (NotFound for an id)."""
    data: dict[str, Any] = {}
    text = " ".join(args.split())
    if not text:
        return data
    customer_id = to_id(text)
    if customer_id is not None:  # a button's id: not found or not visible is refused outright
        summary = await customers.brief(ctx.user, customer_id)
        return {"customer_id": summary.id, "customer_name": summary.name}
    if len(text) > 100:
        return {MISSED: no_match(ctx, text)}
    try:
        await search_into(ctx, data, text)
    except Invalid as bad:
        return {MISSED: bad.message}
    return data


def on_shared_card(
    step: StepLike, fill: Callable[[Ctx, dict[str, Any], SharedContact], None]
) -> Step:
    """A question that also takes a shared contact card: `fill` stores what the card says (and
    may refuse it with Invalid); anything else goes to the question as usual."""

    async def answer(ctx: Ctx, data: dict[str, Any], given: Answer) -> Transition:
        if given.contact is None:
            return await step.answer(ctx, data, given)
        fill(ctx, data, given.contact)
        return None

    return Step(step.key, step.ask, answer, step.optional, step.fields)


REFUSALS = {
    "name_empty": N_("A name needs letters or characters, not only punctuation."),
    "name_too_long": N_("That name is too long (at most 200 characters)."),
    "phone_invalid": N_(
        "That does not look like a phone number, e.g. 138 1234 5678 or +49 30 1234567."
    ),
    "tier_invalid": N_("Please choose A, B or C."),
    "email_invalid": N_("That does not look like an e-mail address."),
    "currency_mismatch": N_("Please type the amount in the company currency."),
    "amount_invalid": N_("I could not read that amount. Try 1,200,000 or 1.2m or 120万 or $80k."),
    "amount_too_large": N_("That amount is too large to be right."),
    "amount_not_positive": N_("The amount must be above zero."),
    "empty": N_("Please type a few words."),
    "too_long": N_("That is too long. Please shorten it."),
    "unknown_field": N_("That field cannot be changed here."),
    "merge_into_itself": N_("That is the same customer. Type the name of the one to keep."),
    "owner_invalid": N_("That person cannot own this customer."),
}


def refusal(ctx: Ctx, error: ServiceError) -> str:
    """One sentence for a service's refusal in the customer dialogs, never its code."""
    if isinstance(error, NotFound | PermissionDenied):
        return ctx._("Not found, or not yours to see.")
    known = REFUSALS.get(error.code)
    if known is not None:
        return ctx._(known)
    return ctx._("That could not be saved. Please check what you typed and try again.")


async def save_visit(ctx: Ctx, data: dict[str, Any]) -> Done:
    """Log the visit a dialog collected (/visit, or quick capture's Confirm) and say when the
    reminder comes."""
    location = data.get("location") or [None, None]
    draft = visits.VisitDraft(
        customer_id=int(data["customer_id"]),
        kind=VisitKind(data["kind"]),
        at=datetime.fromisoformat(data["at"]),
        notes=data["notes"],
        next_followup_at=datetime.fromisoformat(data["followup"]) if data.get("followup") else None,
        latitude=location[0],
        longitude=location[1],
        transcript=data.get("transcript", ""),
        audio_ref=data.get("audio_ref", ""),
        photos=tuple((sha, mime, int(size)) for sha, mime, size in data.get("photos") or ()),
    )
    visit = await visits.log_visit(
        ctx.user, draft, now=ctx.now, radius_m=ctx.settings.checkin_radius_m
    )
    text = ctx._("Logged.")
    if draft.next_followup_at:
        text = ctx.t.sentences(
            text,
            ctx._("I will remind you on {when}.").format(
                when=ctx.t.datetime(draft.next_followup_at)
            ),
        )
    customer = data.get("customer_name", "")
    if visit.far and visit.distance_m is not None:
        far = distance_text(ctx, visit.distance_m)
        text += "\n" + ctx._(
            "📍 This check-in is {distance} from {customer}'s known place; "
            "it is marked on the visit."
        ).format(distance=far, customer=customer)
    if visit.too_fast:
        text += "\n" + ctx._(
            "🚄 You could not have come here from your previous check-in in the time between; "
            "this check-in is marked on the visit."
        )
    if visit.latitude is not None and visit.distance_m is None:
        text += "\n" + ctx._("📍 {customer}'s place is now known from this check-in.").format(
            customer=customer
        )
    if draft.photos:
        text += "\n" + ctx.ngettext(
            "📷 {count} photo attached.", "📷 {count} photos attached.", len(draft.photos)
        ).format(count=len(draft.photos))
    today = visits.start_of_local_day(ctx.now, ctx.t.timezone)
    if visit.latitude is not None and visit.at >= today:
        text += "\n" + ctx._("When you leave, share your location again or send /checkout.")
    return Done([Reply(text)])


def text_of(answer: Answer, ctx: Ctx, *, max_len: int, what: str) -> str:
    """The typed text of an answer, or Invalid with a line that says what was expected."""
    value = " ".join((answer.text or "").split()) if max_len <= 300 else (answer.text or "").strip()
    if not value:
        raise Invalid(what)
    if len(value) > max_len:
        raise Invalid(ctx._("That is too long (at most {n} characters).").format(n=max_len))
    return value


# Typed words that act like the navigation buttons, for channels without buttons (WeChat) and
# thumbs that type faster than they aim. Whole messages only: "skip the demo" is an answer.
NAV_WORDS: dict[str, Move] = {
    "skip": Move.SKIP,
    "跳过": Move.SKIP,
    "不填": Move.SKIP,
    "back": Move.BACK,
    "返回": Move.BACK,
    "上一步": Move.BACK,
    "cancel": Move.CANCEL,
    "取消": Move.CANCEL,
}


def nav_word(text: str) -> Move | None:
    """'Skip', ' 跳过 ', 'cancel.' → the navigation they mean; anything else → None."""
    folded = text.strip().strip(".!。！").strip().casefold()
    return NAV_WORDS.get(folded)
