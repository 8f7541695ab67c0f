"""/start, /help, /lang and /tz: getting in and setting oneself up."""

from __future__ import annotations

from typing import Any

from bot.dialogs.base import Ctx, Dialog, Done, Invalid, Start, Transition
from bot.dialogs.feature import EVERYONE, Command, Feature
from bot.dialogs.labels import ROLE_LABELS
from bot.dialogs.widgets import Option, Pick, fold
from bot.i18n import N_, Translator
from bot.messages import Reply
from bot.models import Role
from bot.services.errors import InvalidInput
from bot.services.people import users


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


LANGUAGES = (
    Option("en", "English", ("en", "english", "英文", "英语")),
    Option("zh", "中文", ("zh", "zh_cn", "zh-cn", "cn", "chinese", "简体中文", "汉语", "中文")),
)


async def _set_language(ctx: Ctx, data: dict[str, Any]) -> Transition:
    """Store the language and say so in it."""
    language = await users.set_locale(ctx.user, data["language"])
    t = Translator.for_user(language, ctx.user.timezone, now=ctx.now)
    said = (
        t.gettext("Language set to English.")
        if language == "en"
        else t.gettext("Language set to Chinese.")
    )
    return Done([Reply(said)])


def _language_of(typed: str) -> str | None:
    """The language a typed word names ("zh", "English", "中文"), or None."""
    word = fold(typed)
    for option in LANGUAGES:
        if word == fold(option.value) or word in {fold(w) for w in option.words}:
            return option.value
    return None


async def begin_lang(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply] | Start:
    """`/lang zh` switches at once; a language the bot does not speak is said, with the choice."""
    if not args.strip():
        return {}
    language = _language_of(args)
    if language is None:
        unknown = ctx._(
            "I do not speak “{language}”. I speak English (/lang en) and 中文 (/lang zh)."
        ).format(language=" ".join(args.split())[:30])
        return Start("lang", note=[Reply(unknown)])
    done = await _set_language(ctx, {"language": language})
    return done.replies if isinstance(done, Done) else {}


LANG = Dialog(
    name="lang",
    title=N_("Language"),
    begin=begin_lang,
    steps=(
        Pick(
            key="language",
            prompt=N_("Which language?"),
            choices=LANGUAGES,
            columns=2,
            invalid=N_("Please choose English or 中文."),
            then=_set_language,
        ),
    ),
)

ZONES = tuple(
    Option(zone, zone)
    for zone in (
        "Asia/Shanghai",
        "Asia/Singapore",
        "Europe/Berlin",
        "Europe/London",
        "America/New_York",
    )
)


def _unknown_zone(ctx: Ctx, typed: str) -> str:
    return ctx._(
        "I do not know the time zone “{zone}”. Use the Area/City form, "
        "e.g. Asia/Shanghai or Europe/Berlin."
    ).format(zone=" ".join(typed.split())[:40])


async def _set_zone(ctx: Ctx, data: dict[str, Any]) -> Transition:
    try:
        zone = await users.set_timezone(ctx.user, data["zone"])
    except InvalidInput as bad:
        raise Invalid(_unknown_zone(ctx, data["zone"])) from bad
    return Done([Reply(ctx._("Time zone set to {zone}.").format(zone=zone))])


async def begin_tz(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply] | Start:
    """`/tz Europe/Berlin` switches at once; a zone that does not exist is said, with the
    choice."""
    if not args.strip():
        return {}
    try:
        done = await _set_zone(ctx, {"zone": args})
    except Invalid as bad:
        return Start("tz", note=[Reply(bad.message)])
    return done.replies if isinstance(done, Done) else {}


def _tz_prompt(ctx: Ctx, data: dict[str, Any]) -> str:
    return ctx._("Your time zone is {zone}. Pick another or type one (Area/City):").format(
        zone=ctx.user.timezone
    )


TZ = Dialog(
    name="tz",
    title=N_("Time zone"),
    begin=begin_tz,
    steps=(
        Pick(
            key="zone",
            prompt=_tz_prompt,
            choices=ZONES,
            columns=2,
            free=True,
            max_len=64,
            invalid=N_("I do not know that time zone. Use the Area/City form, e.g. Europe/Berlin."),
            then=_set_zone,
        ),
    ),
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
