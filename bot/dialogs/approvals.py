"""/request: ask for a discount, credit limit, expense or handover; /approvals: decide them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.dialogs.alerts import describe
from bot.dialogs.base import Answer, Ctx, Dialog, Done, Invalid, Question, Start, Step, Transition
from bot.dialogs.common import action, amount_text
from bot.dialogs.convert import to_id
from bot.dialogs.feature import DECIDERS, EVERYONE, Command, Feature
from bot.dialogs.labels import REQUEST_KINDS
from bot.dialogs.widgets import Confirm, CustomerPick, Money, Option, Pick, PickFrom, Text
from bot.i18n import N_
from bot.messages import Button, OutFile, Reply
from bot.models import ApprovalKind, ApprovalStatus, Role, User
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.finance import approvals, deals
from bot.services.language import amounts

CATEGORIES = (
    Option("travel", N_("Travel")),
    Option("meals", N_("Meals")),
    Option("entertainment", N_("Entertainment")),
    Option("samples", N_("Samples")),
    Option("other", N_("Other")),
)
KINDS = tuple(Option(kind.value, REQUEST_KINDS[kind]) for kind in ApprovalKind)


def escalate_limits(ctx: Ctx) -> dict[str, Decimal]:
    """Amounts per currency (and `%` for discounts) above which the next level decides too."""
    return ctx.settings.approval_escalate_above


def kind_label(ctx: Ctx, kind: ApprovalKind) -> str:
    return ctx._(REQUEST_KINDS[kind])


async def begin_request(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    if ctx.user.manager_id is None:
        return [Reply(ctx._("You have no manager to ask, so there is no one to approve this."))]
    return {}


def _is(*kinds: ApprovalKind) -> Any:
    """A `when` condition: the question belongs to these kinds of request only."""
    values = {kind.value for kind in kinds}
    return lambda ctx, data: data.get("kind") in values


async def kind_chosen(ctx: Ctx, data: dict[str, Any]) -> Transition:
    """A new kind drops what the previous one collected; a discount needs an open deal."""
    for key in ("deal", "deal_id", "deal_title", "customer_id", "customer_name", "candidates"):
        data.pop(key, None)
    if data["kind"] == ApprovalKind.DISCOUNT.value:
        _, total, _ = await deals.open_deals(ctx.user, limit=1)
        if not total:
            raise Invalid(ctx._("You have no open deals to discount."))
    return None


async def open_deals(ctx: Ctx, data: dict[str, Any]) -> list[Option]:
    """The open deals a discount may be asked on, with their amounts."""
    items, _, _ = await deals.open_deals(ctx.user, limit=8)
    return [
        Option(str(item.id), f"{item.title[:30]} · {amount_text(ctx, item.amount, item.currency)}")
        for item in items
    ]


async def deal_chosen(ctx: Ctx, data: dict[str, Any]) -> Transition:
    deal_id = to_id(data["deal"])
    if deal_id is None:
        raise Invalid(ctx._("Please pick one of the deals listed."))
    view = await deals.card(ctx.user, deal_id)
    data["deal_id"], data["deal_title"] = view.id, view.title
    return None


def percent_of(text: str) -> str:
    return str(amounts.parse_percent(text))


def amount_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    if data.get("kind") == ApprovalKind.CREDIT_LIMIT.value:
        return ctx._("New credit limit for {customer}? e.g. 500k").format(
            customer=data.get("customer_name", "")
        )
    return ctx._("How much was spent? e.g. 1,280 or ¥860")


async def ask_target(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    """Hand over to whom: the active reps and managers, by name (a people list; no widget)."""
    if data.get("kind") != ApprovalKind.HANDOVER.value:
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
        user_id = to_id(answer.choice[2:])
        user = await User.filter(id=user_id, active=True).first() if user_id else None
    else:
        typed = " ".join((answer.text or "").split())[:100]
        found = await User.filter(active=True, name__icontains=typed).limit(2) if typed else []
        user = found[0] if len(found) == 1 else None
    if user is None:
        raise Invalid(ctx._("I could not tell who that is. Please tap a name."))
    data["target_user_id"], data["target_name"] = user.id, user.name
    return None


async def ask_receipt(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    """A photo, not text: no widget reads attachments."""
    if data.get("kind") != ApprovalKind.EXPENSE.value:
        return None
    return Question(ctx._("Send a photo of the receipt, or skip."))


async def answer_receipt(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    ref = ctx.incoming.extra.get("photo") or ctx.incoming.extra.get("file")
    if not ref:
        raise Invalid(ctx._("That is not a photo. Send one, or skip."))
    data["receipt"] = ref[:200]
    return None


def category_text(ctx: Ctx, value: str) -> str:
    """A category tapped (its label in the reader's language) or typed (as typed)."""
    labels = {option.value: ctx._(option.label) for option in CATEGORIES}
    return labels.get(value, value)


def summary(ctx: Ctx, data: dict[str, Any]) -> str:
    kind = ApprovalKind(data["kind"])
    lines = [ctx._("Send this request?"), f"📋 {kind_label(ctx, kind)}"]
    if kind == ApprovalKind.DISCOUNT:
        lines.append(f"📄 {data['deal_title']} · {data['percent']}%")
    if data.get("customer_name") and kind != ApprovalKind.DISCOUNT:
        lines.append(f"🏢 {data['customer_name']}")
    if data.get("amount"):
        lines.append(f"💰 {amount_text(ctx, data['amount'], data['currency'])}")
    if data.get("category"):
        lines.append(f"🏷 {category_text(ctx, data['category'])}")
    if data.get("target_name"):
        lines.append(ctx._("To: {name}").format(name=data["target_name"]))
    if data.get("note"):
        lines.append(f"📝 {data['note']}")
    if data.get("receipt"):
        lines.append(ctx._("📎 Receipt attached"))
    return "\n".join(lines)


REFUSALS = {
    "no_manager": N_("You have no manager to ask, so there is no one to approve this."),
    "handover_target_invalid": N_("That person already owns the customer, or is not active."),
    "discount_incomplete": N_("The discount must be above 0% and at most 100%."),
    "credit_incomplete": N_("The new credit limit must be above zero."),
    "expense_incomplete": N_("The expense needs an amount above zero and a category."),
    "handover_incomplete": N_("The handover needs a customer and a person."),
    "self_approval": N_("You cannot decide your own request."),
}


def refusal_text(ctx: Ctx, code: str) -> str:
    """One sentence for a refused request; never the service's code."""
    return ctx._(REFUSALS.get(code, N_("That request could not be sent. Please try again.")))


async def send_request(ctx: Ctx, data: dict[str, Any]) -> Transition:
    draft = approvals.RequestDraft(
        kind=ApprovalKind(data["kind"]),
        deal_id=data.get("deal_id"),
        customer_id=data.get("customer_id"),
        amount=Decimal(data["amount"]) if data.get("amount") else None,
        currency=data.get("currency", ""),
        percent=Decimal(data["percent"]) if data.get("percent") else None,
        category=category_text(ctx, data.get("category", "")),
        note=data.get("note", ""),
        attachment_ref=data.get("receipt", ""),
        target_user_id=data.get("target_user_id"),
    )
    try:
        request = await approvals.create_request(
            ctx.user, draft, now=ctx.now, escalate_above=escalate_limits(ctx)
        )
    except InvalidInput as refused:
        return Done([Reply(refusal_text(ctx, refused.code))])
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
        Pick(
            key="kind",
            prompt=N_("What do you need approved?"),
            choices=KINDS,
            columns=2,
            invalid=N_("Please pick one of the options."),
            then=kind_chosen,
        ),
        PickFrom(
            key="deal",
            prompt=N_("Discount on which deal?"),
            when=_is(ApprovalKind.DISCOUNT),
            load=open_deals,
            invalid=N_("Please pick one of the deals listed."),
            then=deal_chosen,
        ),
        Text(
            key="percent",
            prompt=N_("How many percent off? e.g. 8 or 7.5%"),
            when=_is(ApprovalKind.DISCOUNT),
            max_len=40,
            empty=N_("Please type a percent between 0 and 100, e.g. 7.5."),
            clean=percent_of,
            invalid=N_("Please type a percent between 0 and 100, e.g. 7.5."),
        ),
        CustomerPick(when=_is(ApprovalKind.CREDIT_LIMIT, ApprovalKind.HANDOVER)),
        Money(
            key="amount",
            prompt=amount_prompt,
            when=_is(ApprovalKind.CREDIT_LIMIT, ApprovalKind.EXPENSE),
        ),
        Pick(
            key="category",
            prompt=N_("What kind of expense?"),
            when=_is(ApprovalKind.EXPENSE),
            choices=CATEGORIES,
            columns=2,
            free=True,
            max_len=64,
            invalid=N_("Please tap or type the category."),
        ),
        Step("target", ask_target, answer_target),
        Text(
            key="note",
            prompt=N_("A note for the approver? (optional)"),
            optional=True,
            multiline=True,
            max_len=approvals.MAX_NOTE,
            keep=True,
            empty=N_("Please type it, or skip."),
        ),
        Step("receipt", ask_receipt, answer_receipt, optional=True),
        Confirm(
            prompt=summary,
            save=send_request,
            label=N_("✅ Send"),
            refuse=N_("Tap Send to send it, or Cancel to drop it."),
        ),
    ),
)


