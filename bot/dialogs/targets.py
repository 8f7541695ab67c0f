"""/target: a manager sets a monthly target for a rep of their team or for the team (an admin:
for anyone) — who, month, metric, amount — and sees the month's targets with attainment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bot.dialogs import attainment
from bot.dialogs.base import Answer, Ctx, Dialog, Done, Invalid, Transition
from bot.dialogs.feature import LEADS, Command, Feature
from bot.dialogs.widgets import KEEP, Confirm, Count, Money, Option, Pick, PickFrom, When, fold
from bot.i18n import N_
from bot.messages import Reply
from bot.models import TargetMetric, TargetScope
from bot.services.discipline import targets
from bot.services.errors import InvalidInput, NotFound, PermissionDenied

MAX_OFFERED = 20
TEAM, REP = "t", "r"

METRICS = (
    Option(TargetMetric.WON.value, N_("💰 Deals won"), ("won", "deals", "成交", "赢单", "签单")),
    Option(TargetMetric.COLLECTED.value, N_("🏦 Money collected"), ("collected", "回款", "收款")),
    Option(TargetMetric.VISITS.value, N_("🚗 Visits"), ("visits", "拜访", "拜访次数")),
)


def _month(ctx: Ctx, data: dict[str, Any]) -> date:
    """The month chosen, or this month when the question was skipped."""
    if data.get("month"):
        return date.fromisoformat(data["month"])
    return targets.month_of(ctx.t.local(ctx.now).date())


def _team_label(ctx: Ctx, name: str) -> str:
    return ctx._("👥 {name}'s team").format(name=name)


async def begin(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    """Only managers and admins; the month's board is read once for the first question."""
    if not targets.can_set_targets(ctx.user):
        return [Reply(ctx._("Only managers and admins set targets."))]
    month = targets.month_of(ctx.t.local(ctx.now).date())
    board = await targets.month_board(ctx.user, month=month)
    return {"board": board.params(), "board_month": month.isoformat()}


def who_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    month = attainment.month_name(ctx.t, date.fromisoformat(data["board_month"]))
    shown = attainment.summary_lines(ctx.t, data.get("board"))
    if shown:
        head = [ctx._("🎯 Targets for {month}:").format(month=month), *shown[2:]]
    else:
        head = [ctx._("🎯 No targets set for {month} yet.").format(month=month)]
    return "\n".join([*head, "", ctx._("Set a target for whom? Tap a name or type it.")])


async def who_options(ctx: Ctx, data: dict[str, Any]) -> list[Option]:
    people = await targets.assignees(ctx.user)
    return [
        Option(
            f"{TEAM if p.scope == TargetScope.TEAM else REP}:{p.user_id}",
            _team_label(ctx, p.name) if p.scope == TargetScope.TEAM else p.name,
        )
        for p in people[:MAX_OFFERED]
    ]


async def who_chosen(ctx: Ctx, data: dict[str, Any]) -> Transition:
    """A tapped person or team, or a typed name matched among everyone the actor may set for."""
    people = await targets.assignees(ctx.user)
    value = str(data["who"])
    kind, _, raw_id = value.partition(":")
    if kind in (TEAM, REP) and raw_id.isdigit():
        scope = TargetScope.TEAM if kind == TEAM else TargetScope.REP
        found = [p for p in people if p.scope == scope and p.user_id == int(raw_id)]
    else:
        typed = fold(value)
        found = [p for p in people if fold(p.name) == typed and p.scope == TargetScope.REP]
        found = found or [p for p in people if typed and typed in fold(p.name)]
    if not found:
        raise Invalid(ctx._("Nobody in your team is called “{name}”.").format(name=value[:40]))
    if len(found) > 1:
        raise Invalid(
            ctx._("Several people match “{name}”: please type more of the name.").format(
                name=value[:40]
            )
        )
    person = found[0]
    data["scope"], data["user_id"] = person.scope.value, person.user_id
    data["name"] = (
        _team_label(ctx, person.name) if person.scope == TargetScope.TEAM else person.name
    )
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthWhen(When):
    """A month in the dates grammar ("next month", "2027-01", "一月", "下个月"), kept as its
    first day; the current month's name means this month, not next year's."""

    async def read(self, ctx: Ctx, data: dict[str, Any], answer: Answer) -> Any:
        text = " ".join((answer.text or answer.choice or "").split())
        if not text:
            raise Invalid(ctx._("Please type a month."))
        month = targets.read_month(text, now=ctx.now, tz=ctx.t.timezone)
        if month is None:
            raise Invalid(ctx._(self.invalid))
        return month.isoformat()

    def recheck(self, ctx: Ctx, data: dict[str, Any], value: Any) -> Any:
        return value

    def options(self, ctx: Ctx, data: dict[str, Any]) -> list[tuple[str, str]]:
        choices = [(o.value, ctx._(o.label)) for o in self.shortcuts]
        value = data.get(self.key)
        if isinstance(value, str) and value:
            shown = attainment.month_name(ctx.t, date.fromisoformat(value))
            choices.insert(0, (KEEP, "✓ " + shown))
        return choices


