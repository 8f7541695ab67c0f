"""The `crmbot` command line: parse the arguments, call `bot.app` (serve the channels, run the
scheduler, send a digest now) or a service (migrate, invite, users, import, export, backup, demo
data), print the outcome and return the exit code."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsError

from bot import app, logs
from bot.clock import system_clock, zone
from bot.config import Settings, describe
from bot.db import close_db, migrate, open_db
from bot.models import ChannelIdentity, Notification, Role, User
from bot.services.errors import InvalidInput, NotFound
from bot.services.people import users

# What a refusal means, said to the operator; `{detail}` is the refusal's detail.
PROBLEMS = {
    "unknown_manager": "there is no active user {detail} to be the manager (see crmbot users)",
    "handover_to_self": "a person cannot hand over to themselves; give someone else with "
    "--handover-to",
    "handover_target_invalid": "user {detail} is not an active user who can take over "
    "(see crmbot users)",
    "columns_missing": "the first row lacks the column(s) {detail}",
    "not_spreadsheet": "it is not a spreadsheet I can read; use an .xlsx or .csv file",
    "file_type": "it is not a spreadsheet I can read; use an .xlsx or .csv file",
    "file_unreadable": "it cannot be read as a spreadsheet; use an .xlsx or .csv file",
    "file_empty": "the file has no rows",
    "file_too_big": "the file is too big to import at once; split it",
    "amount_invalid": "the amount is not a number above zero",
    "number_invalid": "the invoice number is missing or not valid",
    "number_repeated": "the invoice number appears twice in the file",
    "currency_invalid": "the currency is not a three-letter code such as CNY",
    "date_invalid": "a date is not readable (use YYYY-MM-DD)",
    "due_before_issue": "the due date is before the issue date",
    "customer_unknown": "no such customer",
    "customer_ambiguous": "several customers have that name; give customer_id",
    "invoice_void": "the invoice is void and stays as it is",
    "amount_below_paid": "the new amount is below what was already paid",
    "paid_invoice_moved": "a paid invoice cannot change customer",
    "target_person_missing": "the rep column is empty",
    "target_person_unknown": "no such rep or manager among those you may set targets for",
    "target_person_ambiguous": "several people have that name; give the id (see crmbot users)",
    "month_invalid": "the month is not readable (use YYYY-MM, e.g. 2027-01)",
    "target_amount_invalid": "an amount is not a number above zero",
    "target_visits_invalid": "visits must be a whole number from 1 to 100000",
    "target_row_empty": "no won, collected or visits value",
}


def _problem(bad: InvalidInput | str) -> str:
    """A refusal as a sentence: never the service's code alone."""
    code, detail = (bad.code, bad.detail) if isinstance(bad, InvalidInput) else (bad, "")
    return PROBLEMS.get(code, "it cannot be used as it is").format(detail=detail or "?")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmbot",
        description="The `crmbot` command: chat on the console, migrate, invite people, "
        "manage users, demo data.",
    )
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
    whither = deactivate.add_mutually_exclusive_group(required=True)
    whither.add_argument("--handover-to", type=int, dest="handover_to")
    whither.add_argument(
        "--to-pool", action="store_true", dest="to_pool", help="customers to the public pool"
    )

    sub.add_parser(
        "run", help="serve every configured channel (Telegram, WeChat, WeCom) until stopped"
    )

    for name, what in (("digest", "a rep's morning digest"), ("summary", "a manager's summary")):
        one = sub.add_parser(name, help=f"send {what} for today now (or print it: --dry-run)")
        one.add_argument("--user", type=int, required=True, help="the user id")
        one.add_argument("--dry-run", action="store_true", help="print it, send nothing")

    box = sub.add_parser("outbox", help="the notification queue: counts, failures, unreachable")
    box.add_argument("--limit", type=int, default=20, help="failures and identities to list")

    sub.add_parser("scheduler", help="run the scheduled jobs and the outbox dispatcher alone")

    save = sub.add_parser("backup", help="write a consistent copy of the database to FILE")
    save.add_argument("file", help="SQLite: a database file; PostgreSQL: a pg_dump custom archive")
    back = sub.add_parser("restore", help="bring a backup FILE back into an empty database")
    back.add_argument("file")

    demo = sub.add_parser("demo-data", help="fill the database with a realistic demo data set")
    demo.add_argument("--reps", type=int, default=20)
    demo.add_argument("--customers", type=int, default=1000)
    demo.add_argument("--visits", type=int, default=5000)
    demo.add_argument("--seed", type=int, default=1)

    load = sub.add_parser("import", help="import data from a spreadsheet")
    load_sub = load.add_subparsers(dest="what", required=True)
    invoices = load_sub.add_parser(
        "invoices",
        help="invoices from .xlsx/.csv: number, customer (or customer_id), amount, currency, "
        "issue_date, due_date; all or nothing unless --partial",
    )
    invoices.add_argument("file")
    invoices.add_argument(
        "--partial", action="store_true", help="write the good rows even if some are refused"
    )
    people_file = load_sub.add_parser(
        "customers",
        help="customers from .xlsx/.csv (名称/name, 电话/phone, 地址, 行业, 等级, 负责人/owner, "
        "备注): a preview first, then created in one transaction when confirmed",
    )
    people_file.add_argument("file")
    people_file.add_argument("--user", type=int, help="import as this user (default: an admin)")
    people_file.add_argument("--yes", action="store_true", help="import without asking")

    goals = load_sub.add_parser(
        "targets",
        help="monthly targets from .xlsx/.csv: rep (name or id; a manager: the team), month, "
        "won, collected, visits, currency; a row with a bad value is skipped with its reason",
    )
    goals.add_argument("file")
    goals.add_argument("--user", type=int, help="set them as this user (default: an admin)")

    out = sub.add_parser(
        "export", help="write customers, visits, deals or receivables to .xlsx or .csv"
    )
    out.add_argument("what", choices=["customers", "visits", "deals", "receivables"])
    out.add_argument("file", help="the file to write: .xlsx, or .csv (UTF-8, as Excel opens it)")
    out.add_argument("--user", type=int, help="only what this user may see (default: all)")
    return parser