# --- deciding ---------------------------------------------------------------------------------


def late_reply(ctx: Ctx, late: approvals.AlreadyDecided) -> Reply:
    """Who was faster, and what they decided."""
    if late.status == ApprovalStatus.PENDING:
        return Reply(
            ctx._("{name} already approved this step; it has moved on.").format(name=late.by_name)
        )
    text = (
        ctx._("Already approved by {name}.")
        if late.status == ApprovalStatus.APPROVED
        else ctx._("Already rejected by {name}.")
    )
    return Reply(text.format(name=late.by_name))


async def decision_reply(ctx: Ctx, request_id: int, approve: bool, comment: str = "") -> Reply:
    """Decide and say what happened, or who was faster."""
    try:
        outcome = await approvals.decide(
            ctx.user, request_id, approve, now=ctx.now, comment=comment
        )
    except approvals.AlreadyDecided as late:
        return late_reply(ctx, late)
    except InvalidInput as refused:
        return Reply(refusal_text(ctx, refused.code))
    except (PermissionDenied, NotFound):
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
    """Action 'apr:<id>:y|n|c|o|r': approve, reject (a reason first), comment, open, receipt."""
    raw_id, _, verb = arg.partition(":")
    request_id = to_id(raw_id)
    if request_id is None or verb not in ("y", "n", "c", "o", "r"):
        return [Reply(ctx._("That button is not valid any more."))]
    if verb == "c":
        return Start("apr_comment", {"request_id": request_id})
    if verb == "n":
        return Start("apr_reject", args=str(request_id))
    if verb == "o":
        return [await request_card(ctx, request_id)]
    if verb == "r":
        return [await receipt_reply(ctx, request_id)]
    return [await decision_reply(ctx, request_id, True)]


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


