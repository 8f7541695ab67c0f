"""Where customers are: check-ins measured against a customer's known place, and the customers
near a shared location.

A customer's place is set from a shared location or learned from its first check-in. A later
check-in farther than the check-in radius is marked on the visit, so a manager can see which
visits were logged away from the customer. "Near me" cuts a bounding box on the
(latitude, longitude) index first, then measures exact distances in Python: at 100,000 customers
the box holds a few hundred rows at most.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Min

from bot.models import Customer, User, Visit
from bot.services.errors import InvalidInput
from bot.services.people.permissions import scope_for

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


def check(latitude: float, longitude: float) -> tuple[float, float]:
    """A point on the globe, or InvalidInput('location_invalid')."""
    if not (
        math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    ):
        raise InvalidInput("location_invalid")
    return latitude, longitude


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres (haversine; ample for a city)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# Faster than a high-speed train averages between cities: two check-ins that would need more
# were not both made where they say.
MAX_TRAVEL_KMH = 350.0


@dataclass(frozen=True, slots=True)
class CheckIn:
    """What a check-in at a customer found: how far from its known place, whether too far,
    whether this check-in taught the customer's place, and whether the rep could not have
    travelled from their previous check-in in the time between."""

    distance_m: int | None
    far: bool
    learned: bool
    too_fast: bool = False


async def too_fast(user_id: int, at: datetime, latitude: float, longitude: float) -> bool:
    """Whether reaching this check-in from the rep's nearest check-in in time (before or after,
    a visit may be logged late) needs more than MAX_TRAVEL_KMH. Two indexed reads."""
    for neighbour in (
        Visit.filter(user_id=user_id, at__lte=at, latitude__isnull=False).order_by("-at"),
        Visit.filter(user_id=user_id, at__gt=at, latitude__isnull=False).order_by("at"),
    ):
        row = await neighbour.first().values_list("at", "latitude", "longitude")
        if row is None:
            continue
        hours = abs((at - row[0]).total_seconds()) / 3600
        metres = distance_m(row[1], row[2], latitude, longitude)
        if metres > 1000 and metres / 1000 > MAX_TRAVEL_KMH * max(hours, 1 / 60):
            return True
    return False


async def check_in(
    customer_id: int,
    latitude: float,
    longitude: float,
    *,
    radius_m: int,
    user_id: int | None = None,
    at: datetime | None = None,
) -> CheckIn:
    """Measure a check-in against the customer's place, learning the place when it has none,
    and against the rep's check-in nearest in time. Runs in the caller's transaction (the visit
    being logged)."""
    latitude, longitude = check(latitude, longitude)
    rushed = (
        await too_fast(user_id, at, latitude, longitude)
        if user_id is not None and at is not None
        else False
    )
    place = await Customer.filter(id=customer_id).first().values_list("latitude", "longitude")
    if place is None or place[0] is None or place[1] is None:
        await Customer.filter(id=customer_id).update(
            latitude=latitude, longitude=longitude, place_learned=True
        )
        return CheckIn(None, False, True, rushed)
    far_by = round(distance_m(place[0], place[1], latitude, longitude))
    return CheckIn(far_by, far_by > radius_m, False, rushed)


@dataclass(frozen=True, slots=True)
class Nearby:
    """A customer near a shared location, as the list shows it."""

    customer_id: int
    name: str
    owner_id: int | None  # None: in the public pool (seen by those who see everything)
    owner_name: str
    distance_m: int
    latitude: float
    longitude: float
    due_at: datetime | None  # the earliest open follow-up, if any


async def near(
    actor: User, latitude: float, longitude: float, *, radius_m: float, limit: int = 8
) -> list[Nearby]:
    """The customers the actor may see (a manager: the team's) within `radius_m`, nearest first,
    with their earliest open follow-up. Two queries, whatever the number of customers."""
    latitude, longitude = check(latitude, longitude)
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    query = Customer.filter(
        latitude__gte=latitude - dlat,
        latitude__lte=latitude + dlat,
        longitude__gte=longitude - dlon,
        longitude__lte=longitude + dlon,
    )
    owners = (await scope_for(actor)).owner_ids
    if owners is not None:
        query = query.filter(owner_id__in=list(owners))
    rows = await query.values("id", "name", "owner_id", "owner__name", "latitude", "longitude")
    measured = sorted(
        (distance_m(latitude, longitude, r["latitude"], r["longitude"]), r["id"], r) for r in rows
    )
    page = [(d, r) for d, _, r in measured if d <= radius_m][:limit]
    due: dict[int, datetime] = {}
    if page:
        for row in (
            await Visit.filter(
                customer_id__in=[r["id"] for _, r in page],
                followup_done_at__isnull=True,
                next_followup_at__isnull=False,
            )
            .group_by("customer_id")
            .annotate(due=Min("next_followup_at"))
            .values("customer_id", "due")
        ):
            due[row["customer_id"]] = row["due"]
    return [
        Nearby(
            r["id"],
            r["name"],
            r["owner_id"],
            r["owner__name"] or "",
            round(d),
            r["latitude"],
            r["longitude"],
            due.get(r["id"]),
        )
        for d, r in page
    ]
