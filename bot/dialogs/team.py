"""/invite and /team: bringing people in and running the team from the phone.

An admin invites anyone and changes roles, managers and leavers from a person's card; a manager
invites reps into their own team and sees that team. The services check every rule again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from bot.dialogs.base import Answer, Ctx, Dialog, Done, Goto, Invalid, Question, Start, Transition
from bot.dialogs.common import action, local_today, pager
from bot.dialogs.convert import to_id, to_int
from bot.dialogs.feature import LEADS, Command, Feature
from bot.dialogs.labels import ROLE_LABELS
from bot.dialogs.widgets import Confirm, Option, Pick, Text, Widget, prompt_text
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.models import Role
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.people import team, users

NO_MANAGER = "none"
PAGE = "page:"


def _role(ctx: Ctx, role: str) -> str:
    return ctx._(ROLE_LABELS[Role(role)])


def _week_start(ctx: Ctx) -> datetime:
    """Monday 00:00 of the user's week: 'visits this week' means their week."""
    today = local_today(ctx)
    return datetime.combine(today - timedelta(days=today.weekday()), time(), ctx.t.timezone)


@dataclass(frozen=True, slots=True, kw_only=True)
class Colleague(Widget):
    """An active colleague from a paged list (optionally "nobody"), stored as `<key>_id` and
    `<key>_name`. A widget of its own: the list is a page of a database query, not fixed options."""

    def fields(self) -> dict[str, Any]:
        return {f"{self.key}_id": int | None, f"{self.key}_name": str, f"{self.key}_offset": int}

    managers_only: bool = False
    none_label: str = ""

    async def _page(self, ctx: Ctx, data: dict[str, Any]) -> tuple[list[tuple[int, str, str]], int]:
        return await team.colleagues(
            ctx.user,
            exclude=int(data.get("user_id") or 0),
            managers_only=self.managers_only,
            offset=int(data.get(f"{self.key}_offset") or 0),
            limit=ctx.settings.page_size,
        )

    async def ask(self, ctx: Ctx, data: dict[str, Any]) -> Question | None:
        if f"{self.key}_id" in data or (self.when is not None and not self.when(ctx, data)):
            return None
        offset = int(data.get(f"{self.key}_offset") or 0)
        size = ctx.settings.page_size
        people, total = await self._page(ctx, data)
        choices = [(str(uid), f"{name} ({_role(ctx, role)})") for uid, name, role in people]
        if self.none_label:
            choices.append((NO_MANAGER, ctx._(self.none_label)))
        if offset + len(people) < total:
            choices.append((f"{PAGE}{offset + size}", ctx._("More ›")))
        if offset:
            choices.append((f"{PAGE}{max(0, offset - size)}", ctx._("‹ Previous")))
        text = prompt_text(ctx, self.prompt, {**data, "name": data.get("user_name", "")})
        return Question(text, choices)

    async def answer(self, ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
        choice = answer.choice or ""
        if choice.startswith(PAGE):
            offset = to_int(choice[len(PAGE) :], high=10**9)
            if offset is None:
                raise Invalid(ctx._("Please tap one of the names listed."))
            data[f"{self.key}_offset"] = offset
            return Goto(self.key)
        if choice == NO_MANAGER and self.none_label:
            picked: tuple[int | None, str] = (None, "")
        else:
            people, _ = await self._page(ctx, data)
            names = {uid: name for uid, name, _ in people}
            uid = to_id(choice)
            if uid not in names:
                raise Invalid(ctx._("Please tap one of the names listed."))
            picked = (uid, names[uid])
        data[f"{self.key}_id"], data[f"{self.key}_name"] = picked
        if self.then is None:
            return None
        try:
            return await self.then(ctx, data)
        except Invalid:
            data.pop(f"{self.key}_id", None)
            data.pop(f"{self.key}_name", None)
            raise


# --- /invite ---------------------------------------------------------------------------------


async def begin_invite(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    roles = team.invite_roles(ctx.user)
    if not roles:
        return [Reply(ctx._("Only admins and managers invite people."))]
    if roles == (Role.REP,):
        # A manager invites reps into their own team: they are the manager, nothing to choose.
        return {"role": Role.REP.value, "manager_id": ctx.user.id, "manager_name": ctx.user.name}
    return {}


def _invite_roles(ctx: Ctx, data: dict[str, Any]) -> list[Option]:
    return [Option(role.value, ROLE_LABELS[role]) for role in team.invite_roles(ctx.user)]


def _is_rep(ctx: Ctx, data: dict[str, Any]) -> bool:
    return data.get("role") == Role.REP.value


def _no_manager(ctx: Ctx, data: dict[str, Any]) -> str:
    """The warning for a rep without a manager: their requests would find nobody to approve."""
    return "⚠️ " + ctx._(
        "No manager: requests by {name} (credit limits, discounts) will have nobody to approve "
        "them until a manager is set (/team → Change manager)."
    ).format(name=data.get("name") or ctx._("the new person"))


def _invite_summary(ctx: Ctx, data: dict[str, Any]) -> str:
    lines = [
        ctx._("Create this invite?"),
        ctx._("Role: {role}").format(role=_role(ctx, data["role"])),
    ]
    if data.get("manager_id"):
        lines.append(ctx._("Manager: {name}").format(name=data["manager_name"]))
    if data.get("name"):
        lines.append(ctx._("Name: {name}").format(name=data["name"]))
    if _is_rep(ctx, data) and not data.get("manager_id"):
        lines.append(_no_manager(ctx, data))
    return "\n".join(lines)


async def _create_invite(ctx: Ctx, data: dict[str, Any]) -> Transition:
    manager_id = to_id(str(data.get("manager_id") or ""))
    try:
        invite = await users.create_invite(
            ctx.user,
            Role(data["role"]),
            manager_id=manager_id,
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
    if _is_rep(ctx, data) and manager_id is None:
        lines.append(_no_manager(ctx, data))
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
        Pick(
            key="role",
            prompt=N_("Invite someone new. As what?"),
            choices=_invite_roles,
            skip_if_set=True,
            columns=2,
            invalid=N_("Please tap one of the roles."),
        ),
        Colleague(
            key="manager",
            prompt=N_("Who is their manager?"),
            managers_only=True,
            none_label=N_("No manager"),
            when=_is_rep,
        ),
        Text(
            key="name",
            prompt=N_("Their name? (optional; otherwise their messenger name is used)"),
            optional=True,
            max_len=100,
            empty=N_("Please type a name, or skip."),
        ),
        Confirm(
            prompt=_invite_summary,
            label=N_("✅ Create invite"),
            refuse=N_("Tap Create invite, or Cancel."),
            save=_create_invite,
        ),
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
    offset = to_int(arg, high=10**9) or 0
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
    user_id = to_id(arg)
    if user_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    try:
        member = await team.member(ctx.user, user_id, week_start=_week_start(ctx))
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
        if to_id(arg) is None:
            return [Reply(ctx._("That button is not valid any more."))]
        return Start(dialog, args=arg)

    return start


async def begin_person(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    """The person a change is about, if the admin may change them."""
    if not team.can_manage(ctx.user):
        return [Reply(ctx._("Only admins change roles, managers and leavers."))]
    user_id = to_id(args)
    if user_id is None:
        return [Reply(ctx._("That button is not valid any more."))]
    try:
        member = await team.member(ctx.user, user_id, week_start=_week_start(ctx))
    except NotFound:
        return [Reply(ctx._("Not found, or not yours to see."))]
    if not member.active or member.id == ctx.user.id:
        return [Reply(ctx._("That cannot be changed here."))]
    return {
        "user_id": member.id,
        "user_name": member.name,
        "old_role": member.role,
        "old_manager": member.manager_name,
    }


def _other_roles(ctx: Ctx, data: dict[str, Any]) -> list[Option]:
    return [
        Option(role.value, label) for role, label in ROLE_LABELS.items() if role != data["old_role"]
    ]


def _new_role_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    return ctx._("{name} is {role} now. New role?").format(
        name=data["user_name"], role=_role(ctx, data["old_role"])
    )


def _role_summary(ctx: Ctx, data: dict[str, Any]) -> str:
    return ctx._("Change the role of {name}: {before} → {after}?").format(
        name=data["user_name"], before=_role(ctx, data["old_role"]), after=_role(ctx, data["role"])
    )


async def _save_role(ctx: Ctx, data: dict[str, Any]) -> Transition:
    await team.set_role(ctx.user, data["user_id"], Role(data["role"]))
    return Done([Reply("✅ " + ctx._("Saved."))] + await person_card(ctx, str(data["user_id"])))


CHANGE_ROLE = Dialog(
    name="prole",
    title=N_("Change role"),
    begin=begin_person,
    steps=(
        Pick(
            key="role",
            prompt=_new_role_prompt,
            choices=_other_roles,
            columns=2,
            invalid=N_("Please tap one of the roles."),
        ),
        Confirm(prompt=_role_summary, save=_save_role),
    ),
)


async def _not_their_own_report(ctx: Ctx, data: dict[str, Any]) -> Transition:
    """A manager from the person's own team is refused when picked, not at Save."""
    try:
        await team.check_manager(data["user_id"], data["manager_id"])
    except InvalidInput as bad:
        raise Invalid(
            ctx._("{name} cannot manage their own manager. Pick someone else.").format(
                name=data["user_name"]
            )
        ) from bad
    return None


def _manager_summary(ctx: Ctx, data: dict[str, Any]) -> str:
    return ctx._("Change the manager of {name}: {before} → {after}?").format(
        name=data["user_name"],
        before=data["old_manager"] or ctx._("nobody"),
        after=data["manager_name"] or ctx._("nobody"),
    )


async def _save_manager(ctx: Ctx, data: dict[str, Any]) -> Transition:
    try:
        await team.set_manager(ctx.user, data["user_id"], data["manager_id"])
    except InvalidInput:
        # The team changed since the pick (or the manager left): pick again.
        data.pop("manager_id", None)
        data.pop("manager_name", None)
        return Goto("manager")
    return Done([Reply("✅ " + ctx._("Saved."))] + await person_card(ctx, str(data["user_id"])))


CHANGE_MANAGER = Dialog(
    name="pmgr",
    title=N_("Change manager"),
    begin=begin_person,
    steps=(
        Colleague(
            key="manager",
            prompt=N_("Who should manage {name}?"),
            managers_only=True,
            none_label=N_("No manager"),
            then=_not_their_own_report,
        ),
        Confirm(prompt=_manager_summary, save=_save_manager),
    ),
)


TO_POOL = "pool"
HAND_OVER = "hand"
WHITHER = (
    Option(HAND_OVER, N_("Hand them to someone")),
    Option(TO_POOL, N_("Send them to the public pool")),
)


def _handing_over(ctx: Ctx, data: dict[str, Any]) -> bool:
    return data.get("whither") != TO_POOL


def _deactivate_summary(ctx: Ctx, data: dict[str, Any]) -> str:
    if not _handing_over(ctx, data):
        return ctx._(
            "Deactivate {name}? Their customers go to the public pool, where any rep may claim "
            "them; their direct reports go to their manager, and {name} can no longer use the bot."
        ).format(name=data["user_name"])
    return ctx._(
        "Deactivate {name}? Their customers, open follow-ups and direct reports go to "
        "{successor}, and {name} can no longer use the bot."
    ).format(name=data["user_name"], successor=data["successor_name"])


async def _deactivate(ctx: Ctx, data: dict[str, Any]) -> Transition:
    if not _handing_over(ctx, data):
        result = await team.deactivate(
            ctx.user, data["user_id"], handover_to=None, now=ctx.now, to_pool=True
        )
        text = ctx.ngettext(
            "✅ {name} is deactivated; {count} customer went to the public pool.",
            "✅ {name} is deactivated; {count} customers went to the public pool.",
            result.customers,
        ).format(name=data["user_name"], count=result.customers)
        return Done([Reply(text)])
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
        Pick(
            key="whither",
            prompt=N_("Their customers: hand them to someone, or send them to the public pool?"),
            choices=WHITHER,
            invalid=N_("Please tap one of the options."),
        ),
        Colleague(
            key="successor",
            prompt=N_("Who takes over the customers of {name}?"),
            when=_handing_over,
        ),
        Confirm(
            prompt=_deactivate_summary,
            label=N_("Deactivate {user_name}"),
            refuse=N_("Tap Deactivate to go ahead, or Cancel."),
            save=_deactivate,
        ),
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