def amount_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    month = attainment.month_name(ctx.t, _month(ctx, data))
    if data.get("metric") == TargetMetric.COLLECTED.value:
        question = ctx._("How much should {name} collect in {month}? e.g. 800k or 80万")
    else:
        question = ctx._("How much should {name} win in {month}? e.g. 1.2m or 120万")
    return question.format(name=data.get("name", ""), month=month)


def count_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    month = attainment.month_name(ctx.t, _month(ctx, data))
    return ctx._("How many visits and calls for {name} in {month}?").format(
        name=data.get("name", ""), month=month
    )


async def amount_given(ctx: Ctx, data: dict[str, Any]) -> Transition:
    """Read what this target replaces, for the summary."""
    found = await targets.current_target(
        TargetScope(data["scope"]),
        int(data["user_id"]),
        _month(ctx, data),
        TargetMetric(data["metric"]),
    )
    data["before"] = [str(found[0]), found[1]] if found else None
    return None


def _value(data: dict[str, Any]) -> tuple[Decimal, str]:
    if data["metric"] == TargetMetric.VISITS.value:
        return Decimal(int(data["count"])), ""
    return Decimal(data["amount"]), str(data.get("currency") or "")


def summary(ctx: Ctx, data: dict[str, Any]) -> str:
    value, currency = _value(data)
    metric = next(o.label for o in METRICS if o.value == data["metric"])
    lines = [
        ctx._("Set this target?"),
        f"👤 {data['name']}",
        f"📅 {attainment.month_name(ctx.t, _month(ctx, data))}",
        f"{ctx._(metric)}: {attainment.amount(ctx.t, value, currency)}",
    ]
    if data.get("before"):
        before, before_currency = data["before"]
        lines.append(
            ctx._("(replaces {amount})").format(
                amount=attainment.amount(ctx.t, Decimal(before), before_currency)
            )
        )
    return "\n".join(lines)


REFUSALS = {
    "target_amount_invalid": N_("That amount cannot be a target. Please start again."),
    "target_visits_invalid": N_("That number of visits cannot be a target. Please start again."),
    "currency_invalid": N_("That currency is not known. Please start again."),
    "target_wrong_person": N_("{name} cannot have this kind of target."),
}


async def save(ctx: Ctx, data: dict[str, Any]) -> Transition:
    value, currency = _value(data)
    scope, month = TargetScope(data["scope"]), _month(ctx, data)
    try:
        await targets.set_target(
            ctx.user,
            scope,
            int(data["user_id"]),
            month,
            TargetMetric(data["metric"]),
            value,
            currency,
            now=ctx.now,
        )
    except (NotFound, PermissionDenied):
        return Done(
            [Reply(ctx._("{name} is not in your team any more.").format(name=data["name"]))]
        )
    except InvalidInput as refused:
        line = REFUSALS.get(refused.code, N_("The target could not be saved. Please try again."))
        return Done([Reply(ctx._(line).format(name=data["name"]))])
    shown = await targets.attainment_of(scope, int(data["user_id"]), month)
    lines = [
        "✅ "
        + ctx._("Target set for {name}, {month}.").format(
            name=data["name"], month=attainment.month_name(ctx.t, month)
        )
    ]
    lines += [f"• {attainment.figure_text(ctx.t, f)}" for f in shown]
    return Done([Reply("\n".join(lines))])


TARGET = Dialog(
    name="target",
    title=N_("Set a target"),
    begin=begin,
    steps=(
        PickFrom(
            key="who",
            prompt=who_prompt,
            load=who_options,
            columns=2,
            free=True,
            max_len=100,
            none=N_("There is nobody in your team to set a target for."),
            then=who_chosen,
        ),
        MonthWhen(
            key="month",
            prompt=N_("For which month? e.g. “next month”, “2027-01”, “一月” (skip: this month)."),
            optional=True,
            shortcuts=(
                Option("this month", N_("This month")),
                Option("next month", N_("Next month")),
            ),
            columns=2,
            invalid=N_("I could not read that as a month. Try “next month” or “2027-01”."),
        ),
        Pick(key="metric", prompt=N_("Which target?"), choices=METRICS),
        Money(
            key="amount",
            prompt=amount_prompt,
            when=lambda ctx, data: data.get("metric") != TargetMetric.VISITS.value,
            then=amount_given,
        ),
        Count(
            key="count",
            prompt=count_prompt,
            low=1,
            high=targets.MAX_VISITS,
            when=lambda ctx, data: data.get("metric") == TargetMetric.VISITS.value,
            then=amount_given,
        ),
        Confirm(prompt=summary, save=save),
    ),
)


FEATURE = Feature(
    name="targets",
    commands=(
        Command("target", N_("monthly targets for your team (managers)"), LEADS, dialog=TARGET),
    ),
)
