"""People: invites, channel identities, preferences, and handing a leaver's work over."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from tortoise.transactions import in_transaction

from bot import db
from bot.clock import system_clock
from bot.i18n import normalize_locale
from bot.models import ChannelIdentity, Invite, Role, User, Visit
from bot.services import audit
from bot.services.discipline import pool
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.people.permissions import team_ids

CONSOLE_CHANNEL = "console"
LOCAL_CONSOLE_ID = "local"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


_TELL_STRANGER = """
INSERT INTO stranger_notices (channel, external_id, kind, told_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (channel, external_id, kind) DO UPDATE SET told_at = excluded.told_at
WHERE stranger_notices.told_at <= $5
RETURNING id
"""


async def may_tell_stranger(
    channel: str, external_id: str, kind: str, *, now: datetime, every: timedelta
) -> bool:
    """Whether a chat the bot does not know may be told `kind` now: once per `every`, in one
    statement, so a flood across instances still gets one line."""
    told, since = now, now - every
    if db.dialect() == "sqlite":  # the ORM keeps SQLite datetimes as ISO text
        told, since = now.isoformat(sep=" "), since.isoformat(sep=" ")  # type: ignore[assignment]
    return bool(await db.fetch(_TELL_STRANGER, (channel, external_id[:128], kind, told, since)))


@dataclass(frozen=True, slots=True)
class Defaults:
    """Language and zone a new user starts with (WeChat users start in Chinese)."""

    locale: str = "en"
    timezone: str = "Asia/Shanghai"


_IDENTIFY = """
SELECT u.* FROM channel_identities i JOIN users u ON u.id = i.user_id
WHERE i.channel = $1 AND i.external_id = $2 AND u.active
"""


async def identify(channel: str, external_id: str) -> User | None:
    """The active user behind a messenger account, or None for a stranger.

    Runs on every message, so it is one hand-written join (a quarter of the ORM's time).
    """
    rows = await db.fetch(_IDENTIFY, (channel, external_id))
    return User._init_from_db(**rows[0]) if rows else None


async def ensure_local_admin(defaults: Defaults, name: str = "Admin") -> User | None:
    """With no admin yet (new or demo database), make the console's user one; returns it if made."""
    async with in_transaction():
        if await User.filter(role=Role.ADMIN).exists():
            return None
        user = await User.create(
            name=name, role=Role.ADMIN, locale=defaults.locale, timezone=defaults.timezone
        )
        await ChannelIdentity.create(
            channel=CONSOLE_CHANNEL, external_id=LOCAL_CONSOLE_ID, user=user, display_name=name
        )
        await audit.record(None, "user.create", "user", user.id, after=_user_dict(user))
        return user


def _new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


async def create_invite(
    actor: User | None,
    role: Role,
    *,
    manager_id: int | None = None,
    name: str = "",
    days: int = 7,
    now: datetime,
) -> Invite:
    """A one-time code for a new person: admins (and the CLI, actor None) invite anyone; a
    manager invites reps into their own team only (their manager defaults to the inviter)."""
    if actor is not None and actor.role == Role.MANAGER:
        if role != Role.REP:
            raise PermissionDenied()
        manager_id = actor.id if manager_id is None else manager_id
        if manager_id not in await team_ids(actor.id):
            raise PermissionDenied()
    elif actor is not None and actor.role != Role.ADMIN:
        raise PermissionDenied()
    if manager_id is not None and not await User.filter(id=manager_id, active=True).exists():
        raise InvalidInput("unknown_manager", str(manager_id))
    async with in_transaction():
        invite = await Invite.create(
            code=_new_code(),
            role=role,
            name=name.strip()[:100],
            manager_id=manager_id,
            created_by_id=actor.id if actor else None,
            expires_at=now + timedelta(days=days),
        )
        await audit.record(
            actor.id if actor else None,
            "invite.create",
            "invite",
            invite.id,
            after={"role": role, "manager_id": manager_id, "name": invite.name},
        )
    return invite


async def create_link_code(user: User, *, now: datetime, days: int = 1) -> Invite:
    """A one-time code that binds one more messenger account to this same user.

    Stored as an invite already naming who redeems it (`used_by`, with `used_at` still empty):
    redeeming it adds an identity instead of creating a person.
    """
    async with in_transaction():
        invite = await Invite.create(
            code=_new_code(),
            role=user.role,
            name=user.name,
            manager_id=user.manager_id,
            created_by_id=user.id,
            used_by_id=user.id,
            expires_at=now + timedelta(days=days),
        )
        await audit.record(user.id, "identity.link_code", "invite", invite.id)
    return invite


async def redeem_invite(
    code: str,
    channel: str,
    external_id: str,
    *,
    display_name: str,
    defaults: Defaults,
    now: datetime,
) -> User:
    """Turn a valid code into a user bound to this messenger account; each code works once.

    An account that already belongs to a user binds that same user again, so one person can
    use Telegram and WeChat with the same data.
    """
    normalized = code.strip().upper()
    async with in_transaction():
        invite = await Invite.filter(code=normalized).select_for_update().first()
        if invite is None:
            raise InvalidInput("invite_invalid")
        if invite.used_at is not None:
            raise InvalidInput("invite_used")
        if invite.expires_at <= now:
            raise InvalidInput("invite_expired")
        existing = await ChannelIdentity.filter(channel=channel, external_id=external_id).first()
        if existing is not None:
            raise InvalidInput("already_registered")
        if invite.used_by_id is not None:
            return await _link(invite, channel, external_id, display_name, now)
        user = await User.create(
            name=(invite.name or display_name or external_id)[:100],
            role=invite.role,
            manager_id=invite.manager_id,
            locale=defaults.locale,
            timezone=defaults.timezone,
        )
        await _bind(invite, user, channel, external_id, display_name, now)
        await audit.record(user.id, "invite.redeem", "user", user.id, after=_user_dict(user))
    return user


async def _bind(
    invite: Invite, user: User, channel: str, external_id: str, display_name: str, now: datetime
) -> None:
    """The messenger account becomes `user`'s, and the invite is used (by `user`) from `now`."""
    await ChannelIdentity.create(
        channel=channel, external_id=external_id, user=user, display_name=display_name[:100]
    )
    invite.used_at = now
    invite.used_by_id = user.id
    await invite.save(update_fields=["used_at", "used_by_id"])


async def _link(
    invite: Invite, channel: str, external_id: str, display_name: str, now: datetime
) -> User:
    """Redeem a link code: the messenger account joins the user who asked for the code."""
    user = await User.filter(id=invite.used_by_id, active=True).first()
    if user is None:
        raise InvalidInput("invite_invalid")
    await _bind(invite, user, channel, external_id, display_name, now)
    await audit.record(user.id, "identity.link", "user", user.id, after={"channel": channel})
    return user


async def set_locale(user: User, value: str) -> str:
    """Switch the user's language; returns the stored code ('en' or 'zh')."""
    language = normalize_locale(value)
    await _set_preference(user, "locale", language)
    return language


async def _set_preference(user: User, field: str, value: str) -> None:
    """Store one of the user's own preferences with its audit row (`user.<field>`)."""
    before = getattr(user, field)
    setattr(user, field, value)
    async with in_transaction():
        await user.save(update_fields=[field])
        await audit.record(
            user.id, f"user.{field}", "user", user.id, before={field: before}, after={field: value}
        )


def parse_timezone(value: str) -> str | None:
    """Accept 'Europe/Berlin', 'europe/berlin', 'Berlin' or 'UTC'; None when unknown."""
    text = value.strip().replace(" ", "_")
    if not text or len(text) > 64:
        return None
    zones = available_timezones()
    if text in zones:
        return text
    lowered = {zone.lower(): zone for zone in zones}
    if text.lower() in lowered:
        return lowered[text.lower()]
    by_city = [zone for zone in zones if zone.lower().rsplit("/", 1)[-1] == text.lower()]
    return sorted(by_city)[0] if by_city else None


async def set_timezone(user: User, value: str) -> str:
    """Switch the user's time zone; raises InvalidInput for a zone that does not exist."""
    zone = parse_timezone(value)
    if zone is None:
        raise InvalidInput("unknown_timezone", value)
    ZoneInfo(zone)
    await _set_preference(user, "timezone", zone)
    return zone


@dataclass(frozen=True, slots=True)
class UserRow:
    """One line of `crmbot users`."""

    id: int
    name: str
    role: str
    manager_id: int | None
    channels: tuple[str, ...]
    active: bool


async def chats_by_role(channel: str, *, besides: Role) -> list[tuple[str, Role]]:
    """(chat id, role) of every active user on `channel` whose role is not `besides`: the chats
    that need a command menu of their own (one query)."""
    rows = await ChannelIdentity.filter(
        channel=channel, user__active=True, user__role__not=besides
    ).values_list("external_id", "user__role")
    return [(external_id, Role(role)) for external_id, role in rows]


async def list_users() -> list[UserRow]:
    """Every user with their channels, in two queries."""
    channels: dict[int, list[str]] = {}
    for user_id, channel in (
        await ChannelIdentity.all().order_by("id").values_list("user_id", "channel")
    ):
        channels.setdefault(user_id, []).append(channel)
    rows = await User.all().order_by("id").values_list("id", "name", "role", "manager_id", "active")
    return [
        UserRow(uid, name, str(role), boss, tuple(channels.get(uid, ())), active)
        for uid, name, role, boss, active in rows
    ]


@dataclass(frozen=True, slots=True)
class HandoverResult:
    """What moved from the leaver to the successor."""

    customers: int
    followups: int
    reports: int


async def deactivate(
    user_id: int,
    *,
    handover_to: int | None,
    actor_id: int | None = None,
    now: datetime,
    to_pool: bool = False,
) -> HandoverResult:
    """Deactivate a leaver and give everything they own to someone else, all or nothing.

    Customers, open follow-ups and direct reports move in one transaction and are audited, so the
    company keeps every customer when a rep leaves. With `to_pool` the customers go to the public
    pool instead (each a pool move, claimable by any rep) and the direct reports to the leaver's
    own manager.
    """
    if user_id == handover_to:
        raise InvalidInput("handover_to_self")
    async with in_transaction():
        leaver = await User.filter(id=user_id).select_for_update().first()
        if leaver is None:
            raise NotFound()
        if to_pool:
            successor_id = leaver.manager_id
            customer_ids = await pool.release_all(user_id, actor_id=actor_id, now=now)
        else:
            successor = await User.filter(id=handover_to).first() if handover_to else None
            if successor is None or not successor.active:
                raise InvalidInput("handover_target_invalid", str(handover_to))
            successor_id = successor.id
            # The rows moved, named by the statement that moved them (a count would also take
            # in the name-index log rows the database's trigger writes on SQLite).
            rows = await db.fetch(_HAND_OVER, (handover_to, system_clock(), user_id))
            customer_ids = [row["id"] for row in rows]
        moved = len(customer_ids)
        followups = await Visit.filter(
            followup_owner_id=user_id, followup_done_at__isnull=True
        ).update(followup_owner_id=None if to_pool else handover_to)
        reports = await User.filter(manager_id=user_id).update(manager_id=successor_id)
        leaver.active = False
        await leaver.save(update_fields=["active"])
        await audit.record(
            actor_id,
            "user.handover",
            "user",
            user_id,
            before={"owner_id": user_id, "active": True},
            after={
                "owner_id": None if to_pool else handover_to,
                "pool": to_pool,
                "active": False,
                "customer_ids": sorted(customer_ids),
                "followups": followups,
                "reports": reports,
            },
        )
    return HandoverResult(customers=moved, followups=followups, reports=reports)


_HAND_OVER = "UPDATE customers SET owner_id = $1, updated_at = $2 WHERE owner_id = $3 RETURNING id"


def _user_dict(user: User) -> dict[str, object]:
    return {"name": user.name, "role": user.role, "manager_id": user.manager_id}