async def decide_with_comment(ctx: Ctx, data: dict[str, Any]) -> Transition:
    approve = data["decision"] == "y"
    return Done([await decision_reply(ctx, int(data["request_id"]), approve, data["comment"])])


DECISIONS = (Option("y", N_("✅ Approve")), Option("n", N_("❌ Reject")))

APPROVAL_COMMENT = Dialog(
    name="apr_comment",
    title=N_("Decide with a comment"),
    steps=(
        Text(
            key="comment",
            prompt=N_("Your comment for the requester?"),
            max_len=500,
            empty=N_("Please type a comment."),
        ),
        Pick(
            key="decision",
            prompt=N_("Approve or reject, with your comment?"),
            choices=DECISIONS,
            columns=2,
            invalid=N_("Please tap Approve or Reject."),
            then=decide_with_comment,
        ),
    ),
)


async def begin_reject(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    """Before asking why: the request must still wait, and be the person's to decide."""
    request_id = to_id(args)
    if request_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    try:
        request = await approvals.decidable(ctx.user, request_id)
    except approvals.AlreadyDecided as late:
        return [late_reply(ctx, late)]
    except InvalidInput as refused:
        return [Reply(refusal_text(ctx, refused.code))]
    except (PermissionDenied, NotFound):
        return [Reply(ctx._("This request is not yours to decide."))]
    requester = await User.get(id=request.requester_id)
    what = describe(ctx.t, await approvals.facts(request))
    return {"request_id": request.id, "requester": requester.name, "what": what}


async def reject(ctx: Ctx, data: dict[str, Any]) -> Transition:
    reason = data.get("reason", "")
    return Done([await decision_reply(ctx, int(data["request_id"]), False, reason)])


APPROVAL_REJECT = Dialog(
    name="apr_reject",
    title=N_("Reject a request"),
    begin=begin_reject,
    steps=(
        Text(
            key="reason",
            prompt=N_("Why do you reject it? {requester} reads your reason. ({what})"),
            optional=True,
            max_len=500,
            empty=N_("Please type the reason, or skip."),
            then=reject,
        ),
        Confirm(
            prompt=N_("Reject it without a reason? ({what})"),
            save=reject,
            label=N_("❌ Reject"),
            refuse=N_("Tap Reject to reject it, or Cancel to leave it waiting."),
        ),
    ),
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
    dialogs=(APPROVAL_COMMENT, APPROVAL_REJECT),
    actions={"apr": approval_button},
)
