"""/invite and /team: bringing people in and running the team from the phone.

An admin invites anyone and changes roles, managers and leavers from a person's card; a manager
invites reps into their own team and sees that team. The services check every rule again.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
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
from bot.dialogs.common import action, local_today, pager, text_of
from bot.dialogs.feature import LEADS, Command, Feature
from bot.dialogs.labels import ROLE_LABELS
from bot.dialogs.widgets import confirmed
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.models import Role
from bot.services import team, users
from bot.services.errors import InvalidInput, NotFound, PermissionDenied

NO_MANAGER = "none"
PAGE = "page:"


def _role(ctx: Ctx, role: str) -> str:
    return ctx._(ROLE_LABELS[Role(role)])


def _week_start(ctx: Ctx) -> datetime:
    """Monday 00:00 of the user's week: 'visits this week' means their week."""
    today = local_today(ctx)
    return datetime.combine(today - timedelta(days=today.weekday()), time(), ctx.t.timezone)


def _save(ctx: Ctx, label: str) -> tuple[str, str]:
    return ("save", label)


# --- /invite ---------------------------------------------------------------------------------


async def begin_invite(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    roles = team.invite_roles(ctx.user)
    if not roles:
        return [Reply(ctx._("Only admins and managers invite people."))]
    if roles == (Role.REP,):
        # A manager invites reps into their own team: nothing to choose.
        return {"role": Role.REP.value, "manager_id": ctx.user.id, "manager_name": ctx.user.name}
    return {}


async def ask_invite_role(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if data.get("role"):
        return None
    choices = [(role.value, _role(ctx, role)) for role in team.invite_roles(ctx.user)]
    return Question(ctx._("Invite someone new. As what?"), choices, columns=2)


async def answer_invite_role(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    allowed = {role.value for role in team.invite_roles(ctx.user)}
    if answer.choice not in allowed:
        raise Invalid(ctx._("Please tap one of the roles."))
    data["role"] = answer.choice
    return None


def people_step(
    key: str, prompt: str, *, managers_only: bool, none_label: str = "", reps_only: bool = False
) -> Step:
    """Pick an active colleague from a paged list (optionally 'nobody'); sets key_id/key_name.

    `reps_only`: asked only when the dialog is about a rep (an invite's manager)."""

    async def ask(ctx: Ctx, data: dict[str, Any]) -> Question | None:
        if f"{key}_id" in data or (reps_only and data.get("role") != Role.REP.value):
            return None
        offset = int(data.get(f"{key}_offset", 0))
        size = ctx.settings.page_size
        people, total = await team.colleagues(
            ctx.user,
            exclude=int(data.get("user_id", 0)),
            managers_only=managers_only,
            offset=offset,
            limit=size,
        )
        choices = [(str(uid), f"{name} ({_role(ctx, role)})") for uid, name, role in people]
        if none_label:
            choices.append((NO_MANAGER, ctx._(none_label)))
        if offset + len(people) < total:
            choices.append((f"{PAGE}{offset + size}", ctx._("More ›")))
        if offset:
            choices.append((f"{PAGE}{max(0, offset - size)}", ctx._("‹ Previous")))
        return Question(ctx._(prompt).format(name=data.get("user_name", "")), choices)

    async def answer(ctx: Ctx, data: dict[str, Any], ans: Answer) -> Transition:
        choice = ans.choice or ""
        if choice.startswith(PAGE):
            data[f"{key}_offset"] = int(choice[len(PAGE) :])
            return Goto(key)
        if choice == NO_MANAGER and none_label:
            data[f"{key}_id"], data[f"{key}_name"] = None, ""
            return None
        people, _ = await team.colleagues(
            ctx.user,
            exclude=int(data.get("user_id", 0)),
            managers_only=managers_only,
            offset=int(data.get(f"{key}_offset", 0)),
            limit=ctx.settings.page_size,
        )
        names = {str(uid): name for uid, name, _ in people}
        if choice not in names:
            raise Invalid(ctx._("Please tap one of the names listed."))
        data[f"{key}_id"], data[f"{key}_name"] = int(choice), names[choice]
        return None

    return Step(key, ask, answer)


async def ask_invite_name(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(ctx._("Their name? (optional; otherwise their messenger name is used)"))


async def answer_invite_name(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    data["name"] = text_of(answer, ctx, max_len=100, what=ctx._("Please type a name, or skip."))
    return None


async def ask_invite_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    lines = [
        ctx._("Create this invite?"),
        ctx._("Role: {role}").format(role=_role(ctx, data["role"])),
    ]
    if data.get("manager_id"):
        lines.append(ctx._("Manager: {name}").format(name=data["manager_name"]))
    if data.get("name"):
        lines.append(ctx._("Name: {name}").format(name=data["name"]))
    return Question("\n".join(lines), [_save(ctx, ctx._("✅ Create invite"))])


async def answer_invite_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if not confirmed(answer):
        raise Invalid(ctx._("Tap Create invite, or Cancel."))
    try:
        invite = await users.create_invite(
            ctx.user,
            Role(data["role"]),
            manager_id=data.get("manager_id"),
            name=data.get("name", ""),
            days=ctx.settings.invite_days,
            now=ctx.now,
        )
    except PermissionDenied:
        return Done([Reply(ctx._("You may not invite that person. Nothing was created."))])
    except InvalidInput:
        return Done([Reply(ctx._("That manager is not active any more. Nothing was created."))])
    lines = [
        ctx._("✅ Invite ready. Forward the message below to {name}.").format(
            name=data.get("name") or ctx._("the new person")
        ),
    ]
    forward = [
        ctx._("You are invited to our sales bot ({role}).").format(role=_role(ctx, data["role"]))
    ]
    if ctx.settings.telegram_bot_username:
        forward.append(
            ctx._("Telegram: tap {link}").format(
                link=f"https://t.me/{ctx.settings.telegram_bot_username}?start={invite.code}"
            )
        )
    else:
        forward.append(ctx._("Telegram: send /start {code} to the bot").format(code=invite.code))
    forward.append(ctx._("WeChat / WeCom: send 绑定 {code}").format(code=invite.code))
    forward.append(
        ctx.ngettext(
            "The code works once, within {days} day.",
            "The code works once, within {days} days.",
            ctx.settings.invite_days,
        ).format(days=ctx.settings.invite_days)
    )
    return Done([Reply("\n".join(lines)), Reply("\n".join(forward))])


INVITE = Dialog(
    name="invite",
    title=N_("Invite"),
    begin=begin_invite,
    steps=(
        Step("role", ask_invite_role, answer_invite_role),
        people_step(
            "manager",
            N_("Who is their manager?"),
            managers_only=True,
            none_label=N_("No manager"),
            reps_only=True,
        ),
        Step("name", ask_invite_name, answer_invite_name, optional=True),
        Step("confirm", ask_invite_confirm, answer_invite_confirm),
    ),
)


# --- /team and a person's card ---------------------------------------------------------------


def _member_line(ctx: Ctx, member: team.Member) -> str:
    parts = [member.name, _role(ctx, member.role)]
    if member.manager_name:
        parts.append(ctx._("under {name}").format(name=member.manager_name))
    parts.append(", ".join(member.channels) if member.channels else ctx._("no channel yet"))
    parts.append(
        ctx.ngettext(
            "{count} visit this week", "{count} visits this week", member.visits_this_week
        ).format(count=member.visits_this_week)
    )
    line = " · ".join(parts)
    return line if member.active else f"{line} · {ctx._('deactivated')}"


async def team_command(ctx: Ctx, arg: str) -> list[Reply]:
    """/team (and its pager): the people the user may see, a page at a time."""
    offset = int(arg) if arg.isdigit() else 0
    try:
        page, total = await team.members(
            ctx.user, week_start=_week_start(ctx), offset=offset, limit=ctx.settings.page_size
        )
    except PermissionDenied:
        return [Reply(ctx._("Only managers and admins see a team."))]
    if not page:
        return [Reply(ctx._("Nobody here yet. Invite someone with /invite."))]
    lines = [ctx.ngettext("{count} person", "{count} people", total).format(count=total)]
    rows: list[tuple[Button, ...]] = []
    for number, member in enumerate(page, offset + 1):
        lines.append(f"{number}. {_member_line(ctx, member)}")
        rows.append((action(f"{number}. {member.name}"[:60], "person", member.id),))
    nav = pager(ctx, "team", offset, len(page), total)
    if nav:
        rows.append(nav)
    return [Reply("\n".join(lines), tuple(rows))]


async def person_card(ctx: Ctx, arg: str) -> list[Reply]:
    """Action 'person:<id>': one person, with what an admin may change."""
    if not arg.isdigit():
        return [Reply(ctx._("That button is not valid any more."))]
    try:
        member = await team.member(ctx.user, int(arg), week_start=_week_start(ctx))
    except (NotFound, PermissionDenied):
        return [Reply(ctx._("Not found, or not yours to see."))]
    lines = [f"👤 {_member_line(ctx, member)}"]
    lines.append(
        ctx.ngettext("{count} customer", "{count} customers", member.customers).format(
            count=member.customers
        )
    )
    buttons: tuple[tuple[Button, ...], ...] = ()
    if team.can_manage(ctx.user) and member.active and member.id != ctx.user.id:
        buttons = (
            (
                action(ctx._("Change role"), "prole", member.id),
                action(ctx._("Change manager"), "pmgr", member.id),
            ),
            (action(ctx._("Deactivate…"), "pdeact", member.id),),
        )
    return [Reply("\n".join(lines), buttons)]


def _person_action(dialog: str) -> Any:
    async def start(ctx: Ctx, arg: str) -> list[Reply] | Start:
        if not arg.isdigit():
            return [Reply(ctx._("That button is not valid any more."))]
        return Start(dialog, args=arg)

    return start


async def begin_person(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    """The person a change is about, if the admin may change them."""
    if not team.can_manage(ctx.user):
        return [Reply(ctx._("Only admins change roles, managers and leavers."))]
    try:
        member = await team.member(ctx.user, int(args), week_start=_week_start(ctx))
    except (NotFound, ValueError):
        return [Reply(ctx._("Not found, or not yours to see."))]
    if not member.active or member.id == ctx.user.id:
        return [Reply(ctx._("That cannot be changed here."))]
    return {
        "user_id": member.id,
        "user_name": member.name,
        "old_role": member.role,
        "old_manager": member.manager_name,
    }


async def ask_new_role(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    choices = [(role.value, _role(ctx, role)) for role in Role if role.value != data["old_role"]]
    text = ctx._("{name} is {role} now. New role?").format(
        name=data["user_name"], role=_role(ctx, data["old_role"])
    )
    return Question(text, choices, columns=2)


async def answer_new_role(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if answer.choice not in {role.value for role in Role}:
        raise Invalid(ctx._("Please tap one of the roles."))
    data["role"] = answer.choice
    return None


async def ask_role_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    text = ctx._("Change the role of {name}: {before} → {after}?").format(
        name=data["user_name"], before=_role(ctx, data["old_role"]), after=_role(ctx, data["role"])
    )
    return Question(text, [_save(ctx, ctx._("✅ Save"))])


async def answer_role_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if not confirmed(answer):
        raise Invalid(ctx._("Tap Save to keep it, or Cancel to drop it."))
    await team.set_role(ctx.user, data["user_id"], Role(data["role"]))
    return Done([Reply("✅ " + ctx._("Saved."))] + await person_card(ctx, str(data["user_id"])))


CHANGE_ROLE = Dialog(
    name="prole",
    title=N_("Change role"),
    begin=begin_person,
    steps=(
        Step("role", ask_new_role, answer_new_role),
        Step("confirm", ask_role_confirm, answer_role_confirm),
    ),
)


async def ask_manager_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    text = ctx._("Change the manager of {name}: {before} → {after}?").format(
        name=data["user_name"],
        before=data["old_manager"] or ctx._("nobody"),
        after=data["manager_name"] or ctx._("nobody"),
    )
    return Question(text, [_save(ctx, ctx._("✅ Save"))])


async def answer_manager_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if not confirmed(answer):
        raise Invalid(ctx._("Tap Save to keep it, or Cancel to drop it."))
    try:
        await team.set_manager(ctx.user, data["user_id"], data["manager_id"])
    except InvalidInput as bad:
        data.pop("manager_id", None)
        raise Invalid(
            ctx._("{name} cannot manage their own manager. Pick someone else.").format(
                name=data["user_name"]
            )
        ) from bad
    return Done([Reply("✅ " + ctx._("Saved."))] + await person_card(ctx, str(data["user_id"])))


CHANGE_MANAGER = Dialog(
    name="pmgr",
    title=N_("Change manager"),
    begin=begin_person,
    steps=(
        people_step(
            "manager",
            N_("Who should manage {name}?"),
            managers_only=True,
            none_label=N_("No manager"),
        ),
        Step("confirm", ask_manager_confirm, answer_manager_confirm),
    ),
)


async def ask_deactivate_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    text = ctx._(
        "Deactivate {name}? Their customers, open follow-ups and direct reports go to "
        "{successor}, and {name} can no longer use the bot."
    ).format(name=data["user_name"], successor=data["successor_name"])
    return Question(text, [_save(ctx, ctx._("Deactivate {name}").format(name=data["user_name"]))])


async def answer_deactivate_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if not confirmed(answer):
        raise Invalid(ctx._("Tap Deactivate to go ahead, or Cancel."))
    result = await team.deactivate(
        ctx.user, data["user_id"], handover_to=data["successor_id"], now=ctx.now
    )
    text = ctx._(
        "✅ {name} is deactivated. To {successor}: {customers} customers, {followups} open "
        "follow-ups, {reports} direct reports."
    ).format(
        name=data["user_name"],
        successor=data["successor_name"],
        customers=result.customers,
        followups=result.followups,
        reports=result.reports,
    )
    return Done([Reply(text)])


DEACTIVATE = Dialog(
    name="pdeact",
    title=N_("Deactivate"),
    begin=begin_person,
    steps=(
        people_step(
            "successor", N_("Who takes over the customers of {name}?"), managers_only=False
        ),
        Step("confirm", ask_deactivate_confirm, answer_deactivate_confirm),
    ),
)


FEATURE = Feature(
    name="team",
    commands=(
        Command(
            "invite",
            N_("invite someone new (a deep link or a 绑定 code to forward)"),
            LEADS,
            dialog=INVITE,
        ),
        Command(
            "team", N_("your team: roles, managers, visits this week"), LEADS, run=team_command
        ),
    ),
    dialogs=(CHANGE_ROLE, CHANGE_MANAGER, DEACTIVATE),
    actions={
        "team": team_command,
        "person": person_card,
        **{
            dialog.name: _person_action(dialog.name)
            for dialog in (CHANGE_ROLE, CHANGE_MANAGER, DEACTIVATE)
        },
    },
)
