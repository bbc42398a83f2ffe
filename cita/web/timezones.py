"""The applicant's time zone: which clock the deadlines and window times of their pages are written in.

Applicants wait in border cities in four time zones, and their phones show local time. The pages write
every deadline and window time in the zone the applicant chose on their profile (kept in a cookie on that
phone, like the language), and by default in the draw's reference zone (`CITA_DRAW_TIME_ZONE`), always with
the zone's name beside the time. The appointment itself is always in the port's own time. See
docs/decisions/0005-applicant-time-zone.md.

The choices are the reference zone and the zones of the active ports; zones that keep the same clock all
year (Tijuana and San Diego, say) are one choice.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpRequest

from cita.core import clock
from cita.core.days import reference_time_zone
from cita.ports.models import Port
from cita.ports.selectors import port_list

COOKIE = "cita_tz"
COOKIE_AGE = 60 * 60 * 24 * 365


@dataclass(frozen=True)
class Zone:
    """A time zone the applicant can choose, named by the places that keep its clock."""

    key: str
    places: tuple[str, ...]

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The zone itself."""
        return zoneinfo.ZoneInfo(self.key)

    @property
    def place(self) -> str:
        """The first place named (what pages write: "Tijuana time")."""
        return self.places[0]

    def local_time(self, at: dt.datetime) -> dt.time:
        """The time of day here at the moment `at`."""
        return at.astimezone(self.tz).time()


def _place_of(key: str) -> str:
    """A readable place from a zone's name: America/Ciudad_Juarez → Ciudad Juarez."""
    return key.rsplit("/", 1)[-1].replace("_", " ")


def _clock_of(tz: zoneinfo.ZoneInfo, now: dt.datetime) -> tuple[dt.timedelta | None, ...]:
    """The zone's offsets over the coming year: equal for zones whose clocks always agree."""
    return tuple((now + dt.timedelta(days=days)).astimezone(tz).utcoffset() for days in range(0, 366, 15))


def zone_choices(*, now: dt.datetime | None = None, ports: Sequence[Port] | None = None) -> list[Zone]:
    """The reference zone first, then the active ports' zones in port order (`ports`, when the caller has
    read them); one entry per clock."""
    now = now or clock.now()
    reference = reference_time_zone()
    order: list[str] = [reference.key]
    places: dict[str, list[str]] = {reference.key: [_place_of(reference.key)]}
    keys_by_clock: dict[tuple[dt.timedelta | None, ...], str] = {_clock_of(reference, now): reference.key}
    for port in port_list() if ports is None else ports:
        try:
            tz = zoneinfo.ZoneInfo(port.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        key = keys_by_clock.setdefault(_clock_of(tz, now), port.time_zone)
        if key not in places:
            order.append(key)
            places[key] = []
        if port.city not in places[key]:
            places[key].append(port.city)
    return [Zone(key=key, places=tuple(places[key])) for key in order]


def zone_of(
    request: HttpRequest, *, now: dt.datetime | None = None, ports: Sequence[Port] | None = None
) -> Zone:
    """The zone the caller chose (cookie), when it is still one of the choices; else the reference zone.
    `ports`: the active ports, when the caller has read them."""
    choices = zone_choices(now=now, ports=ports)
    chosen = request.COOKIES.get(COOKIE, "")
    for zone in choices:
        if zone.key == chosen:
            return zone
    return choices[0]
