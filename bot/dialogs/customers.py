"""/newcustomer (with the duplicate check before anything is saved) and /customer (find)."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from bot.dialogs.base import (
    Answer,
    Ctx,
    Dialog,
    Done,
    Invalid,
    Question,
    Start,
    Step,
    Transition,
)
from bot.dialogs.common import (
    GIVEN,
    action,
    card_reply,
    customer_card,
    local_today,
    not_given,
    on_shared_card,
    preselect_customer,
    refusal,
)
from bot.dialogs.convert import to_id
from bot.dialogs.feature import EVERYONE, Command, Feature
from bot.dialogs.widgets import NOT_A_PHONE, PHONE, Confirm, CustomerPick, Jump, Option, Pick, Text
from bot.i18n import N_
from bot.messages import Reply, SharedContact
from bot.services.errors import InvalidInput, ServiceError
from bot.services.language.phones import format_phone
from bot.services.records import customers

SAVE_NOW = "savenow"
NOT_ONLY_PUNCTUATION = N_("A name needs letters or characters, not only punctuation.")


def summary_lines(ctx: Ctx, data: dict[str, Any]) -> list[str]:
    """What was typed besides the name, one line a field, as the summary and the saved line
    show it."""
    lines = []
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
    return lines


def summary_text(ctx: Ctx, data: dict[str, Any]) -> str:
    return "\n".join(
        [ctx._("Save this customer?"), f"🏢 {data['name']}", *summary_lines(ctx, data)]
    )


async def save_customer(ctx: Ctx, data: dict[str, Any]) -> Transition:
    """Create the customer; the saved line repeats what was stored."""
    draft = customers.CustomerDraft(
        name=data["name"],
        phone=data.get("phone"),
        address=data.get("address", ""),
        industry=data.get("industry", ""),
        tier=data.get("tier", ""),
        notes=data.get("notes", ""),
    )
    try:
        customer = await customers.create_customer(ctx.user, draft)
    except ServiceError as refused:
        raise Invalid(refusal(ctx, refused)) from refused
    buttons = (
        (
            action(ctx._("Log a visit"), "visit", customer.id),
            action(ctx._("Add a contact"), "contact", customer.id),
        ),
    )
    saved = "✅ " + ctx._("Saved: {name}").format(name=customer.name)
    return Done([Reply("\n".join([saved, *summary_lines(ctx, data)]), buttons)])


SAVE_NOW_JUMP = Jump(SAVE_NOW, N_("Save now ✓"), to="confirm", run=save_customer)

NAME = Text(
    key="name",
    prompt=N_("New customer. What is the company called?"),
    max_len=customers.MAX_NAME,
    empty=NOT_ONLY_PUNCTUATION,
    clean=customers.clean_name,
    invalid=NOT_ONLY_PUNCTUATION,
    when=not_given("name"),
    keep=True,
)


async def begin_new(ctx: Ctx, args: str) -> dict[str, Any] | Start:
    """`/newcustomer Acme Trading` starts with the name filled in, checked as a typed one: a
    name that would be refused is said at once, and the name question asked."""
    if not args.strip():
        return {}
    try:
        return {"name": await NAME.read(ctx, {}, Answer(text=args)), GIVEN: ["name"]}
    except Invalid as bad:
        return Start("newcustomer", note=[Reply(bad.message)])


def _card_into_customer(ctx: Ctx, data: dict[str, Any], card: SharedContact) -> None:
    """A shared contact card gives the name and, if it reads, the phone."""
    try:
        data["name"] = customers.clean_name(card.name)
    except InvalidInput as bad:
        raise Invalid(ctx._(NOT_ONLY_PUNCTUATION)) from bad
    data[GIVEN] = ["name"]
    if card.phone:
        with suppress(InvalidInput):
            data["phone"] = customers.clean_phone(card.phone)
            data[GIVEN] = ["name", "phone"]


def _card_phone(ctx: Ctx, data: dict[str, Any], card: SharedContact) -> None:
    try:
        data["phone"] = customers.clean_phone(card.phone or "")
    except InvalidInput as bad:
        raise Invalid(ctx._(NOT_A_PHONE)) from bad


async def ask_duplicates(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    checked = [data["name"], data.get("phone")]
    if data.get("dup_checked") != checked:  # found once per name and phone, then re-read
        hits = await ctx.finder.find(data["name"], data.get("phone"))
        data["dup_checked"] = checked
        data["dups"] = [hit.customer_id for hit in hits]
        data["dup_lines"] = [
            [
                hit.customer_id,
                hit.name,
                hit.owner_id == ctx.user.id,
                hit.owner_name if hit.owner_id is not None else None,  # None: in the pool
                hit.same_phone,
            ]
            for hit in hits
        ]
    found = data.get("dup_lines") or []
    if not found:
        return None
    lines = [ctx.ngettext("This may already exist:", "These may already exist:", len(found))]
    choices: list[tuple[str, str]] = []
    for number, (customer_id, name, own, owner_name, same_phone) in enumerate(found, 1):
        owner = ctx._("you") if own else owner_name
        if owner_name is None and not own:
            line = ctx._("{n}. {name} (in the public pool)").format(n=number, name=name)
        else:
            line = ctx._("{n}. {name} (owned by {owner})").format(n=number, name=name, owner=owner)
        if same_phone:
            line += " · " + ctx._("same phone")
        lines.append(line)
        choices.append((f"open:{customer_id}", ctx._("Open {name}").format(name=name[:40])))
    lines.append(ctx._("Is it the same customer?"))
    choices.append(("new", ctx._("No, it is a new customer")))
    return Question("\n".join(lines), choices)


async def answer_duplicates(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice == "new":
        data["insisted"] = True
        return None
    if answer.choice and answer.choice.startswith("open:"):
        customer_id = to_id(answer.choice.split(":", 1)[1])
        if customer_id is None or customer_id not in data.get("dups", []):
            raise Invalid(ctx._("Please pick one of the options."))
        try:
            summary = await customers.card(ctx.user, customer_id, today=local_today(ctx))
        except customers.NotFound:
            pooled = {line[0]: line[3] is None for line in data.get("dup_lines") or []}
            if pooled.get(customer_id):
                text = ctx._("That customer is in the public pool: claim it and it is yours.")
                claim = action(ctx._("Claim"), "pclaim", customer_id)
                return Done([Reply(text, ((claim,),))])
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


TIERS = tuple(Option(tier, tier) for tier in customers.TIERS)

NEW_CUSTOMER = Dialog(
    name="newcustomer",
    title=N_("New customer"),
    begin=begin_new,
    steps=(
        on_shared_card(NAME, _card_into_customer),
        on_shared_card(
            PHONE,
            _card_phone,
        ),
        # The possible duplicates, found from name and phone, each with its own Open button:
        # computed choices that no widget offers.
        Step("dups", ask_duplicates, answer_duplicates),
        Text(
            key="address",
            prompt=N_("Address? (optional)"),
            optional=True,
            max_len=300,
            empty=N_("Please type it, or skip."),
            jumps=(SAVE_NOW_JUMP,),
        ),
        Text(
            key="industry",
            prompt=N_("Industry? (optional)"),
            optional=True,
            max_len=100,
            empty=N_("Please type it, or skip."),
            jumps=(SAVE_NOW_JUMP,),
        ),
        Pick(
            key="tier",
            prompt=N_("Tier? A is the most important. (optional)"),
            optional=True,
            choices=TIERS,
            columns=3,
            invalid=N_("Please choose A, B or C."),
        ),
        Text(
            key="notes",
            prompt=N_("Any notes? (optional)"),
            optional=True,
            max_len=2000,
            multiline=True,
            keep=True,
            empty=N_("Please type it, or skip."),
            jumps=(SAVE_NOW_JUMP,),
        ),
        Confirm(prompt=summary_text, save=save_customer),
    ),
)


# --- /customer: find and open ---------------------------------------------------------------


async def begin_find(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    """`/customer acme`: one match opens its card at once; several become a pick list."""
    data = await preselect_customer(ctx, args)
    if data.get("customer_id"):
        return [await card_reply(ctx, data["customer_id"])]
    return data


async def _open_card(ctx: Ctx, data: dict[str, Any]) -> Transition:
    return Done([await card_reply(ctx, data["customer_id"])])


FIND_CUSTOMER = Dialog(
    name="customer",
    title=N_("Find customer"),
    begin=begin_find,
    steps=(CustomerPick(then=_open_card),),
)


async def open_customer(ctx: Ctx, arg: str) -> list[Reply] | Start:
    """Action button: open a customer's card."""
    customer_id = to_id(arg)
    if customer_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    return [await card_reply(ctx, customer_id)]


FEATURE = Feature(
    name="customers",
    commands=(
        Command("newcustomer", N_("create a customer"), EVERYONE, dialog=NEW_CUSTOMER),
        Command("customer", N_("find a customer: /customer acme"), EVERYONE, dialog=FIND_CUSTOMER),
    ),
    actions={"cust": open_customer},
)
