"""/deal: open a deal; /deals: the open pipeline; the deal card moves it to its next stage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.dialogs.base import Ctx, Dialog, Done, Start, Transition
from bot.dialogs.common import action, amount_text, pager, preselect_customer
from bot.dialogs.convert import to_id, to_int
from bot.dialogs.feature import EVERYONE, Command, Feature
from bot.dialogs.labels import STAGES
from bot.dialogs.widgets import Confirm, Count, CustomerPick, Money, Option, Pick, Text, When
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.models import Stage
from bot.services.errors import InvalidInput
from bot.services.finance import deals


def large_limits(ctx: Ctx) -> dict[str, Decimal]:
    """The large-deal thresholds from the settings, per currency."""
    return ctx.settings.large_deal_threshold


CLOSES = (
    Option("end of month", N_("End of month")),
    Option("in 3 months", N_("In 3 months")),
)


def deal_summary(ctx: Ctx, data: dict[str, Any]) -> str:
    lines = [
        ctx._("Save this deal?"),
        f"🏢 {data.get('customer_name', '')}",
        f"📄 {data['title']}",
        f"💰 {amount_text(ctx, data['amount'], data['currency'])}",
    ]
    if data.get("close"):
        lines.append(ctx._("Expected close: {when}").format(when=date.fromisoformat(data["close"])))
    return "\n".join(lines)


async def save_deal(ctx: Ctx, data: dict[str, Any]) -> Transition:
    draft = deals.DealDraft(
        customer_id=int(data["customer_id"]),
        title=data["title"],
        amount=Decimal(data["amount"]),
        currency=data["currency"],
        expected_close=date.fromisoformat(data["close"]) if data.get("close") else None,
    )
    try:
        deal = await deals.create_deal(ctx.user, draft, now=ctx.now, large=large_limits(ctx))
    except InvalidInput as refused:
        if refused.code != "customer_pooled":
            raise
        text = ctx._("{name} is in the public pool: give it to a rep from /pool first.")
        return Done([Reply(text.format(name=data.get("customer_name", "")))])
    text = "✅ " + ctx._("Deal saved: {title}").format(title=deal.title)
    return Done([Reply(text, ((action(ctx._("Open deal"), "deal", deal.id),),))])


DEAL = Dialog(
    name="deal",
    title=N_("New deal"),
    begin=preselect_customer,
    steps=(
        CustomerPick(),
        Text(
            key="title",
            prompt=N_("{customer_name}: what is the deal? A short title."),
            max_len=deals.MAX_TITLE,
            empty=N_("Please type a short title."),
        ),
        Money(key="amount"),
        When(
            key="close",
            prompt=N_("Expected close date? Type a date (“next friday”, “12月31日”), or skip."),
            optional=True,
            shortcuts=CLOSES,
            day_only=True,
            rule="today_or_future",
            invalid=N_("I could not read that date. Try “next friday” or “12月31日”."),
        ),
        Confirm(prompt=deal_summary, save=save_deal),
    ),
)


# --- the card and stage moves -----------------------------------------------------------------


def stage_label(ctx: Ctx, stage: Stage) -> str:
    return ctx._(STAGES[stage])


def deal_card(ctx: Ctx, view: deals.DealView) -> Reply:
    """Title, customer, amount, stage and probability; buttons for the next stages."""
    lines = [f"📄 {view.title}", f"🏢 {view.customer_name}"]
    lines.append(f"💰 {amount_text(ctx, view.amount, view.currency)}")
    probability = f"{view.probability}%" + (" ✍️" if view.probability_manual else "")
    lines.append(
        ctx._("Stage: {stage} · {probability}").format(
            stage=stage_label(ctx, view.stage), probability=probability
        )
    )
    if view.owner_id != ctx.user.id:
        lines.append(ctx._("Owner: {name}").format(name=view.owner_name))
    if view.expected_close:
        lines.append(ctx._("Expected close: {when}").format(when=view.expected_close))
    if view.discount_percent:
        lines.append(ctx._("Discount: {percent}%").format(percent=view.discount_percent))
    if view.stage == Stage.LOST and view.lost_reason:
        lines.append(ctx._("Reason: {reason}").format(reason=view.lost_reason))
    moves = [
        action("→ " + stage_label(ctx, stage), "dst", f"{view.id}:{stage.value}")
        for stage in deals.next_stages(view.stage)
    ]
    rows: list[tuple[Button, ...]] = []
    if moves:
        rows.append(tuple(moves[:3]))
        if len(moves) > 3:
            rows.append(tuple(moves[3:]))
        rows.append((action(ctx._("Set probability"), "dprob", view.id),))
    return Reply("\n".join(lines), tuple(rows))


async def open_deal(ctx: Ctx, arg: str) -> list[Reply]:
    """Action button: a deal's card."""
    deal_id = to_id(arg)
    if deal_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    return [deal_card(ctx, await deals.card(ctx.user, deal_id))]


def stage_refusal(ctx: Ctx, code: str) -> str:
    """One line for why a stage move was refused."""
    return {
        "deal_closed": ctx._("This deal is already closed."),
        "same_stage": ctx._("The deal is already at that stage."),
        "deal_moved_meanwhile": ctx._("Someone moved this deal just now; here it is again."),
    }.get(code, ctx._("That did not work: {reason}.").format(reason=code))


