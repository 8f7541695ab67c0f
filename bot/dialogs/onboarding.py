"""People the bot does not know yet: the WeChat bind words, invites redeemed, the first welcome.

Strangers get one polite line and nothing else; a valid invite code (`/start CODE`, or
`绑定 CODE` on WeChat) makes them a user, welcomed with the help for their role.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from bot.config import Settings
from bot.dialogs.base import Ctx
from bot.dialogs.registry import Registry
from bot.i18n import N_, Translator
from bot.messages import Incoming, Reply
from bot.services.errors import InvalidInput
from bot.services.people import users
from bot.services.records.customers import DuplicateFinder

CHINESE_FIRST_CHANNELS = frozenset({"wechat", "wecom"})
# A stranger who keeps writing is told how to get in once per this long, not once per message.
STRANGER_LINE_EVERY = timedelta(minutes=10)
# "绑定 CODE" is how people on WeChat expect to bind an account; it means "/start CODE".
INVITE_REFUSALS = {
    "invite_invalid": N_(
        "That invite code is not valid or has expired. Please ask your admin for a new one."
    ),
    "invite_used": N_(
        "That invite code was already used; each code works once. Please ask your admin for a "
        "new one."
    ),
    "invite_expired": N_("That invite code has expired. Please ask your admin for a new one."),
}
BIND = re.compile(r"^\s*绑定[\s:：]*([A-Za-z0-9]{4,32})\s*$")


def split_command(text: str) -> tuple[str, str]:
    """'/visit@my_bot Acme' → ('visit', 'Acme'); anything else → ('', '')."""
    if not text.startswith("/"):
        return "", ""
    head, _, args = text[1:].partition(" ")
    return head.split("@", 1)[0].lower(), args.strip()


def rewrite_bind(msg: Incoming) -> Incoming:
    """On WeChat and WeCom, "绑定 CODE" is the same as "/start CODE"."""
    if msg.channel in CHINESE_FIRST_CHANNELS and msg.text and (bind := BIND.match(msg.text)):
        return replace(msg, text=f"/start {bind.group(1)}")
    return msg


def defaults_for(settings: Settings, channel: str) -> users.Defaults:
    """New users start in the company language, except WeChat users, who start in Chinese."""
    locale = "zh" if channel in CHINESE_FIRST_CHANNELS else settings.locale
    return users.Defaults(locale=locale, timezone=settings.timezone)


async def stranger(
    msg: Incoming, now: datetime, settings: Settings, registry: Registry, finder: DuplicateFinder
) -> list[Reply]:
    """One polite line, or, for a valid invite code, the new user's welcome and help. Each
    line (how to get in; a wrong code) goes once per chat per `STRANGER_LINE_EVERY`: a flood
    gets one; a welcome is never held back."""
    defaults = defaults_for(settings, msg.channel)
    t = Translator.for_user(defaults.locale, defaults.timezone, now=now)
    command, args = split_command(msg.text or "")
    code = args.split()[0] if command == "start" and args.split() else ""
    if not code:
        if not await users.may_tell_stranger(
            msg.channel, msg.external_id, "hello", now=now, every=STRANGER_LINE_EVERY
        ):
            return []
        return [
            Reply(
                t.gettext(
                    "Hello! This is a private sales bot. Please ask your admin for an invite."
                )
            )
        ]
    try:
        user = await users.redeem_invite(
            code,
            msg.channel,
            msg.external_id,
            display_name=msg.display_name,
            defaults=defaults,
            now=now,
        )
    except InvalidInput as refused:
        if not await users.may_tell_stranger(
            msg.channel, msg.external_id, "bad code", now=now, every=STRANGER_LINE_EVERY
        ):
            return []
        return [
            Reply(t.gettext(INVITE_REFUSALS.get(refused.code, INVITE_REFUSALS["invite_invalid"])))
        ]
    t = Translator.for_user(user.locale, user.timezone, now=now)
    ctx = Ctx(user, t, now, settings, finder, msg, registry)
    welcome = t.gettext("Welcome, {name}! You are in.").format(name=user.name)
    help_command = registry.commands.get("help")
    if help_command is None:
        return [Reply(welcome)]
    result = await help_command(ctx, "")
    return [Reply(welcome)] + (result if isinstance(result, list) else [])
