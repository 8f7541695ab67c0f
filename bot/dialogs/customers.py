"""/newcustomer (with the duplicate check before anything is saved) and /customer (find)."""

from __future__ import annotations

from typing import Any

from bot.dialogs.base import (
    Answer,
    Ctx,
    Dialog,
    Done,
    Goto,
    Invalid,
    Question,
    Start,
    Step,
    Transition,
)
from bot.dialogs.common import (
    MORE,
    action,
    card_reply,
    customer_card,
    local_today,
    search_into,
    text_of,
)
from bot.dialogs.feature import EVERYONE, Command, Feature
from bot.i18n import N_
from bot.messages import Reply
from bot.services import customers
from bot.services.errors import InvalidInput
from bot.services.phones import format_phone

SAVE_NOW = "savenow"


def _save_now(ctx: Ctx) -> tuple[str, str]:
    return (SAVE_NOW, ctx._("Save now ✓"))


async def begin_new(ctx: Ctx, args: str) -> dict[str, Any]:
    """`/newcustomer Acme Trading` starts with the name filled in."""
    name = " ".join(args.split())
    return {"name": name} if name else {}


async def ask_name(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if data.get("name"):
        return None
    return Question(ctx._("New customer. What is the company called?"))


async def answer_name(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.contact is not None:
        data["name"] = customers.clean_name(answer.contact.name)
        if answer.contact.phone:
            data["phone"] = customers.clean_phone(answer.contact.phone)
        return None
    name = text_of(
        answer, ctx, max_len=customers.MAX_NAME, what=ctx._("Please type the company name.")
    )
    try:
        data["name"] = customers.clean_name(name)
    except InvalidInput as bad:
        raise Invalid(ctx._("A name needs letters or characters, not only punctuation.")) from bad
    return None


async def ask_phone(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if "phone" in data:
        return None
    return Question(ctx._("Phone number? (optional)"))


async def answer_phone(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    raw = answer.contact.phone if answer.contact and answer.contact.phone else answer.text or ""
    try:
        data["phone"] = customers.clean_phone(raw)
    except InvalidInput as bad:
        raise Invalid(
            ctx._("That does not look like a phone number, e.g. 138 1234 5678 or +49 30 1234567.")
        ) from bad
    return None


async def ask_duplicates(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if data.get("dup_checked"):
        return None
    hits = await ctx.finder.find(data["name"], data.get("phone"))
    data["dup_checked"] = True
    if not hits:
        return None
    lines = [ctx.ngettext("This may already exist:", "These may already exist:", len(hits))]
    choices: list[tuple[str, str]] = []
    for number, hit in enumerate(hits, 1):
        owner = ctx._("you") if hit.owner_id == ctx.user.id else hit.owner_name
        line = ctx._("{n}. {name} (owned by {owner})").format(n=number, name=hit.name, owner=owner)
        if hit.same_phone:
            line += " · " + ctx._("same phone")
        lines.append(line)
        choices.append((f"open:{hit.customer_id}", ctx._("Open {name}").format(name=hit.name[:40])))
    lines.append(ctx._("Is it the same customer?"))
    choices.append(("new", ctx._("No, it is a new customer")))
    data["dups"] = [hit.customer_id for hit in hits]
    return Question("\n".join(lines), choices)


async def answer_duplicates(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice == "new":
        data["insisted"] = True
        return None
    if answer.choice and answer.choice.startswith("open:"):
        customer_id = int(answer.choice.split(":", 1)[1])
        if customer_id not in data.get("dups", []):
            raise Invalid(ctx._("Please pick one of the options."))
        try:
            summary = await customers.card(ctx.user, customer_id, today=local_today(ctx))
        except customers.NotFound:
            return Done(
                [
                    Reply(
                        ctx._(
                            "That customer belongs to another rep, so I cannot open it "
                            "for you. Ask them or your manager; nothing was saved."
                        )
                    )
                ]
            )
        return Done(
            [Reply(ctx._("OK, nothing new was saved. Here it is:")), customer_card(ctx, summary)]
        )
    raise Invalid(ctx._("Please pick one of the options."))


def _optional_text(key: str, prompt: str, max_len: int) -> Step:
    """An optional free-text field with a 'Save now' shortcut to the summary."""

    async def ask(ctx: Ctx, data: dict[str, Any]) -> Question | None:
        return Question(ctx._(prompt), [_save_now(ctx)])

    async def answer(ctx: Ctx, data: dict[str, Any], ans: Answer) -> Transition:
        if ans.choice == SAVE_NOW:
            return Goto("confirm")
        data[key] = text_of(ans, ctx, max_len=max_len, what=ctx._("Please type it, or skip."))
        return None

    return Step(key, ask, answer, optional=True)


async def ask_tier(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    choices = [(tier, tier) for tier in customers.TIERS]
    return Question(ctx._("Tier? A is the most important. (optional)"), choices, columns=3)


async def answer_tier(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    value = answer.choice or answer.text or ""
    try:
        data["tier"] = customers.clean_tier(value)
    except InvalidInput as bad:
        raise Invalid(ctx._("Please choose A, B or C.")) from bad
    return None


def summary_text(ctx: Ctx, data: dict[str, Any]) -> str:
    lines = [ctx._("Save this customer?"), f"🏢 {data['name']}"]
    if data.get("phone"):
        lines.append(ctx._("Phone: {phone}").format(phone=format_phone(data["phone"])))
    if data.get("address"):
        lines.append(ctx._("Address: {address}").format(address=data["address"]))
    if data.get("industry"):
        lines.append(ctx._("Industry: {industry}").format(industry=data["industry"]))
    if data.get("tier"):
        lines.append(ctx._("Tier: {tier}").format(tier=data["tier"]))
    if data.get("notes"):
        lines.append(ctx._("Notes: {notes}").format(notes=data["notes"]))
    return "\n".join(lines)


async def ask_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(summary_text(ctx, data), [("save", ctx._("✅ Save"))])


async def answer_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice != "save" and (answer.text or "").strip().casefold() not in {
        "save",
        "yes",
        "y",
        "ok",
        ctx._("save").casefold(),
        ctx._("yes").casefold(),
    }:
        raise Invalid(ctx._("Tap Save to keep it, or Cancel to drop it."))
    draft = customers.CustomerDraft(
        name=data["name"],
        phone=data.get("phone"),
        address=data.get("address", ""),
        industry=data.get("industry", ""),
        tier=data.get("tier", ""),
        notes=data.get("notes", ""),
    )
    customer = await customers.create_customer(ctx.user, draft)
    buttons = (
        (
            action(ctx._("Log a visit"), "visit", customer.id),
            action(ctx._("Add a contact"), "contact", customer.id),
        ),
    )
    return Done([Reply("✅ " + ctx._("Saved: {name}").format(name=customer.name), buttons)])


NEW_CUSTOMER = Dialog(
    name="newcustomer",
    title=N_("New customer"),
    begin=begin_new,
    steps=(
        Step("name", ask_name, answer_name),
        Step("phone", ask_phone, answer_phone, optional=True),
        Step("dups", ask_duplicates, answer_duplicates),
        _optional_text("address", N_("Address? (optional)"), 300),
        _optional_text("industry", N_("Industry? (optional)"), 100),
        Step("tier", ask_tier, answer_tier, optional=True),
        _optional_text("notes", N_("Any notes? (optional)"), 2000),
        Step("confirm", ask_confirm, answer_confirm),
    ),
)


# --- /customer: find and open ---------------------------------------------------------------


async def begin_find(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    """`/customer acme`: one match opens its card at once; several become a pick list."""
    query = " ".join(args.split())
    if not query:
        return {}
    data: dict[str, Any] = {}
    try:
        await search_into(ctx, data, query)
    except Invalid as bad:
        return [Reply(bad.message)]
    if data.get("customer_id"):
        return [await card_reply(ctx, data["customer_id"])]
    return data


async def ask_find(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    candidates = data.get("candidates") or []
    if not candidates:
        return Question(ctx._("Which customer? Type any part of the name."))
    offset, total = int(data.get("offset", 0)), int(data.get("total", 0))
    choices = [(str(cid), label) for cid, label in candidates]
    if offset + len(candidates) < total:
        choices.append((f"{MORE}{offset + len(candidates)}", ctx._("More ›")))
    if offset:
        choices.append((f"{MORE}{max(0, offset - ctx.settings.page_size)}", ctx._("‹ Previous")))
    text = ctx._("{first}–{last} of {total} for “{query}”:").format(
        first=offset + 1, last=offset + len(candidates), total=total, query=data.get("query", "")
    )
    return Question(text, choices)


async def answer_find(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice and answer.choice.startswith(MORE):
        await search_into(ctx, data, data.get("query", ""), int(answer.choice[len(MORE) :]))
        return Goto("find")
    if answer.choice:
        if answer.choice not in {str(cid) for cid, _ in data.get("candidates") or []}:
            raise Invalid(ctx._("Please pick one of the customers listed."))
        return Done([await card_reply(ctx, int(answer.choice))])
    query = text_of(answer, ctx, max_len=100, what=ctx._("Please type part of the name."))
    data.pop("customer_id", None)
    await search_into(ctx, data, query)
    if data.get("customer_id"):
        return Done([await card_reply(ctx, data["customer_id"])])
    return Goto("find")


FIND_CUSTOMER = Dialog(
    name="customer",
    title=N_("Find customer"),
    begin=begin_find,
    steps=(Step("find", ask_find, answer_find),),
)


async def open_customer(ctx: Ctx, arg: str) -> list[Reply] | Start:
    """Action button: open a customer's card."""
    if not arg.isdigit():
        return [Reply(ctx._("That button is not valid any more."))]
    return [await card_reply(ctx, int(arg))]


FEATURE = Feature(
    name="customers",
    commands=(
        Command("newcustomer", N_("create a customer"), EVERYONE, dialog=NEW_CUSTOMER),
        Command("customer", N_("find a customer: /customer acme"), EVERYONE, dialog=FIND_CUSTOMER),
    ),
    actions={"cust": open_customer},
)