async def _chat(settings: Settings, user_id: int | None, identity: str | None) -> int:
    from bot.handlers.console import CHANNEL, ConsoleChannel

    async with app.running(settings) as running:
        created = await users.ensure_local_admin(running.engine.defaults_for(CHANNEL))
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
        await ConsoleChannel(running.engine, external_id).run()
    return 0


NO_MANAGER = (
    "Warning: this rep has no manager, so their requests (credit limits, discounts) will have "
    "nobody to approve them. Name one with --manager ID (see crmbot users), or later in the "
    "chat: /team, the person, Change manager."
)


async def _invite(settings: Settings, role: str, manager: int | None, name: str) -> int:
    await open_db(settings.database_url)
    try:
        invite = await users.create_invite(
            None,
            Role(role),
            manager_id=manager,
            name=name,
            days=settings.invite_days,
            now=system_clock(),
        )
    except InvalidInput as bad:
        print(f"Cannot invite: {_problem(bad)}.", file=sys.stderr)
        return 2
    finally:
        await close_db()
    if Role(role) == Role.REP and manager is None:
        print(NO_MANAGER, file=sys.stderr)
    print(
        f"Invite code: {invite.code}  (role {role}, expires {invite.expires_at:%Y-%m-%d %H:%M} UTC)"
    )
    print(f"The new person sends: /start {invite.code}")
    from bot.handlers.wechat import configured

    if configured(settings):
        print(f"On WeChat / WeCom also: 绑定 {invite.code}")
    if settings.telegram_bot_username:
        print(f"Telegram link: https://t.me/{settings.telegram_bot_username}?start={invite.code}")
    return 0


