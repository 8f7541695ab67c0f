"""/contact: add a person at a customer (typed, or from a shared contact card)."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from bot.dialogs.base import Ctx, Dialog, Done, Invalid, Start, Transition
from bot.dialogs.common import GIVEN, not_given, on_shared_card, preselect_customer, refusal
from bot.dialogs.feature import EVERYONE, Command, Feature
from bot.dialogs.widgets import PHONE, Confirm, CustomerPick, Option, Pick, Text
from bot.i18n import N_
from bot.messages import Reply, SharedContact
from bot.services.errors import InvalidInput, ServiceError
from bot.services.language.phones import format_phone
from bot.services.records import customers


def _name_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    return ctx._("{customer}: the person's name? (or share a contact card)").format(
        customer=data.get("customer_name", "")
    )


def _card_into_contact(ctx: Ctx, data: dict[str, Any], card: SharedContact) -> None:
    """A shared contact card gives the person's name and, if it reads, the phone."""
    name = " ".join(card.name.split())[:100]
    if not any(ch.isalnum() for ch in name):
        raise Invalid(ctx._("Please type the person's name."))
    data["name"] = name
    data[GIVEN] = ["name"]
    if card.phone:
        with suppress(InvalidInput):
            data["phone"] = customers.clean_phone(card.phone)
            data[GIVEN] = ["name", "phone"]


def summary_text(ctx: Ctx, data: dict[str, Any]) -> str:
    lines = [
        ctx._("Save this contact?"),
        f"🏢 {data.get('customer_name', '')}",
        f"👤 {data['name']}",
    ]
    if data.get("title"):
        lines.append(ctx._("Title: {title}").format(title=data["title"]))
    if data.get("phone"):
        lines.append(ctx._("Phone: {phone}").format(phone=format_phone(data["phone"])))
    if data.get("email"):
        lines.append(ctx._("E-mail: {email}").format(email=data["email"]))
    return "\n".join(lines)


async def save_contact(ctx: Ctx, data: dict[str, Any]) -> Transition:
    draft = customers.ContactDraft(
        name=data["name"],
        title=data.get("title", ""),
        phone=data.get("phone"),
        email=data.get("email", ""),
    )
    try:
        contact = await customers.add_contact(ctx.user, int(data["customer_id"]), draft)
    except ServiceError as refused:
        raise Invalid(refusal(ctx, refused)) from refused
    saved = ctx._("Saved: {name} at {customer}").format(
        name=contact.name, customer=data.get("customer_name", "")
    )
    return Done([Reply("✅ " + saved)])


CONTACT = Dialog(
    name="contact",
    title=N_("Add a contact"),
    begin=preselect_customer,
    steps=(
        CustomerPick(),
        on_shared_card(
            Text(
                key="name",
                prompt=_name_prompt,
                max_len=100,
                when=not_given("name"),
                keep=True,
                empty=N_("Please type the person's name."),
            ),
            _card_into_contact,
        ),
        Text(
            key="title",
            prompt=N_("Job title? (optional)"),
            optional=True,
            max_len=100,
            empty=N_("Please type it, or skip."),
        ),
        PHONE,
        Text(
            key="email",
            prompt=N_("E-mail? (optional)"),
            optional=True,
            max_len=200,
            empty=N_("That does not look like an e-mail address."),
            clean=customers.clean_email,
            invalid=N_("That does not look like an e-mail address."),
        ),
        Confirm(prompt=summary_text, save=save_contact),
    ),
)


def _card(data: dict[str, Any]) -> dict[str, Any]:
    """What a shared card fills in: a readable name and phone, nothing that would be refused."""
    filled: dict[str, Any] = {}
    with suppress(InvalidInput):
        filled["name"] = customers.clean_name(data.get("name") or "")[:100]
    with suppress(InvalidInput):
        filled["phone"] = customers.clean_phone(data.get("phone") or "")
    return filled


async def _open_with_card(ctx: Ctx, data: dict[str, Any]) -> Transition:
    card = _card(data)
    card[GIVEN] = [key for key in ("name", "phone") if key in card]
    if data["choose"] == "contact":
        return Start("contact", card)
    if "name" in card:
        card["name"] = " ".join(str(data.get("name") or "").split())
    return Start("newcustomer", card)


def _shared_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    who = " · ".join(x for x in (data.get("name"), data.get("phone")) if x)
    return ctx._("{who}: what should I make of this card?").format(who=who)


SHARED_CONTACT = Dialog(
    name="shared_contact",
    title=N_("Shared contact"),
    steps=(
        Pick(
            key="choose",
            prompt=_shared_prompt,
            choices=(
                Option("contact", N_("A person at a customer")),
                Option("customer", N_("A new customer")),
            ),
            invalid=N_("Please pick one of the options."),
            then=_open_with_card,
        ),
    ),
)


async def start_contact(ctx: Ctx, arg: str) -> Start:
    """Action button: add a contact to this customer."""
    return Start("contact", args=arg)


FEATURE = Feature(
    name="contacts",
    commands=(Command("contact", N_("add a contact person"), EVERYONE, dialog=CONTACT),),
    dialogs=(SHARED_CONTACT,),
    actions={"contact": start_contact},
)
