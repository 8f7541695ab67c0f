"""Immediate alerts worded at send time: approval requests and outcomes, large deals, new tasks.

Services queue these as data (`Later(kind, params)`); this is where the data becomes a message
in the recipient's language, with its buttons, when the outbox sends it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.dialogs.common import action
from bot.dialogs.labels import STAGES
from bot.i18n import N_, Translator
from bot.messages import Button, Reply
from bot.models import ApprovalKind, Stage

HEADS = {
    "request": N_("🔔 {requester} asks for your approval:"),
    "remind": N_("⏰ Still waiting for your approval since {since}:"),
    "escalated": N_("⏫ Escalated to you, no answer in time:"),
}
LARGE_DEAL = {
    "created": N_("💰 Large deal created: {title} — {customer}, {amount} ({owner})"),
    "stage": N_("💰 Large deal moved to {stage}: {title} — {customer}, {amount} ({owner})"),
    "won": N_("🏆 Large deal won: {title} — {customer}, {amount} ({owner})"),
    "lost": N_("❌ Large deal lost: {title} — {customer}, {amount} ({owner}). Reason: {reason}"),
}


def describe(t: Translator, facts: dict[str, Any]) -> str:
    """One line saying what a request asks (`approvals.facts`), in the reader's language."""
    kind = ApprovalKind(facts["kind"])
    if kind == ApprovalKind.DISCOUNT:
        amount = t.money(Decimal(facts["amount"]), facts["currency"]) if facts["amount"] else ""
        return t.gettext("Discount {percent}% on “{deal}” ({amount})").format(
            percent=facts["percent"], deal=facts["deal"], amount=amount
        )
    if kind == ApprovalKind.CREDIT_LIMIT:
        return t.gettext("Credit limit for {customer}: {old} → {new}").format(
            customer=facts["customer"],
            old=t.money(Decimal(facts["old"]), facts["currency"]),
            new=t.money(Decimal(facts["new"]), facts["currency"]),
        )
    if kind == ApprovalKind.EXPENSE:
        text = t.gettext("Expense claim {amount}, {category}").format(
            amount=t.money(Decimal(facts["amount"]), facts["currency"]),
            category=facts["category"],
        )
        return text + (" 📎" if facts.get("receipt") else "")
    return t.gettext("Hand {customer} over to {person}").format(
        customer=facts["customer"], person=facts["person"]
    )


def render_approval(t: Translator, params: dict[str, Any]) -> Reply:
    """A request for the approver, with Approve / Reject / Comment (and the receipt, if any)."""
    event, request_id = params["event"], params["request_id"]
    since = t.datetime(datetime.fromisoformat(params["since"]))
    lines = [
        t.gettext(HEADS[event]).format(requester=params["requester"], since=since),
        describe(t, params["facts"]),
    ]
    if event != "request":
        lines.append(t.gettext("From {requester}").format(requester=params["requester"]))
    if params.get("note"):
        lines.append(f"📝 {params['note']}")
    rows: list[tuple[Button, ...]] = [
        (
            action(t.gettext("✅ Approve"), "apr", f"{request_id}:y"),
            action(t.gettext("❌ Reject"), "apr", f"{request_id}:n"),
        ),
        (action(t.gettext("💬 Comment"), "apr", f"{request_id}:c"),),
    ]
    if params["facts"].get("receipt"):
        rows.append((action(t.gettext("📎 Receipt"), "apr", f"{request_id}:r"),))
    return Reply("\n".join(lines), tuple(rows))


def render_approval_outcome(t: Translator, params: dict[str, Any]) -> Reply:
    """The decision, for the person who asked."""
    head = (
        t.gettext("✅ Approved by {name}:")
        if params["approved"]
        else t.gettext("❌ Rejected by {name}:")
    )
    lines = [head.format(name=params["decider"]), describe(t, params["facts"])]
    if params.get("comment"):
        lines.append(f"💬 {params['comment']}")
    return Reply("\n".join(lines))


def render_large_deal(t: Translator, params: dict[str, Any]) -> Reply:
    """A large deal appeared or moved, for each manager above its owner."""
    text = t.gettext(LARGE_DEAL[params["event"]]).format(
        title=params["title"],
        customer=params["customer"],
        amount=t.money(Decimal(params["amount"]), params["currency"]),
        owner=params["owner"],
        stage=t.gettext(STAGES[Stage(params["stage"])]),
        reason=params.get("reason") or "",
    )
    return Reply(text, ((action(t.gettext("Open deal"), "deal", params["deal_id"]),),))


def render_task(t: Translator, params: dict[str, Any]) -> Reply:
    """A task someone assigned, with its Done button."""
    body = t.gettext("📌 New task from {name}: {text}").format(
        name=params["from"], text=params["text"]
    )
    if params.get("due_at"):
        due = t.datetime(datetime.fromisoformat(params["due_at"]))
        body += "\n" + t.gettext("Due {when}").format(when=due)
    return Reply(body, ((action(t.gettext("✅ Done"), "tdone", params["task_id"]),),))


RENDERERS = {
    "approval": render_approval,
    "approval_outcome": render_approval_outcome,
    "large_deal": render_large_deal,
    "task": render_task,
}
