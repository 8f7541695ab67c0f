"""The `crmbot` command: chat on the console, migrate, invite people, manage users, demo data."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.app import running
from bot.config import Settings
from bot.db import close_db, migrate, open_db
from bot.models import ChannelIdentity, Role, User
from bot.services import users
from bot.services.errors import InvalidInput, NotFound

log = logging.getLogger("crmbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crmbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="talk to the bot on this terminal (or through a pipe)")
    who = chat.add_mutually_exclusive_group()
    who.add_argument("--user", type=int, help="speak as this user id (default: the local admin)")
    who.add_argument(
        "--as", dest="identity", help="speak as another console person (redeem an invite first)"
    )

    sub.add_parser("migrate", help="apply database migrations")

    invite = sub.add_parser("invite", help="create a one-time invite code")
    invite.add_argument("--role", required=True, choices=[r.value for r in Role])
    invite.add_argument("--manager", type=int, help="user id of the new person's manager")
    invite.add_argument("--name", default="", help="the new person's name")

    people = sub.add_parser("users", help="list users, or deactivate one with a handover")
    people_sub = people.add_subparsers(dest="action")
    deactivate = people_sub.add_parser("deactivate", help="deactivate a user, handing over all")
    deactivate.add_argument("user_id", type=int)
    deactivate.add_argument("--handover-to", type=int, required=True, dest="handover_to")

    demo = sub.add_parser("demo-data", help="fill the database with a realistic demo data set")
    demo.add_argument("--reps", type=int, default=20)
    demo.add_argument("--customers", type=int, default=1000)
    demo.add_argument("--visits", type=int, default=5000)
    demo.add_argument("--seed", type=int, default=1)
    return parser


async def _chat(settings: Settings, user_id: int | None, identity: str | None) -> int:
    from bot.handlers.console import CHANNEL, ConsoleChannel

    async with running(settings) as app:
        created = await users.ensure_local_admin(app.engine.defaults_for(CHANNEL))
        external_id = f"as-{identity}" if identity else users.LOCAL_CONSOLE_ID
        if created is not None:
            print(f"No admin yet: created the local admin (user {created.id}) for this console.")
        if user_id is not None:
            user = await User.filter(id=user_id, active=True).first()
            if user is None:
                print(f"No active user {user_id}.", file=sys.stderr)
                return 2
            external_id = f"user-{user.id}"
            await ChannelIdentity.get_or_create(
                channel=CHANNEL, external_id=external_id, defaults={"user": user}
            )
            print(f"Speaking as {user.name} ({user.role}, user {user.id}).")
        print("Type /help to see what I can do, /quit to leave.", flush=True)
        await ConsoleChannel(app.engine, external_id).run()
    return 0


async def _invite(settings: Settings, role: str, manager: int | None, name: str) -> int:
    await open_db(settings.database_url)
    try:
        invite = await users.create_invite(
            None, Role(role), manager_id=manager, name=name, days=settings.invite_days
        )
    except InvalidInput as bad:
        print(f"Cannot invite: {bad.code} {bad.detail}", file=sys.stderr)
        return 2
    finally:
        await close_db()
    print(
        f"Invite code: {invite.code}  (role {role}, expires {invite.expires_at:%Y-%m-%d %H:%M} UTC)"
    )
    print(f"The new person sends: /start {invite.code}")
    if settings.telegram_bot_username:
        print(f"Telegram link: https://t.me/{settings.telegram_bot_username}?start={invite.code}")
    return 0


async def _users(settings: Settings, args: argparse.Namespace) -> int:
    await open_db(settings.database_url)
    try:
        if args.action == "deactivate":
            try:
                result = await users.deactivate(args.user_id, handover_to=args.handover_to)
            except (InvalidInput, NotFound) as bad:
                print(f"Cannot deactivate: {bad}", file=sys.stderr)
                return 2
            print(
                f"User {args.user_id} deactivated; to user {args.handover_to}: "
                f"{result.customers} customers, {result.followups} open follow-ups, "
                f"{result.reports} direct reports."
            )
            return 0
        rows = await users.list_users()
    finally:
        await close_db()
    print(f"{'id':>5}  {'name':<24} {'role':<8} {'manager':>7}  {'channels':<20} active")
    for row in rows:
        manager = str(row.manager_id) if row.manager_id else "-"
        channels = ",".join(row.channels) or "-"
        print(
            f"{row.id:>5}  {row.name[:24]:<24} {row.role:<8} {manager:>7}  {channels:<20} "
            f"{'yes' if row.active else 'no'}"
        )
    return 0


async def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo import generate

    await open_db(settings.database_url)
    try:
        counts = await generate(
            reps=args.reps, customers=args.customers, visits=args.visits, seed=args.seed
        )
    finally:
        await close_db()
    print("Demo data: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0


async def _migrate(settings: Settings) -> int:
    await migrate(settings.database_url)
    print("Database is up to date.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()
    match args.command:
        case "chat":
            return asyncio.run(_chat(settings, args.user, args.identity))
        case "migrate":
            return asyncio.run(_migrate(settings))
        case "invite":
            return asyncio.run(_invite(settings, args.role, args.manager, args.name))
        case "users":
            return asyncio.run(_users(settings, args))
        case "demo-data":
            return asyncio.run(_demo(settings, args))
    return 2


if __name__ == "__main__":
    sys.exit(main())
