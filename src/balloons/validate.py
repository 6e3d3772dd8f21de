"""Validate raw records against the contract: each becomes a typed row or a quarantine reason.

Pure functions: the timezone, the airport table and the clock come in through `Context`.
Column names are matched case-insensitively, with the aliases in `ALIASES`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from balloons import identity
from balloons.closure_kind import CAUSES, SCOPES, cause_of
from balloons.rawfile import DEFAULT_LIMITS, Limits
from balloons.schema import DIRECTIONS, FLIGHT_STATUSES, INCURSION_KINDS
from balloons.timestamps import BadValue, parse_instant

Row = dict[str, Any]

# The region balloons watches: Lithuania and its neighbours. A point outside it is almost always
# a swapped or mistyped coordinate.
REGION_LAT = (50.0, 60.0)
REGION_LON = (15.0, 35.0)
EARLIEST = datetime.fromisoformat("2000-01-01T00:00:00+00:00")
MAX_BALLOONS = 10_000
MAX_SEATS = 1_000
MAX_REPORTED_FLIGHTS = 100_000
MAX_REPORTED_PASSENGERS = 10_000_000
# Numbers are ASCII only: Python's int()/float() would also take `1_000`, full-width digits and
# surrounding spaces, which no export means as a number.
INTEGER = re.compile(r"[+-]?[0-9]+")
DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")

ALIASES: dict[str, dict[str, str]] = {
    "incursions": {
        "time": "detected_at",
        "timestamp": "detected_at",
        "detected": "detected_at",
        "datetime": "detected_at",
        "count": "balloons",
        "n_balloons": "balloons",
        "type": "kind",
        "latitude": "lat",
        "longitude": "lon",
        "lng": "lon",
        "altitude": "altitude_m",
        "alt_m": "altitude_m",
        "savivaldybe": "municipality",
        "savivaldybė": "municipality",
        "id": "source_id",
        "comment": "notes",
    },
    "closures": {
        "icao": "airport",
        "airport_icao": "airport",
        "start": "closed_from",
        "closure_start": "closed_from",
        "from": "closed_from",
        "end": "closed_until",
        "closure_end": "closed_until",
        "until": "closed_until",
        "flights_affected": "reported_flights",
        "passengers_affected": "reported_passengers",
        "notam": "notam_id",
        "comment": "notes",
        "priežastis": "reason",
        "priezastis": "reason",
    },
    "flights": {
        "icao": "airport",
        "flight": "flight_number",
        "flight_no": "flight_number",
        "callsign": "flight_number",
        "scheduled": "scheduled_at",
        "std": "scheduled_at",
        "time": "scheduled_at",
        "type": "aircraft_type",
        "aircraft": "aircraft_type",
        "pax": "passengers",
        "capacity": "seats",
        "origin_destination": "other_airport",
        "carrier": "airline",
    },
}

COLUMNS: dict[str, tuple[str, ...]] = {
    "incursions": (
        "detected_at",
        "balloons",
        "kind",
        "municipality",
        "lat",
        "lon",
        "altitude_m",
        "source",
        "source_id",
        "notes",
    ),
    "closures": (
        "airport",
        "closed_from",
        "closed_until",
        "reason",
        "notam_id",
        "reported_flights",
        "reported_passengers",
        "source",
        "notes",
        "scope",
        "cause",
        "until_estimated",
        "schedule",
        "window_index",
        "schedule_in_text",
    ),
    "flights": (
        "airport",
        "direction",
        "flight_number",
        "scheduled_at",
        "status",
        "aircraft_type",
        "seats",
        "passengers",
        "other_airport",
        "airline",
    ),
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "incursions": ("detected_at",),
    "closures": ("airport", "closed_from", "closed_until"),
    "flights": ("airport", "direction", "flight_number", "scheduled_at"),
}


@dataclass(frozen=True)
class Context:
    """What validation needs from outside: zones, known airports, the run's clock."""

    zone: ZoneInfo
    airports: Mapping[str, Mapping[str, Any]]
    now: datetime
    max_closure_days: float = 7.0
    limits: Limits = DEFAULT_LIMITS

    def airport_zone(self, icao: str) -> ZoneInfo:
        return _zone(str(self.airports[icao].get("tz") or self.zone.key))


