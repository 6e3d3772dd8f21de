"""Sunrise and sunset (UTC) at a point, for NOTAM schedules written with SR / SS.

NOAA's "General Solar Position Calculations" (the fractional-year series for the equation of time
and the solar declination, evaluated at local solar noon; zenith 90.833° for refraction and the
solar disc). Accurate to about one minute outside the polar circles, which is finer than NOTAM
schedules are written. No package in the lock does this, so it is implemented here.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

ZENITH_DEG = 90.833


class NoSunEvent(ValueError):
    """The sun does not rise or does not set that day at that latitude (polar day or night)."""


def _year_days(day: date) -> int:
    return 366 if day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0) else 365


def sunrise_sunset(day: date, *, lat: float, lon: float) -> tuple[datetime, datetime]:
    """(sunrise, sunset) of `day` as UTC instants at lat/lon (WGS84 degrees, east positive)."""
    gamma = 2 * math.pi / _year_days(day) * (day.timetuple().tm_yday - 1 + (12 - lon / 15 - 12) / 24)
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * math.cos(gamma)
        - 0.032077 * math.sin(gamma)
        - 0.014615 * math.cos(2 * gamma)
        - 0.040849 * math.sin(2 * gamma)
    )
    decl = (
        0.006918
        - 0.399912 * math.cos(gamma)
        + 0.070257 * math.sin(gamma)
        - 0.006758 * math.cos(2 * gamma)
        + 0.000907 * math.sin(2 * gamma)
        - 0.002697 * math.cos(3 * gamma)
        + 0.00148 * math.sin(3 * gamma)
    )
    phi = math.radians(lat)
    cos_ha = math.cos(math.radians(ZENITH_DEG)) / (math.cos(phi) * math.cos(decl)) - math.tan(phi) * math.tan(decl)
    if not -1 <= cos_ha <= 1:
        raise NoSunEvent(f"no sunrise or sunset on {day} at latitude {lat:g}")
    ha = math.degrees(math.acos(cos_ha))
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    rise = 720 - 4 * (lon + ha) - eqtime
    set_ = 720 - 4 * (lon - ha) - eqtime
    return (midnight + timedelta(minutes=round(rise)), midnight + timedelta(minutes=round(set_)))
