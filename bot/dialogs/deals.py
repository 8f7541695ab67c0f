"""/deal: open a deal; /deals: the open pipeline; the deal card moves it to its next stage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.dialogs.base import Answer, Ctx, Dialog, Done, Invalid, Question, Start, Step, Transition
from bot.dialogs.common import CUSTOMER_STEP, action, pager, preselect_customer, text_of
from bot.dialogs.labels import STAGES
from bot.dialogs.registry import Registry
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.models import Stage
from bot.services import amounts, deals
from bot.services.dates import parse_when
from bot.services.errors import InvalidInput

YES_WORDS = {"save", "yes", "y", "ok"}


def large_limits(ctx: Ctx) -> dict[str, Decimal]:
    """The large-deal thresholds from the settings, per currency."""
    return ctx.settings.large_deal_threshold


def amount_text(ctx: Ctx, amount: Decimal | str, currency: str) -> str:
    """An amount in the user's locale with its currency."""
    return ctx.t.money(Decimal(str(amount)), currency)


def read_money(ctx: Ctx, answer: Answer) -> tuple[Decimal, str | None]:
    """A typed or spoken amount ("1.2m", "5万美元", "三千元", "500 bucks") in the one grammar of
    amounts, with the currency it names (None when it names none)."""
    text = text_of(
        answer, ctx, max_len=40, what=ctx._("Please type an amount, e.g. 1.2m or 120万.")
    )
    try:
        return amounts.parse_money(text)
    except InvalidInput as bad:
        raise Invalid(
            ctx._("I could not read that amount. Try 1,200,000 or 1.2m or 120万 or $80k.")
        ) from bad


def read_amount(ctx: Ctx, answer: Answer) -> tuple[Decimal, str]:
    """`read_money` with the company currency when the amount names none."""
    amount, currency = read_money(ctx, answer)
    return amount, currency or ctx.settings.currency.upper()


def confirmed(ctx: Ctx, answer: Answer) -> bool:
    """A tap on Save, or a typed yes/save/ok in either language."""
    typed = (answer.text or "").strip().casefold()
    return answer.choice == "save" or typed in YES_WORDS | {ctx._("save").casefold()}


# --- /deal ----------------------------------------------------------------------------------