@lru_cache(maxsize=512)
def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def canonical_columns(table: str, header: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map raw column names to canonical ones; returns (mapping, unknown columns)."""
    aliases = ALIASES[table]
    known = set(COLUMNS[table])
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for raw in header:
        name = raw.strip().lower().replace(" ", "_").replace("-", "_")
        name = aliases.get(name, name)
        if name in known:
            mapping[raw] = name
        else:
            unknown.append(raw)
    return mapping, unknown


def missing_required(table: str, mapping: Mapping[str, str]) -> list[str]:
    present = set(mapping.values())
    return [column for column in REQUIRED[table] if column not in present]


def repeated_columns(mapping: Mapping[str, str]) -> list[str]:
    seen: dict[str, int] = {}
    for name in mapping.values():
        seen[name] = seen.get(name, 0) + 1
    return sorted(name for name, count in seen.items() if count > 1)


def _text(fields: Mapping[str, str], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _short(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")


def _digits_ok(value: str, *, field: str, ctx: Context) -> None:
    if len(value) > ctx.limits.number_digits:
        raise BadValue(
            f"{field} {_short(value)} has {len(value):,} characters, over the "
            f"{ctx.limits.number_digits} a number may have (BALLOONS_MAX_NUMBER_DIGITS)"
        )


def _number(value: str, *, field: str, decimal_comma: bool, ctx: Context) -> float:
    text = value.replace(",", ".") if decimal_comma else value
    _digits_ok(text, field=field, ctx=ctx)
    if not DECIMAL.fullmatch(text):
        raise BadValue(f"{field} {value!r} is not a number (ASCII digits, optional sign, '.' decimals)")
    number = float(text)
    if not math.isfinite(number):
        raise BadValue(f"{field} {value!r} is not a finite number")
    return number


def _count(value: str | None, *, field: str, ctx: Context, low: int, high: int) -> int | None:
    """An integer: ASCII digits with an optional sign, nothing else (no `1_000`, `１０`, `1e3`, `3.0`)."""
    if value is None:
        return None
    _digits_ok(value, field=field, ctx=ctx)
    if not INTEGER.fullmatch(value):
        if DECIMAL.fullmatch(value.replace(",", ".")):
            raise BadValue(f"{field} {value!r} must be a whole number in ASCII digits")
        raise BadValue(f"{field} {value!r} is not a whole number (ASCII digits, optional sign)")
    number = int(value)
    if number < low:
        raise BadValue(f"{field} {value!r} must be at least {low}")
    if number > high:
        raise BadValue(f"{field} {value!r} is implausibly large (over {high:,})")
    return number


def _choice(value: str | None, *, field: str, allowed: tuple[str, ...], default: str | None) -> str:
    if value is None:
        if default is None:
            raise BadValue(f"{field} is missing")
        return default
    lowered = value.lower()
    if lowered not in allowed:
        raise BadValue(f"{field} {value!r} is not one of {', '.join(allowed)}")
    return lowered


def _flag(value: str | None, *, field: str) -> bool:
    if value is None:
        return False
    lowered = value.lower()
    if lowered not in ("true", "false", "1", "0", "yes", "no"):
        raise BadValue(f"{field} {value!r} is not true or false")
    return lowered in ("true", "1", "yes")


def _airport(value: str | None, *, ctx: Context, field: str = "airport") -> str:
    if value is None:
        raise BadValue(f"{field} is missing")
    code = value.upper()
    if code not in ctx.airports:
        raise BadValue(f"{field} {value!r} is not a known ICAO airport code")
    return code


def _instant(value: str | None, *, field: str, zone: ZoneInfo, ctx: Context, future_days: float) -> datetime:
    if value is None:
        raise BadValue(f"{field} is missing")
    try:
        instant = parse_instant(value, zone=zone, field=field)
        latest = ctx.now + timedelta(days=future_days)
    except OverflowError as exc:  # year 1 or 9999 moved across midnight by an offset or a zone
        raise BadValue(f"{field} {_short(value)} is outside the range of dates balloons can place in time") from exc
    if instant < EARLIEST:
        raise BadValue(f"{field} {value!r} is before 2000 (a typo or an epoch default?)")
    if instant > latest:
        raise BadValue(f"{field} {value!r} is more than {future_days:g} day(s) in the future")
    return instant


def incursion(fields: Mapping[str, str], *, ctx: Context, decimal_comma: bool) -> Row:
    """A valid incursion row (without lineage), or BadValue."""

    def num(name: str) -> float | None:
        value = _text(fields, name)
        return None if value is None else _number(value, field=name, decimal_comma=decimal_comma, ctx=ctx)

    lat, lon = num("lat"), num("lon")
    if (lat is None) != (lon is None):
        raise BadValue("lat and lon must be given together")
    if lat is not None and lon is not None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise BadValue(f"lat {lat} / lon {lon} is not a WGS84 position")
        if not (REGION_LAT[0] <= lat <= REGION_LAT[1] and REGION_LON[0] <= lon <= REGION_LON[1]):
            hint = " (lat and lon swapped?)" if REGION_LAT[0] <= lon <= REGION_LAT[1] else ""
            raise BadValue(f"lat {lat} / lon {lon} is outside the watched region{hint}")
    altitude = num("altitude_m")
    if altitude is not None and not -500 <= altitude <= 30_000:
        raise BadValue(f"altitude_m {altitude} is outside -500..30000 m")
    row: Row = {
        "detected_at": _instant(
            _text(fields, "detected_at"), field="detected_at", zone=ctx.zone, ctx=ctx, future_days=1
        ),
        "balloons": _count(_text(fields, "balloons") or "1", field="balloons", ctx=ctx, low=1, high=MAX_BALLOONS),
        "kind": _choice(_text(fields, "kind"), field="kind", allowed=INCURSION_KINDS, default="balloon"),
        "municipality": _text(fields, "municipality"),
        "lat": lat,
        "lon": lon,
        "altitude_m": altitude,
        "source": _text(fields, "source"),
        "source_id": _text(fields, "source_id"),
        "notes": _text(fields, "notes"),
    }
    row["event_id"] = identity.incursion_id(row)
    return row


def closure(fields: Mapping[str, str], *, ctx: Context, decimal_comma: bool) -> Row:
    """A valid closure row (without lineage), or BadValue. The duration limit applies to this row:
    for a NOTAM with a schedule, one active window."""
    airport = _airport(_text(fields, "airport"), ctx=ctx)
    zone = ctx.airport_zone(airport)
    start = _instant(_text(fields, "closed_from"), field="closed_from", zone=zone, ctx=ctx, future_days=2)
    end = _instant(
        _text(fields, "closed_until"), field="closed_until", zone=zone, ctx=ctx, future_days=2 + ctx.max_closure_days
    )
    if end <= start:
        raise BadValue("closed_until is not after closed_from")
    if end - start > timedelta(days=ctx.max_closure_days):
        raise BadValue(
            f"closure lasts {(end - start) / timedelta(days=1):.1f} days, over the "
            f"{ctx.max_closure_days:g}-day limit (BALLOONS_MAX_CLOSURE_DAYS)"
        )
    row: Row = {
        "airport": airport,
        "closed_from": start,
        "closed_until": end,
        "reason": _text(fields, "reason"),
        "notam_id": _text(fields, "notam_id"),
        "reported_flights": _count(
            _text(fields, "reported_flights"), field="reported_flights", ctx=ctx, low=0, high=MAX_REPORTED_FLIGHTS
        ),
        "reported_passengers": _count(
            _text(fields, "reported_passengers"),
            field="reported_passengers",
            ctx=ctx,
            low=0,
            high=MAX_REPORTED_PASSENGERS,
        ),
        "source": _text(fields, "source"),
        "notes": _text(fields, "notes"),
        "schedule": _text(fields, "schedule"),
        "window_index": _count(
            _text(fields, "window_index") or "0", field="window_index", ctx=ctx, low=0, high=100_000
        ),
        "schedule_in_text": _flag(_text(fields, "schedule_in_text"), field="schedule_in_text"),
        "until_estimated": _flag(_text(fields, "until_estimated"), field="until_estimated"),
        "scope": _choice(_text(fields, "scope"), field="scope", allowed=SCOPES, default="full"),
    }
    row["cause"] = _choice(
        _text(fields, "cause"), field="cause", allowed=CAUSES, default=cause_of(row["reason"], stated=True)
    )
    row["closure_id"] = identity.closure_id(row)
    return row


def flight(fields: Mapping[str, str], *, ctx: Context, decimal_comma: bool) -> Row:
    """A valid flight row (without lineage), or BadValue."""
    airport = _airport(_text(fields, "airport"), ctx=ctx)
    number = _text(fields, "flight_number")
    if number is None:
        raise BadValue("flight_number is missing")
    seats = _count(_text(fields, "seats"), field="seats", ctx=ctx, low=0, high=MAX_SEATS)
    passengers = _count(_text(fields, "passengers"), field="passengers", ctx=ctx, low=0, high=MAX_SEATS)
    if seats is not None and passengers is not None and passengers > seats:
        raise BadValue(f"passengers {passengers} exceed seats {seats}")
    aircraft = _text(fields, "aircraft_type")
    other = _text(fields, "other_airport")
    row: Row = {
        "airport": airport,
        "direction": _choice(_text(fields, "direction"), field="direction", allowed=DIRECTIONS, default=None),
        "flight_number": " ".join(number.upper().split()),
        "scheduled_at": _instant(
            _text(fields, "scheduled_at"),
            field="scheduled_at",
            zone=ctx.airport_zone(airport),
            ctx=ctx,
            future_days=400,
        ),
        "status": _choice(_text(fields, "status"), field="status", allowed=FLIGHT_STATUSES, default="scheduled"),
        "aircraft_type": aircraft.upper() if aircraft else None,
        "seats": seats,
        "passengers": passengers,
        "other_airport": other.upper() if other else None,
        "airline": _text(fields, "airline"),
    }
    row["flight_id"] = identity.flight_id(row)
    return row


VALIDATORS: dict[str, Callable[..., Row]] = {
    "incursions": incursion,
    "closures": closure,
    "flights": flight,
}