async def _users(settings: Settings, args: argparse.Namespace) -> int:
    await open_db(settings.database_url)
    try:
        if args.action == "deactivate":
            try:
                result = await users.deactivate(
                    args.user_id,
                    handover_to=args.handover_to,
                    now=system_clock(),
                    to_pool=args.to_pool,
                )
            except InvalidInput as bad:
                print(f"Cannot deactivate: {_problem(bad)}.", file=sys.stderr)
                return 2
            except NotFound:
                missing = f"there is no active user {args.user_id}"
                print(f"Cannot deactivate: {missing}.", file=sys.stderr)
                return 2
            whither = "to the pool" if args.to_pool else f"to user {args.handover_to}"
            print(
                f"User {args.user_id} deactivated; {whither}: "
                f"{result.customers} customers, {result.followups} open follow-ups, "
                f"{result.reports} direct reports."
            )
            return 0
        rows = await users.list_users()
        unreachable = await ChannelIdentity.filter(unreachable_at__isnull=False).values_list(
            "user_id", "channel", "unreachable_reason"
        )
    finally:
        await close_db()
    print(f"{'id':>5}  {'name':<24} {'role':<8} {'manager':>7}  {'channels':<20} active")
    for row in rows:
        manager = str(row.manager_id) if row.manager_id else "-"
        channels = ",".join(row.channels) or "-"
        print(
            f"{row.id:>5}  {_cell(row.name, 24)} {row.role:<8} {manager:>7}  {channels:<20} "
            f"{'yes' if row.active else 'no'}"
        )
    if unreachable:
        print("\nUnreachable (the bot cannot write to them; notifications fail until they return):")
        for user_id, channel, reason in unreachable:
            print(f"{user_id:>5}  {channel:<10} {reason}")
    return 0


def _cell(text: str, width: int) -> str:
    """`text` cut and padded to `width` columns as a terminal shows it (a Chinese character
    takes two), so the columns after a name line up."""
    from wcwidth import wcwidth

    shown, used = [], 0
    for char in " ".join(text.split()):
        size = max(wcwidth(char), 0)
        if used + size > width:
            break
        shown.append(char)
        used += size
    return "".join(shown) + " " * (width - used)