async def ask_title(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(
        ctx._("{customer}: what is the deal? A short title.").format(
            customer=data.get("customer_name", "")
        )
    )


async def answer_title(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    data["title"] = text_of(
        answer, ctx, max_len=deals.MAX_TITLE, what=ctx._("Please type a short title.")
    )
    return None


async def ask_amount(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(ctx._("Amount? e.g. 1,200,000 or 1.2m or 120万 or $80k"))


async def answer_amount(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    amount, currency = read_amount(ctx, answer)
    data["amount"], data["currency"] = str(amount), currency
    return None


async def ask_close(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    choices = [("end of month", ctx._("End of month")), ("in 3 months", ctx._("In 3 months"))]
    return Question(
        ctx._("Expected close date? Type a date (“next friday”, “12月31日”), or skip."), choices
    )


async def answer_close(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    text = answer.choice or text_of(answer, ctx, max_len=100, what=ctx._("Please type a date."))
    if text == "end of month":
        local = ctx.now.astimezone(ctx.t.timezone).date()
        after = date(local.year + local.month // 12, local.month % 12 + 1, 1)
        day = date.fromordinal(after.toordinal() - 1)
    else:
        when = parse_when(text, now=ctx.now, tz=ctx.t.timezone, prefer="future")
        if when is None:
            raise Invalid(ctx._("I could not read that date. Try “next friday” or “12月31日”."))
        day = when.astimezone(ctx.t.timezone).date()
    if day < ctx.now.astimezone(ctx.t.timezone).date():
        raise Invalid(ctx._("That date is in the past."))
    data["close"] = day.isoformat()
    return None


async def ask_deal_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    lines = [
        ctx._("Save this deal?"),
        f"🏢 {data.get('customer_name', '')}",
        f"📄 {data['title']}",
        f"💰 {amount_text(ctx, data['amount'], data['currency'])}",
    ]
    if data.get("close"):
        lines.append(ctx._("Expected close: {when}").format(when=date.fromisoformat(data["close"])))
    return Question("\n".join(lines), [("save", ctx._("✅ Save"))])


async def answer_deal_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if not confirmed(ctx, answer):
        raise Invalid(ctx._("Tap Save to keep it, or Cancel to drop it."))
    draft = deals.DealDraft(
        customer_id=int(data["customer_id"]),
        title=data["title"],
        amount=Decimal(data["amount"]),
        currency=data["currency"],
        expected_close=date.fromisoformat(data["close"]) if data.get("close") else None,
    )
    deal = await deals.create_deal(ctx.user, draft, now=ctx.now, large=large_limits(ctx))
    text = "✅ " + ctx._("Deal saved: {title}").format(title=deal.title)
    return Done([Reply(text, ((action(ctx._("Open deal"), "deal", deal.id),),))])


DEAL = Dialog(
    name="deal",
    title=N_("New deal"),
    begin=preselect_customer,
    steps=(
        CUSTOMER_STEP,
        Step("title", ask_title, answer_title),
        Step("amount", ask_amount, answer_amount),
        Step("close", ask_close, answer_close, optional=True),
        Step("confirm", ask_deal_confirm, answer_deal_confirm),
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
    if not arg.isdigit():
        return [Reply(ctx._("That button is not valid any more."))]
    return [deal_card(ctx, await deals.card(ctx.user, int(arg)))]


def stage_refusal(ctx: Ctx, code: str) -> str:
    """One line for why a stage move was refused."""
    return {
        "deal_closed": ctx._("This deal is already closed."),
        "same_stage": ctx._("The deal is already at that stage."),
        "deal_moved_meanwhile": ctx._("Someone moved this deal just now; here it is again."),
    }.get(code, ctx._("That did not work: {reason}.").format(reason=code))


async def move_deal(ctx: Ctx, arg: str) -> list[Reply] | Start:
    """Action button 'dst:<id>:<stage>': move a deal; lost first asks for the reason."""
    deal_id, _, value = arg.partition(":")
    if not deal_id.isdigit() or value not in {s.value for s in Stage}:
        return [Reply(ctx._("That button is not valid any more."))]
    stage = Stage(value)
    if stage == Stage.LOST:
        view = await deals.card(ctx.user, int(deal_id))
        if view.stage in deals.FINAL_STAGES:
            return [Reply(stage_refusal(ctx, "deal_closed")), deal_card(ctx, view)]
        return Start("deal_lost", {"deal_id": view.id, "title": view.title})
    try:
        await deals.move_stage(ctx.user, int(deal_id), stage, now=ctx.now, large=large_limits(ctx))
    except InvalidInput as refused:
        view = await deals.card(ctx.user, int(deal_id))
        return [Reply(stage_refusal(ctx, refused.code)), deal_card(ctx, view)]
    view = await deals.card(ctx.user, int(deal_id))
    note = ctx._("Moved to {stage}.").format(stage=stage_label(ctx, stage))
    if stage == Stage.WON:
        note = "🏆 " + ctx._("Won! Well done.")
    return [Reply(note), deal_card(ctx, view)]


async def ask_reason(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    choices = [
        ("price", ctx._("Price")),
        ("competitor", ctx._("Competitor")),
        ("no budget", ctx._("No budget")),
        ("no decision", ctx._("No decision")),
    ]
    return Question(
        ctx._("Why was “{title}” lost? Tap one or type the reason.").format(title=data["title"]),
        choices,
        columns=2,
    )


async def answer_reason(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    labels = {
        "price": ctx._("Price"),
        "competitor": ctx._("Competitor"),
        "no budget": ctx._("No budget"),
        "no decision": ctx._("No decision"),
    }
    reason = labels.get(answer.choice or "") or text_of(
        answer, ctx, max_len=300, what=ctx._("Please type the reason.")
    )
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
    steps=(Step("reason", ask_reason, answer_reason),),
)


async def ask_probability(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(
        ctx._("Probability for “{title}” in percent (0–100)? “auto” follows the stage.").format(
            title=data["title"]
        ),
        [("auto", ctx._("Follow the stage"))],
    )


async def answer_probability(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    typed = (answer.choice or answer.text or "").strip().rstrip("%").strip().casefold()
    if typed == "auto":
        value = None
    elif typed.isdigit() and 0 <= int(typed) <= 100:
        value = int(typed)
    else:
        raise Invalid(ctx._("Please type a whole number from 0 to 100."))
    await deals.set_probability(ctx.user, int(data["deal_id"]), value)
    return Done([deal_card(ctx, await deals.card(ctx.user, int(data["deal_id"])))])


DEAL_PROBABILITY = Dialog(
    name="deal_probability",
    title=N_("Deal probability"),
    steps=(Step("probability", ask_probability, answer_probability),),
)


async def start_probability(ctx: Ctx, arg: str) -> list[Reply] | Start:
    """Action button 'dprob:<id>': set a deal's probability by hand."""
    if not arg.isdigit():
        return [Reply(ctx._("That button is not valid any more."))]
    view = await deals.card(ctx.user, int(arg))
    return Start("deal_probability", {"deal_id": view.id, "title": view.title})


# --- /deals -----------------------------------------------------------------------------------


async def list_deals(ctx: Ctx, arg: str) -> list[Reply]:
    """/deals: open deals (a manager: the team's), a page at a time, each opens its card."""
    offset = int(arg) if arg.strip().isdigit() else 0
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


def register(registry: Registry) -> None:
    """The deal commands, dialogs and buttons."""
    registry.dialog(DEAL)
    registry.dialogs[DEAL_LOST.name] = DEAL_LOST
    registry.dialogs[DEAL_PROBABILITY.name] = DEAL_PROBABILITY
    registry.commands["deals"] = list_deals
    registry.actions["deals"] = list_deals
    registry.actions["deal"] = open_deal
    registry.actions["dst"] = move_deal
    registry.actions["dprob"] = start_probability
