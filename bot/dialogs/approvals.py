"""/request: ask for a discount, credit limit, expense or handover; /approvals: decide them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.dialogs.alerts import describe
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
from bot.dialogs.common import CUSTOMER_STEP, action, amount_text, text_of
from bot.dialogs.feature import DECIDERS, EVERYONE, Command, Feature
from bot.dialogs.labels import REQUEST_KINDS
from bot.dialogs.widgets import confirmed, read_money
from bot.i18n import N_
from bot.messages import Button, OutFile, Reply
from bot.models import ApprovalKind, ApprovalStatus, Role, User
from bot.services import amounts, approvals, deals
from bot.services.errors import InvalidInput, PermissionDenied

CATEGORIES = (
    ("travel", N_("Travel")),
    ("meals", N_("Meals")),
    ("entertainment", N_("Entertainment")),
    ("samples", N_("Samples")),
    ("other", N_("Other")),
)


def escalate_limits(ctx: Ctx) -> dict[str, Decimal]:
    """Amounts per currency (and `%` for discounts) above which the next level decides too."""
    return ctx.settings.approval_escalate_above


def kind_label(ctx: Ctx, kind: ApprovalKind) -> str:
    return ctx._(REQUEST_KINDS[kind])


async def begin_request(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    if ctx.user.manager_id is None:
        return [Reply(ctx._("You have no manager to ask, so there is no one to approve this."))]
    return {}


async def ask_kind(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    choices = [(kind.value, kind_label(ctx, kind)) for kind in ApprovalKind]
    return Question(ctx._("What do you need approved?"), choices, columns=2)


async def answer_kind(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice not in {kind.value for kind in ApprovalKind}:
        raise Invalid(ctx._("Please pick one of the options."))
    for key in ("deal_id", "customer_id", "customer_name", "candidates"):
        data.pop(key, None)
    data["kind"] = answer.choice
    return None


def _kind(data: dict[str, Any]) -> ApprovalKind:
    return ApprovalKind(data["kind"])


async def ask_deal(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if _kind(data) != ApprovalKind.DISCOUNT or data.get("deal_id"):
        return None
    items, total, _ = await deals.open_deals(ctx.user, limit=8)
    if not total:
        return Question(ctx._("You have no open deals to discount. /cancel"))
    choices = [
        (str(item.id), f"{item.title[:30]} · {amount_text(ctx, item.amount, item.currency)}")
        for item in items
    ]
    return Question(ctx._("Discount on which deal?"), choices)


async def answer_deal(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if not answer.choice or not answer.choice.isdigit():
        raise Invalid(ctx._("Please pick one of the deals listed."))
    view = await deals.card(ctx.user, int(answer.choice))
    data["deal_id"], data["deal_title"] = view.id, view.title
    return None


async def ask_percent(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if _kind(data) != ApprovalKind.DISCOUNT:
        return None
    return Question(ctx._("How many percent off? e.g. 8 or 7.5%"))


async def answer_percent(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    try:
        data["percent"] = str(amounts.parse_percent(answer.text or ""))
    except InvalidInput as bad:
        raise Invalid(ctx._("Please type a percent between 0 and 100, e.g. 7.5.")) from bad
    return None


async def ask_customer(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if _kind(data) not in (ApprovalKind.CREDIT_LIMIT, ApprovalKind.HANDOVER):
        return None
    return await CUSTOMER_STEP.ask(ctx, data)


async def ask_amount(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    kind = _kind(data)
    if kind == ApprovalKind.CREDIT_LIMIT:
        return Question(
            ctx._("New credit limit for {customer}? e.g. 500k").format(
                customer=data.get("customer_name", "")
            )
        )
    if kind == ApprovalKind.EXPENSE:
        return Question(ctx._("How much was spent? e.g. 1,280 or ¥860"))
    return None


async def answer_amount(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    amount, said = read_money(ctx, answer.text or "")
    currency = said or ctx.settings.currency.upper()
    data["amount"], data["currency"] = str(amount), currency
    return None


async def ask_category(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if _kind(data) != ApprovalKind.EXPENSE:
        return None
    choices = [(key, ctx._(label)) for key, label in CATEGORIES]
    return Question(ctx._("What kind of expense?"), choices, columns=2)


async def answer_category(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    labels = {key: ctx._(label) for key, label in CATEGORIES}
    data["category"] = labels.get(answer.choice or "") or text_of(
        answer, ctx, max_len=64, what=ctx._("Please tap or type the category.")
    )
    return None


async def ask_target(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if _kind(data) != ApprovalKind.HANDOVER:
        return None
    people = (
        await User.filter(active=True, role__in=[Role.REP, Role.MANAGER])
        .exclude(id=ctx.user.id)
        .order_by("name")
        .limit(12)
        .values_list("id", "name")
    )
    return Question(
        ctx._("Hand {customer} over to whom? Tap or type a name.").format(
            customer=data.get("customer_name", "")
        ),
        [(f"u:{uid}", name) for uid, name in people],
        columns=2,
    )


async def answer_target(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice and answer.choice.startswith("u:"):
        user = await User.filter(id=int(answer.choice[2:]), active=True).first()
    else:
        typed = " ".join((answer.text or "").split())
        found = await User.filter(active=True, name__icontains=typed).limit(2) if typed else []
        user = found[0] if len(found) == 1 else None
    if user is None:
        raise Invalid(ctx._("I could not tell who that is. Please tap a name."))
    data["target_user_id"], data["target_name"] = user.id, user.name
    return None


async def ask_note(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(ctx._("A note for the approver? (optional)"))


async def answer_note(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    data["note"] = text_of(
        answer, ctx, max_len=approvals.MAX_NOTE, what=ctx._("Please type it, or skip.")
    )
    return None


async def ask_receipt(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if _kind(data) != ApprovalKind.EXPENSE:
        return None
    return Question(ctx._("Send a photo of the receipt, or skip."))


async def answer_receipt(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    ref = ctx.incoming.extra.get("photo") or ctx.incoming.extra.get("file")
    if not ref:
        raise Invalid(ctx._("That is not a photo. Send one, or skip."))
    data["receipt"] = ref[:200]
    return None


def _summary(ctx: Ctx, data: dict[str, Any]) -> list[str]:
    kind = _kind(data)
    lines = [ctx._("Send this request?"), f"📋 {kind_label(ctx, kind)}"]
    if kind == ApprovalKind.DISCOUNT:
        lines.append(f"📄 {data['deal_title']} · {data['percent']}%")
    if data.get("customer_name") and kind != ApprovalKind.DISCOUNT:
        lines.append(f"🏢 {data['customer_name']}")
    if data.get("amount"):
        lines.append(f"💰 {amount_text(ctx, data['amount'], data['currency'])}")
    if data.get("category"):
        lines.append(f"🏷 {data['category']}")
    if data.get("target_name"):
        lines.append(ctx._("To: {name}").format(name=data["target_name"]))
    if data.get("note"):
        lines.append(f"📝 {data['note']}")
    if data.get("receipt"):
        lines.append(ctx._("📎 Receipt attached"))
    return lines


async def ask_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question("\n".join(_summary(ctx, data)), [("save", ctx._("✅ Send"))])


REFUSALS = {
    "no_manager": N_("You have no manager to ask, so there is no one to approve this."),
    "handover_target_invalid": N_("That person already owns the customer, or is not active."),
}


async def answer_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if not confirmed(answer) and (answer.text or "").strip().casefold() != "send":
        raise Invalid(ctx._("Tap Send to send it, or Cancel to drop it."))
    draft = approvals.RequestDraft(
        kind=_kind(data),
        deal_id=data.get("deal_id"),
        customer_id=data.get("customer_id"),
        amount=Decimal(data["amount"]) if data.get("amount") else None,
        currency=data.get("currency", ""),
        percent=Decimal(data["percent"]) if data.get("percent") else None,
        category=data.get("category", ""),
        note=data.get("note", ""),
        attachment_ref=data.get("receipt", ""),
        target_user_id=data.get("target_user_id"),
    )
    try:
        request = await approvals.create_request(
            ctx.user, draft, now=ctx.now, escalate_above=escalate_limits(ctx)
        )
    except InvalidInput as refused:
        text = REFUSALS.get(refused.code)
        return Done(
            [
                Reply(
                    ctx._(text)
                    if text
                    else ctx._("That did not work: {reason}.").format(reason=refused.code)
                )
            ]
        )
    approver = await User.get(id=request.approver_id or 0)
    text = "📨 " + ctx._("Sent to {name}. I will tell you the decision.").format(name=approver.name)
    if request.levels_needed > 1:
        text += " " + ctx._("It also needs the next level's approval.")
    return Done([Reply(text)])


REQUEST = Dialog(
    name="request",
    title=N_("Approval request"),
    begin=begin_request,
    steps=(
        Step("kind", ask_kind, answer_kind),
        Step("deal", ask_deal, answer_deal),
        Step("percent", ask_percent, answer_percent),
        Step("customer", ask_customer, CUSTOMER_STEP.answer),
        Step("amount", ask_amount, answer_amount),
        Step("category", ask_category, answer_category),
        Step("target", ask_target, answer_target),
        Step("note", ask_note, answer_note, optional=True),
        Step("receipt", ask_receipt, answer_receipt, optional=True),
        Step("confirm", ask_confirm, answer_confirm),
    ),
)


# --- deciding ---------------------------------------------------------------------------------


async def decision_reply(ctx: Ctx, request_id: int, approve: bool, comment: str = "") -> Reply:
    """Decide and say what happened, or who was faster."""
    try:
        outcome = await approvals.decide(
            ctx.user, request_id, approve, now=ctx.now, comment=comment
        )
    except approvals.AlreadyDecided as late:
        if late.status == ApprovalStatus.PENDING:
            return Reply(
                ctx._("{name} already approved this step; it has moved on.").format(
                    name=late.by_name
                )
            )
        text = (
            ctx._("Already approved by {name}.")
            if late.status == ApprovalStatus.APPROVED
            else ctx._("Already rejected by {name}.")
        )
        return Reply(text.format(name=late.by_name))
    except InvalidInput as refused:
        if refused.code == "self_approval":
            return Reply(ctx._("You cannot decide your own request."))
        raise
    except PermissionDenied:
        return Reply(ctx._("This request is not yours to decide."))
    if outcome.status == ApprovalStatus.PENDING:
        return Reply(
            ctx._("Approved at your level; passed on to {name}.").format(
                name=outcome.next_approver_name
            )
        )
    if outcome.status == ApprovalStatus.APPROVED:
        return Reply("✅ " + ctx._("Approved. The requester is told."))
    return Reply("❌ " + ctx._("Rejected. The requester is told."))


async def approval_button(ctx: Ctx, arg: str) -> list[Reply] | Start:
    """Action 'apr:<id>:y|n|c': approve, reject, or comment first."""
    request_id, _, verb = arg.partition(":")
    if not request_id.isdigit() or verb not in ("y", "n", "c", "o", "r"):
        return [Reply(ctx._("That button is not valid any more."))]
    if verb == "c":
        return Start("apr_comment", {"request_id": int(request_id)})
    if verb == "o":
        return [await request_card(ctx, int(request_id))]
    if verb == "r":
        return [await receipt_reply(ctx, int(request_id))]
    return [await decision_reply(ctx, int(request_id), verb == "y")]


async def request_card(ctx: Ctx, request_id: int) -> Reply:
    request = await approvals.get_visible_request(ctx.user, request_id)
    requester = await User.get(id=request.requester_id)
    lines = [
        f"📋 {kind_label(ctx, ApprovalKind(request.kind))} · {requester.name}",
        describe(ctx.t, await approvals.facts(request)),
    ]
    if request.note:
        lines.append(f"📝 {request.note}")
    buttons: list[tuple[Button, ...]] = []
    if request.status == ApprovalStatus.PENDING and request.requester_id != ctx.user.id:
        buttons += [
            (
                action(ctx._("✅ Approve"), "apr", f"{request.id}:y"),
                action(ctx._("❌ Reject"), "apr", f"{request.id}:n"),
            ),
            (action(ctx._("💬 Comment"), "apr", f"{request.id}:c"),),
        ]
    if request.attachment_ref:
        buttons.append((action(ctx._("📎 Receipt"), "apr", f"{request.id}:r"),))
    return Reply("\n".join(lines), tuple(buttons))


async def receipt_reply(ctx: Ctx, request_id: int) -> Reply:
    """The receipt photo of an expense claim, for whoever may see the request."""
    request = await approvals.get_visible_request(ctx.user, request_id)
    if not request.attachment_ref:
        return Reply(ctx._("This request has no receipt attached."))
    what = describe(ctx.t, await approvals.facts(request))
    caption = ctx._("📎 Receipt · {what}").format(what=what)
    receipt = OutFile(f"receipt-{request.id}.jpg", mime="image/jpeg", ref=request.attachment_ref)
    return Reply(caption, file=receipt)


async def ask_comment(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if data.get("comment"):
        return Question(
            ctx._("Approve or reject, with your comment?"),
            [("y", ctx._("✅ Approve")), ("n", ctx._("❌ Reject"))],
            columns=2,
        )
    return Question(ctx._("Your comment for the requester?"))


async def answer_comment(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if data.get("comment"):
        if answer.choice not in ("y", "n"):
            raise Invalid(ctx._("Please tap Approve or Reject."))
        reply = await decision_reply(
            ctx, int(data["request_id"]), answer.choice == "y", data["comment"]
        )
        return Done([reply])
    data["comment"] = text_of(answer, ctx, max_len=500, what=ctx._("Please type a comment."))
    return Goto("comment")


APPROVAL_COMMENT = Dialog(
    name="apr_comment",
    title=N_("Decide with a comment"),
    steps=(Step("comment", ask_comment, answer_comment),),
)


async def list_approvals(ctx: Ctx, args: str) -> list[Reply]:
    """/approvals: what waits for the user's decision, oldest first."""
    items, total = await approvals.waiting_for(ctx.user)
    if not total:
        return [Reply(ctx._("Nothing waits for your approval. 🎉"))]
    lines = [
        ctx.ngettext(
            "{count} request waits for you:", "{count} requests wait for you:", total
        ).format(count=total)
    ]
    rows: list[tuple[Button, ...]] = []
    for number, item in enumerate(items, 1):
        label = f"{number}. {kind_label(ctx, item.kind)} · {item.requester_name}"
        lines.append(f"{label} · {ctx.t.datetime(item.waiting_since)}")
        rows.append((action(label[:40], "apr", f"{item.id}:o"),))
    return [Reply("\n".join(lines), tuple(rows))]


FEATURE = Feature(
    name="approvals",
    commands=(
        Command(
            "request",
            N_("ask for a discount, credit limit, expense or handover"),
            EVERYONE,
            dialog=REQUEST,
        ),
        Command(
            "approvals", N_("requests waiting for your decision"), DECIDERS, run=list_approvals
        ),
    ),
    dialogs=(APPROVAL_COMMENT,),
    actions={"apr": approval_button},
)