async def _import_invoices(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.services.finance.invoice_import import import_invoices

    path = Path(args.file)
    if not await asyncio.to_thread(path.is_file):
        print(f"Cannot import {path.name}: there is no such file.", file=sys.stderr)
        return 2
    await open_db(settings.database_url)
    try:
        report = await import_invoices(
            path, actor=None, currency=settings.currency.upper(), partial=args.partial
        )
    except InvalidInput as bad:
        print(f"Cannot import {path.name}: {_problem(bad)}.", file=sys.stderr)
        print("Nothing was changed.", file=sys.stderr)
        return 2
    finally:
        await close_db()
    verb = "" if report.applied else "would be "
    print(
        f"Invoices {verb}created: {report.created}, {verb}updated: {report.updated}, "
        f"unchanged: {report.unchanged}, refused: {len(report.refused)}"
    )
    for line, number, reason in report.refused[:200]:
        print(f"  row {line} {number or '-'}: {_problem(reason)}")
    if not report.applied:
        print("Nothing was changed: fix the refused rows, or use --partial.", file=sys.stderr)
        return 1
    return 0


async def _actor(settings: Settings, user_id: int | None) -> User | None:
    """The user a command acts as: the one asked for, else the first active admin."""
    if user_id is not None:
        user = await User.filter(id=user_id, active=True).first()
        if user is None:
            print(f"No active user {user_id}.", file=sys.stderr)
        return user
    admin = await User.filter(role=Role.ADMIN, active=True).order_by("id").first()
    if admin is None:
        print("No admin yet: pass --user ID (see crmbot users).", file=sys.stderr)
    return admin


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.i18n import Translator
    from bot.reports import workbook
    from bot.reports.sheet_worker import SheetWorkerError
    from bot.services.data.exports import ExportKind
    from bot.services.discipline import ladder

    path = Path(args.file)
    await open_db(settings.database_url)
    try:
        if args.user is not None:
            actor = await _actor(settings, args.user)
            if actor is None:
                return 2
            t = Translator.for_user(actor.locale, actor.timezone)
        else:  # the whole company: the command line is the operator's
            actor = User(name="crmbot", role=Role.ADMIN)
            t = Translator.for_user(settings.locale, settings.timezone)
        zone = t.timezone
        today = system_clock().astimezone(zone).date()
        count = await workbook.export(
            actor,
            ExportKind(args.what),
            path,
            t,
            currency=settings.currency.upper(),
            at_risk_before=ladder.overdue_since(today, zone, settings.ladder_risk_days),
        )
    except SheetWorkerError as failed:
        print(f"Cannot write {path}: {failed}", file=sys.stderr)
        return 1
    finally:
        await close_db()
    print(f"{args.what}: {count} rows written to {path}")
    return 0


async def _import_customers(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.dialogs.imports import file_problem, reason_text, status_text
    from bot.i18n import Translator
    from bot.reports import workbook
    from bot.services.data.spreadsheet import read_rows
    from bot.services.records import customer_import
    from bot.services.records.customer_import import RowStatus
    from bot.services.records.customers import DuplicateFinder

    path = Path(args.file)
    t = Translator.for_user(settings.locale, settings.timezone)
    await open_db(settings.database_url)
    try:
        actor = await _actor(settings, args.user)
        if actor is None:
            return 2
        try:
            rows = await asyncio.to_thread(lambda: read_rows(path.read_bytes(), path.name))
            table = [[customer_import.cell_text(c) for c in row] for row in rows]
            finder = DuplicateFinder()
            preview = await customer_import.preview(actor, table, finder)
        except InvalidInput as bad:
            print(f"Cannot import {path.name}: {file_problem(t, bad)}", file=sys.stderr)
            return 2
        except OSError as bad:
            print(f"Cannot import {path.name}: {bad.strerror or bad}.", file=sys.stderr)
            return 2
        print(_import_counts(preview))
        for line, code in preview.reasons:
            print(f"  row {line}: {reason_text(t, code)}")
        for row in preview.rows:
            if row.status == RowStatus.NEW and row.detail:
                print(f"  row {row.line}: {status_text(t, row, False, actor.name)}")
        new = preview.count(RowStatus.NEW)
        if not new:
            print("Nothing new to import.")
            return 0
        if not args.yes:
            asked = await asyncio.to_thread(input, f"Import {new} new customers? [y/N] ")
            answer = asked.strip().lower()
            if answer not in ("y", "yes"):
                print("Nothing was changed.")
                return 1
        result = await customer_import.apply(actor, table, finder, file_name=path.name)
    finally:
        await close_db()
    status = path.with_name(f"{path.stem}-import.xlsx")
    statuses = [status_text(t, r, True, actor.name) for r in result.rows]
    status.write_bytes(workbook.status_file(table, statuses, t.gettext("Import status")))
    print(f"Created {result.created} customers; the status of every row: {status}")
    return 0


async def _import_targets(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.services.data.spreadsheet import read_rows
    from bot.services.discipline import targets

    path = Path(args.file)
    if not await asyncio.to_thread(path.is_file):
        print(f"Cannot import {path.name}: there is no such file.", file=sys.stderr)
        return 2
    await open_db(settings.database_url)
    try:
        actor = await _actor(settings, args.user)
        if actor is None:
            return 2
        if not targets.can_set_targets(actor):
            print(f"{actor.name} may not set targets (managers and admins may).", file=sys.stderr)
            return 2
        try:
            rows = await asyncio.to_thread(lambda: read_rows(path.read_bytes(), path.name))
            report = await targets.import_targets(
                actor,
                rows,
                now=system_clock(),
                tz=zone(actor.timezone),
                currency=settings.currency.upper(),
            )
        except InvalidInput as bad:
            print(f"Cannot import {path.name}: {_problem(bad)}.", file=sys.stderr)
            return 2
    finally:
        await close_db()
    done = sum(1 for r in report.rows if not r.reason)
    skipped = len(report.skipped)
    print(f"Targets set: {report.targets_set} (rows: {done} set, {skipped} skipped)")
    for row in report.skipped[:200]:
        print(f"  row {row.line} ({row.who or '-'}): {_problem(row.reason)}")
    return 0 if not report.skipped else 1


def _import_counts(preview: Any) -> str:
    from bot.services.records.customer_import import RowStatus

    return (
        f"new: {preview.count(RowStatus.NEW)}, duplicates of existing customers: "
        f"{preview.count(RowStatus.DUPLICATE)}, repeats within the file: "
        f"{preview.count(RowStatus.REPEAT)}, invalid: {preview.count(RowStatus.INVALID)}"
    )


async def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo import generate

    await open_db(settings.database_url)
    try:
        counts = await generate(
            reps=args.reps,
            customers=args.customers,
            visits=args.visits,
            seed=args.seed,
            now=system_clock(),
        )
    finally:
        await close_db()
    print("Demo data: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0


NOTHING_TO_RUN = """No channel is configured, so there is nothing to run.
  Telegram: set TELEGRAM_BOT_TOKEN (the token @BotFather gives you) to serve by long polling;
            add TELEGRAM_WEBHOOK_URL (public https URL) to be served by webhook instead.
  WeChat Official Account: set WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET (and
            WECHAT_AES_KEY for safe mode); callbacks come to /wechat on CRM_HTTP_PORT.
  WeCom app: set WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN, WECOM_AES_KEY;
            callbacks come to /wecom on CRM_HTTP_PORT.
Put settings in .env or the environment. To try the bot without a messenger: crmbot chat"""


async def _run(settings: Settings) -> int:
    """Every configured channel and the scheduler in this one process, until a signal."""
    if not app.has_channels(settings):
        print(NOTHING_TO_RUN, file=sys.stderr)
        return 2
    try:
        await app.serve(settings, app.until_signalled(), clock=system_clock)
    except app.CannotServe as refused:
        print(refused, file=sys.stderr)
        return 2
    return 0


async def _scheduler(settings: Settings) -> int:
    """The scheduled jobs and the outbox dispatcher alone, until a signal."""
    await app.run_scheduler(settings, app.until_signalled(), clock=system_clock)
    return 0


async def _one(settings: Settings, kind: str, user_id: int, dry_run: bool) -> int:
    """Today's digest/summary of one user: printed, or queued under the job's key and sent."""
    from bot.dialogs.digests import render
    from bot.i18n import Translator
    from bot.scheduler.jobs import for_user

    await open_db(settings.database_url)
    try:
        user = await User.filter(id=user_id).first()
        if user is None:
            print(f"No user {user_id}.", file=sys.stderr)
            return 2
        now = system_clock()
        result = await for_user(kind, user_id, settings, now=now, dry_run=dry_run)
        if result.already:
            print(f"Already queued or sent today ({result.key}); not sent again.")
            return 0
        assert result.data is not None
        if dry_run:
            t = Translator.for_user(user.locale, user.timezone, now=now)
            reply = render(kind, {"params": result.data.params()}, t)
            if result.data.empty and (kind == "summary" or settings.digest_when_empty == "skip"):
                print(f"Nothing to send to {user.name} today ({result.key}).")
                return 0
            print(f"To {user.name} (user {user_id}, {result.key}):\n")
            if reply is not None:
                print(reply.text)
                for row in reply.buttons:
                    print("  " + "  ".join(f"[{b.label} → {b.data}]" for b in row))
            return 0
        if not result.queued:
            print(f"Nothing to send to {user.name} today ({result.key}).")
            return 0
        if not await app.deliver_queued(settings, clock=system_clock):
            print(f"Queued {result.key}; no channel configured here, `crmbot run` will send it.")
            return 0
        state = await Notification.get(dedupe_key=result.key)
        print(
            f"{result.key}: {state.status}" + (f" ({state.last_error})" if state.last_error else "")
        )
        return 0 if state.status == "sent" else 1
    finally:
        await close_db()


async def _outbox(settings: Settings, limit: int) -> int:
    from bot.services.notify import outbox

    await open_db(settings.database_url)
    try:
        state = await outbox.state(limit=limit)
    finally:
        await close_db()
    counts = ", ".join(f"{status} {n}" for status, n in state.counts.items())
    print(f"Notifications: {counts}; retrying {state.retrying}")
    if state.oldest_pending:
        print(f"Oldest pending since {state.oldest_pending:%Y-%m-%d %H:%M} UTC")
    if state.failures:
        print("\nFailed (newest first):")
        for row in state.failures:
            print(
                f"{row['id']:>7}  user {row['recipient_id']:<6} {row['kind']:<14} "
                f"attempts {row['attempts']:<3} {row['last_error']}"
            )
    if state.unreachable:
        print("\nUnreachable identities:")
        for row in state.unreachable:
            print(
                f"  user {row['user_id']:<6} {row['channel']:<10} since "
                f"{row['unreachable_at']:%Y-%m-%d %H:%M} UTC: {row['unreachable_reason']}"
            )
    return 0


def _backup(settings: Settings, file: str, *, restoring: bool) -> int:
    """`crmbot backup FILE` / `crmbot restore FILE`: one line saying what happened."""
    from pathlib import Path

    from bot.services.data import photo_backup
    from bot.services.data.backup import BackupError, backup, restore

    folder = Path(settings.photo_dir)
    try:
        if restoring:
            done = restore(settings.database_url, Path(file))
            photos = photo_backup.load(Path(file), folder)
        else:
            done = backup(settings.database_url, Path(file))
            photos = photo_backup.save(folder, Path(file))
    except (BackupError, OSError) as refused:
        print(refused, file=sys.stderr)
        return 2
    size = f"{done.size / 1e6:.1f} MB"
    if restoring:
        print(f"Restored {file} ({done.engine}, {done.tables} tables, {size}; {photos} photos).")
    else:
        archive = photo_backup.archive_for(done.path)
        print(
            f"Backup written to {done.path} ({done.engine}, {done.tables} tables, {size}); "
            f"{photos} photos to {archive}."
        )
    return 0


async def _migrate(settings: Settings) -> int:
    await migrate(settings.database_url)
    print("Database is up to date.")
    return 0


def _load_settings() -> Settings | None:
    """The settings, or None after one line per bad setting on stderr (what was given, what is
    expected): a mistyped value stops every command here rather than failing later."""
    try:
        return Settings()
    except ValidationError as bad:
        for line in describe(bad):
            print(f"crmbot: {line}", file=sys.stderr)
    except SettingsError as unreadable:  # e.g. a .env file that cannot be read
        print(f"crmbot: the settings cannot be read: {unreadable}", file=sys.stderr)
    return None


def _secrets(settings: Settings) -> list[str]:
    """Values no log line may show: every secret setting, the database password."""
    from urllib.parse import urlsplit

    values = [
        value.get_secret_value()
        for value in settings.__dict__.values()
        if isinstance(value, SecretStr)
    ]
    try:
        password = urlsplit(settings.database_url).password
    except ValueError:
        password = None
    return [v for v in [*values, password] if v]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = _load_settings()
    if settings is None:
        return 2
    logs.configure(settings.log_level or "WARNING", settings.log_format, secrets=_secrets(settings))
    if settings.log_level is None and args.command in ("run", "scheduler"):
        # What the process started and stopped, without every library's chatter.
        logging.getLogger("crmbot").setLevel(logging.INFO)
        logging.getLogger("bot").setLevel(logging.INFO)
    match args.command:
        case "chat":
            return asyncio.run(_chat(settings, args.user, args.identity))
        case "migrate":
            return asyncio.run(_migrate(settings))
        case "invite":
            return asyncio.run(_invite(settings, args.role, args.manager, args.name))
        case "users":
            return asyncio.run(_users(settings, args))
        case "import" if args.what == "targets":
            return asyncio.run(_import_targets(settings, args))
        case "import" if args.what == "customers":
            return asyncio.run(_import_customers(settings, args))
        case "import":
            return asyncio.run(_import_invoices(settings, args))
        case "export":
            return asyncio.run(_export(settings, args))
        case "demo-data":
            return asyncio.run(_demo(settings, args))
        case "digest" | "summary":
            return asyncio.run(_one(settings, args.command, args.user, args.dry_run))
        case "outbox":
            return asyncio.run(_outbox(settings, args.limit))
        case "scheduler":
            return asyncio.run(_scheduler(settings))
        case "backup" | "restore":
            return _backup(settings, args.file, restoring=args.command == "restore")
        case "run":
            return asyncio.run(_run(settings))
    return 2


if __name__ == "__main__":
    sys.exit(main())
