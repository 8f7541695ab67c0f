"""Check-out: the rep leaves the customer, and the visit keeps when, where and the time spent.

A visit checked in with a shared location stays open until the rep checks out, by a tap (time
only) or by sharing a location again. Only the same local day's check-in can be closed: a
forgotten one from yesterday would report a night on site. The write is one conditional UPDATE
(`checkout_at IS NULL`), so two taps, or two instances handling the same tap, check out once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from bot.models import User, Visit
from bot.services import audit
from bot.services.errors import InvalidInput, NotFound
from bot.services.records import places
from bot.services.records.visits import start_of_local_day


@dataclass(frozen=True, slots=True)
class OpenCheckIn:
    """The rep's check-in of today not yet checked out, and how far a shared point is from the
    customer's place (None without a point or a place)."""

    visit_id: int
    customer_id: int
    customer_name: str
    at: datetime
    distance_m: int | None = None


@dataclass(frozen=True, slots=True)
class CheckOut:
    """A check-out as the rep is told it: `already` when it had been made before."""

    visit_id: int
    customer_name: str
    at: datetime
    checkout_at: datetime
    minutes: int
    distance_m: int | None
    far: bool
    already: bool = False


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes on site, never negative (a visit may be dated a few minutes ahead)."""
    return max(0, round((end - start).total_seconds() / 60))


async def open_check_in(
    actor: User,
    *,
    now: datetime,
    tz: ZoneInfo,
    latitude: float | None = None,
    longitude: float | None = None,
) -> OpenCheckIn | None:
    """The actor's latest check-in (a visit with a location) of their local today that is not
    checked out; one indexed read on (user_id, at), one for the customer's place."""
    row = (
        await Visit.filter(
            user_id=actor.id,
            at__gte=start_of_local_day(now, tz),
            at__lte=now,
            latitude__isnull=False,
            checkout_at__isnull=True,
        )
        .order_by("-at", "-id")
        .first()
        .values(
            "id", "customer_id", "customer__name", "at", "customer__latitude", "customer__longitude"
        )
    )
    if row is None:
        return None
    away = None
    if (
        latitude is not None
        and longitude is not None
        and row["customer__latitude"] is not None
        and row["customer__longitude"] is not None
    ):
        away = round(
            places.distance_m(
                row["customer__latitude"], row["customer__longitude"], latitude, longitude
            )
        )
    return OpenCheckIn(row["id"], row["customer_id"], row["customer__name"], row["at"], away)


async def check_out(
    actor: User,
    visit_id: int | None,
    *,
    now: datetime,
    tz: ZoneInfo,
    radius_m: int,
    latitude: float | None = None,
    longitude: float | None = None,
) -> CheckOut:
    """Check the actor out of their visit `visit_id` (None: today's open check-in), keeping the
    point when one is given. NotFound('no_open_checkin') when there is nothing to close,
    InvalidInput('checkout_other_day') for a check-in of another day."""
    if latitude is not None and longitude is not None:
        latitude, longitude = places.check(latitude, longitude)
    if visit_id is None:
        found = await open_check_in(actor, now=now, tz=tz)
        if found is None:
            raise NotFound("no_open_checkin")
        visit_id = found.visit_id
    async with in_transaction():
        row = (
            await Visit.filter(id=visit_id, user_id=actor.id)
            .first()
            .values(
                "at",
                "latitude",
                "checkout_at",
                "checkout_distance_m",
                "checkout_far",
                "minutes_on_site",
                "customer__name",
                "customer__latitude",
                "customer__longitude",
            )
        )
        if row is None or row["latitude"] is None:
            raise NotFound("no_open_checkin")
        name = row["customer__name"]
        if row["checkout_at"] is not None:
            return CheckOut(
                visit_id,
                name,
                row["at"],
                row["checkout_at"],
                row["minutes_on_site"] or 0,
                row["checkout_distance_m"],
                row["checkout_far"],
                already=True,
            )
        if row["at"] < start_of_local_day(now, tz):
            raise InvalidInput("checkout_other_day")
        away = None
        if latitude is not None and row["customer__latitude"] is not None:
            away = round(
                places.distance_m(
                    row["customer__latitude"], row["customer__longitude"], latitude, longitude
                )
            )
        far = away is not None and away > radius_m
        minutes = minutes_between(row["at"], now)
        closed = await Visit.filter(id=visit_id, checkout_at__isnull=True).update(
            checkout_at=now.astimezone(UTC),
            checkout_latitude=latitude,
            checkout_longitude=longitude if latitude is not None else None,
            checkout_distance_m=away,
            checkout_far=far,
            minutes_on_site=minutes,
        )
        if not closed:  # another instance checked out between the read and the write
            again = await Visit.get(id=visit_id)
            return CheckOut(
                visit_id,
                name,
                again.at,
                again.checkout_at or now,
                again.minutes_on_site or 0,
                again.checkout_distance_m,
                again.checkout_far,
                already=True,
            )
        await audit.record(
            actor.id,
            "visit.checkout",
            "visit",
            visit_id,
            after={"checkout_at": now, "minutes_on_site": minutes, "distance_m": away},
        )
    return CheckOut(visit_id, name, row["at"], now, minutes, away, far)
