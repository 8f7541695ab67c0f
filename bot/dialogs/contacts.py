"""/contact: add a person at a customer (typed, or from a shared contact card)."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from bot.dialogs.base import Answer, Ctx, Dialog, Done, Invalid, Question, Start, Step, Transition
from bot.dialogs.common import CUSTOMER_STEP, preselect_customer, text_of
from bot.dialogs.feature import EVERYONE, Command, Feature
from bot.i18n import N_
from bot.messages import Reply
from bot.services import customers
from bot.services.errors import InvalidInput
from bot.services.phones import format_phone, normalize_phone


async def ask_name(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if data.get("name"):
        return None
    return Question(
        ctx._("{customer}: the person's name? (or share a contact card)").format(
            customer=data.get("customer_name", "")
        )
    )


async def answer_name(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.contact is not None:
        data["name"] = answer.contact.name[:100] or "?"
        if answer.contact.phone:
            with suppress(InvalidInput):
                data["phone"] = customers.clean_phone(answer.contact.phone)
        return None
    data["name"] = text_of(answer, ctx, max_len=100, what=ctx._("Please type the person's name."))
    return None


async def ask_title(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(ctx._("Job title? (optional)"))


async def answer_title(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    data["title"] = text_of(answer, ctx, max_len=100, what=ctx._("Please type it, or skip."))
    return None


async def ask_phone(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if data.get("phone"):
        return None
    return Question(ctx._("Phone number? (optional)"))


async def answer_phone(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    try:
        data["phone"] = customers.clean_phone(answer.text or "")
    except InvalidInput as bad:
        raise Invalid(
            ctx._("That does not look like a phone number, e.g. 138 1234 5678 or +49 30 1234567.")
        ) from bad
    return None


async def ask_email(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(ctx._("E-mail? (optional)"))


async def answer_email(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    try:
        data["email"] = customers.clean_email(answer.text or "")
    except InvalidInput as bad:
        raise Invalid(ctx._("That does not look like an e-mail address.")) from bad
    return None


async def ask_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
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
    return Question("\n".join(lines), [("save", ctx._("✅ Save"))])


async def answer_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    typed = (answer.text or "").strip().casefold()
    if answer.choice != "save" and typed not in {"save", "yes", "ok", ctx._("save").casefold()}:
        raise Invalid(ctx._("Tap Save to keep it, or Cancel to drop it."))
    draft = customers.ContactDraft(
        name=data["name"],
        title=data.get("title", ""),
        phone=data.get("phone"),
        email=data.get("email", ""),
    )
    contact = await customers.add_contact(ctx.user, int(data["customer_id"]), draft)
    return Done(
        [
            Reply(
                "✅ "
                + ctx._("Saved: {name} at {customer}").format(
                    name=contact.name, customer=data.get("customer_name", "")
                )
            )
        ]
    )


CONTACT = Dialog(
    name="contact",
    title=N_("Add a contact"),
    begin=preselect_customer,
    steps=(
        CUSTOMER_STEP,
        Step("name", ask_name, answer_name),
        Step("title", ask_title, answer_title, optional=True),
        Step("phone", ask_phone, answer_phone, optional=True),
        Step("email", ask_email, answer_email, optional=True),
        Step("confirm", ask_confirm, answer_confirm),
    ),
)


async def ask_shared(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    who = " · ".join(x for x in (data.get("name"), data.get("phone")) if x)
    choices = [("contact", ctx._("A person at a customer")), ("customer", ctx._("A new customer"))]
    return Question(ctx._("{who}: what should I make of this card?").format(who=who), choices)


async def answer_shared(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    card = {"name": data.get("name") or "", "phone": data.get("phone")}
    if answer.choice == "contact":
        phone = normalize_phone(card["phone"] or "") if card["phone"] else None
        return Start(
            "contact",
            {"name": card["name"][:100], "phone": phone} if phone else {"name": card["name"][:100]},
        )
    if answer.choice == "customer":
        phone = normalize_phone(card["phone"] or "") if card["phone"] else None
        return Start(
            "newcustomer",
            {"name": card["name"], "phone": phone} if phone else {"name": card["name"]},
        )
    raise Invalid(ctx._("Please pick one of the options."))


SHARED_CONTACT = Dialog(
    name="shared_contact",
    title=N_("Shared contact"),
    steps=(Step("choose", ask_shared, answer_shared),),
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