async def move_deal(ctx: Ctx, arg: str) -> list[Reply] | Start:
    """Action button 'dst:<id>:<stage>': move a deal; lost first asks for the reason."""
    raw_id, _, value = arg.partition(":")
    deal_id = to_id(raw_id)
    if deal_id is None or value not in {s.value for s in Stage}:
        return [Reply(ctx._("That button is not valid any more."))]
    stage = Stage(value)
    if stage == Stage.LOST:
        view = await deals.card(ctx.user, deal_id)
        if view.stage in deals.FINAL_STAGES:
            return [Reply(stage_refusal(ctx, "deal_closed")), deal_card(ctx, view)]
        return Start("deal_lost", {"deal_id": view.id, "title": view.title})
    try:
        await deals.move_stage(ctx.user, deal_id, stage, now=ctx.now, large=large_limits(ctx))
    except InvalidInput as refused:
        view = await deals.card(ctx.user, deal_id)
        return [Reply(stage_refusal(ctx, refused.code)), deal_card(ctx, view)]
    view = await deals.card(ctx.user, deal_id)
    note = ctx._("Moved to {stage}.").format(stage=stage_label(ctx, stage))
    if stage == Stage.WON:
        note = "🏆 " + ctx._("Won! Well done.")
    return [Reply(note), deal_card(ctx, view)]


REASONS = (
    Option("price", N_("Price")),
    Option("competitor", N_("Competitor")),
    Option("no budget", N_("No budget")),
    Option("no decision", N_("No decision")),
)


async def mark_lost(ctx: Ctx, data: dict[str, Any]) -> Transition:
    labels = {option.value: ctx._(option.label) for option in REASONS}
    reason = labels.get(data["reason"], data["reason"])
    try:
        await deals.move_stage(
            ctx.user,
            int(data["deal_id"]),
            Stage.LOST,
            now=ctx.now,
            large=large_limits(ctx),
            reason=reason,
        )
    except InvalidInput as refused:
        return Done([Reply(stage_refusal(ctx, refused.code))])
    view = await deals.card(ctx.user, int(data["deal_id"]))
    return Done([Reply(ctx._("Marked as lost.")), deal_card(ctx, view)])


DEAL_LOST = Dialog(
    name="deal_lost",
    title=N_("Deal lost"),
    steps=(
        Pick(
            key="reason",
            prompt=N_("Why was “{title}” lost? Tap one or type the reason."),
            choices=REASONS,
            columns=2,
            free=True,
            invalid=N_("Please type the reason."),
            then=mark_lost,
        ),
    ),
)


async def set_probability(ctx: Ctx, data: dict[str, Any]) -> Transition:
    value = data["probability"]
    await deals.set_probability(ctx.user, int(data["deal_id"]), None if value == "auto" else value)
    return Done([deal_card(ctx, await deals.card(ctx.user, int(data["deal_id"])))])


DEAL_PROBABILITY = Dialog(
    name="deal_probability",
    title=N_("Deal probability"),
    steps=(
        Count(
            key="probability",
            prompt=N_("Probability for “{title}” in percent (0–100)? “auto” follows the stage."),
            shortcuts=(Option("auto", N_("Follow the stage")),),
            suffix="%",
            then=set_probability,
        ),
    ),
)


async def start_probability(ctx: Ctx, arg: str) -> list[Reply] | Start:
    """Action button 'dprob:<id>': set a deal's probability by hand."""
    deal_id = to_id(arg)
    if deal_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    view = await deals.card(ctx.user, deal_id)
    return Start("deal_probability", {"deal_id": view.id, "title": view.title})


# --- /deals -----------------------------------------------------------------------------------


async def list_deals(ctx: Ctx, arg: str) -> list[Reply]:
    """/deals: open deals (a manager: the team's), a page at a time, each opens its card."""
    offset = to_int(arg) or 0
    size = ctx.settings.page_size
    items, total, totals = await deals.open_deals(ctx.user, limit=size, offset=offset)
    if not total:
        return [Reply(ctx._("No open deals. Start one with /deal."))]
    head = ctx.ngettext("{count} open deal", "{count} open deals", total).format(count=total)
    head += " · " + ", ".join(amount_text(ctx, v, c) for c, v in sorted(totals.items()))
    lines = [head]
    rows: list[tuple[Button, ...]] = []
    for number, item in enumerate(items, offset + 1):
        line = (
            f"{number}. {item.title} — {item.customer_name} · "
            f"{amount_text(ctx, item.amount, item.currency)} · {stage_label(ctx, item.stage)}"
        )
        if item.owner_id != ctx.user.id:
            line += f" ({item.owner_name})"
        lines.append(line)
        rows.append((action(f"{number}. {item.title[:36]}", "deal", item.id),))
    if more := pager(ctx, "deals", offset, len(items), total):
        rows.append(more)
    return [Reply("\n".join(lines), tuple(rows))]


FEATURE = Feature(
    name="deals",
    commands=(
        Command("deal", N_("open a deal: /deal acme"), EVERYONE, dialog=DEAL),
        Command("deals", N_("your open deals"), EVERYONE, run=list_deals),
    ),
    dialogs=(DEAL_LOST, DEAL_PROBABILITY),
    actions={"deals": list_deals, "deal": open_deal, "dst": move_deal, "dprob": start_probability},
)
