"""/start, /help, /lang and /tz: getting in and setting oneself up."""

from __future__ import annotations

from typing import Any

from bot.dialogs.base import Answer, Ctx, Dialog, Done, Invalid, Question, Step, Transition
from bot.dialogs.feature import EVERYONE, Command, Feature
from bot.dialogs.labels import ROLE_LABELS
from bot.i18n import N_, Translator
from bot.messages import Reply
from bot.models import Role
from bot.services import users
from bot.services.errors import InvalidInput


async def help_command(ctx: Ctx, args: str) -> list[Reply]:
    """The commands this person has, by role."""
    lines = [ctx._("What I can do:")]
    lines += [f"/{name} — {ctx._(text)}" for name, text in ctx.registry.menu(Role(ctx.user.role))]
    lines += [
        "",
        ctx._(
            "Quicker: just type or say what happened, e.g. “Visited Acme, they want 200 units, "
            "call back next Friday”, and I will draft the visit for you to confirm."
        ),
    ]
    return [Reply("\n".join(lines))]


async def start_command(ctx: Ctx, args: str) -> list[Reply]:
    """A known user sending /start (again, or with a code) just gets a greeting and the help."""
    greeting = ctx._("Hello {name}! You are signed in as {role}.").format(
        name=ctx.user.name, role=ctx._(ROLE_LABELS[Role(ctx.user.role)])
    )
    if args.strip():
        greeting += " " + ctx._("You are already registered, so the code was not used.")
    return [Reply(greeting)] + await help_command(ctx, "")


async def link_command(ctx: Ctx, args: str) -> list[Reply]:
    """A one-time code to bind another messenger (Telegram, WeChat, WeCom) to this same user."""
    invite = await users.create_link_code(ctx.user, now=ctx.now)
    return [
        Reply(
            ctx._(
                "To use this account on another messenger too, send “/start {code}” there "
                "(on WeChat also “绑定 {code}”). The code works once, within 24 hours."
            ).format(code=invite.code)
        )
    ]


async def _set_language(ctx: Ctx, value: str) -> Reply:
    language = await users.set_locale(ctx.user, value)
    t = Translator.for_user(language, ctx.user.timezone, now=ctx.now)
    return Reply(
        t.gettext("Language set to English.")
        if language == "en"
        else t.gettext("Language set to Chinese.")
    )


async def begin_lang(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    if args.strip():
        return [await _set_language(ctx, args)]
    return {}


async def ask_lang(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    return Question(ctx._("Which language?"), [("en", "English"), ("zh", "中文")], columns=2)


async def answer_lang(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    value = answer.choice or (answer.text or "")
    if not value.strip():
        raise Invalid(ctx._("Please choose English or 中文."))
    return Done([await _set_language(ctx, value)])


LANG = Dialog(
    name="lang",
    title=N_("Language"),
    begin=begin_lang,
    steps=(Step("choose", ask_lang, answer_lang),),
)

ZONES = ("Asia/Shanghai", "Asia/Singapore", "Europe/Berlin", "Europe/London", "America/New_York")


async def _set_zone(ctx: Ctx, value: str) -> Reply:
    zone = await users.set_timezone(ctx.user, value)
    return Reply(ctx._("Time zone set to {zone}.").format(zone=zone))


async def begin_tz(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    if args.strip():
        try:
            return [await _set_zone(ctx, args)]
        except InvalidInput:
            return [
                Reply(
                    ctx._(
                        "I do not know the time zone “{zone}”. Use the Area/City form, "
                        "e.g. Asia/Shanghai or Europe/Berlin."
                    ).format(zone=args[:40])
                )
            ]
    return {}


async def ask_tz(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    text = ctx._("Your time zone is {zone}. Pick another or type one (Area/City):").format(
        zone=ctx.user.timezone
    )
    return Question(text, [(zone, zone) for zone in ZONES], columns=2)


async def answer_tz(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    try:
        return Done([await _set_zone(ctx, answer.choice or answer.text or "")])
    except InvalidInput as bad:
        raise Invalid(
            ctx._("I do not know that time zone. Use the Area/City form, e.g. Europe/Berlin.")
        ) from bad


TZ = Dialog(
    name="tz",
    title=N_("Time zone"),
    begin=begin_tz,
    steps=(Step("choose", ask_tz, answer_tz),),
)


FEATURE = Feature(
    name="account",
    commands=(
        Command("lang", N_("language: /lang en or /lang zh"), EVERYONE, dialog=LANG),
        Command("tz", N_("time zone: /tz Europe/Berlin"), EVERYONE, dialog=TZ),
        Command(
            "link", N_("use this account on another messenger too"), EVERYONE, run=link_command
        ),
        Command(
            "start", N_("greeting; /start CODE joins with an invite"), EVERYONE, run=start_command
        ),
        Command("cancel", N_("stop what you are doing"), EVERYONE),
        Command("help", N_("this list"), EVERYONE, run=help_command),
    ),
)
