"""Turn raw timestamp text into UTC instants, following the raw-input contract.

With an offset or `Z` a timestamp means that instant. Without one it is wall-clock time in the
given zone: a wall time that does not exist (spring forward) is rejected; an ambiguous one
(autumn fall-back) takes the earlier instant. Errors are `BadValue` with a reason for quarantine.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_NOTAM = re.compile(r"^\d{10}$")


class BadValue(ValueError):
    """A raw value breaks a rule; its message is the quarantine reason."""


def parse_instant(text: str, *, zone: ZoneInfo, field: str) -> datetime:
    """Parse an ISO 8601 date-time into an aware UTC datetime.

    >>> parse_instant("2025-10-26T03:30", zone=ZoneInfo("Europe/Vilnius"), field="t").isoformat()
    '2025-10-26T00:30:00+00:00'
    """
    value = text.strip()
    if not _ISO.match(value):
        raise BadValue(f"{field} {value!r} is not an ISO 8601 date and time (YYYY-MM-DDThh:mm)")
    try:
        parsed = datetime.fromisoformat(value.upper().replace(" ", "T"))
    except ValueError as exc:
        raise BadValue(f"{field} {value!r} is not a real date and time") from exc
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return localize(parsed, zone=zone, field=field)


def localize(wall: datetime, *, zone: ZoneInfo, field: str) -> datetime:
    """Interpret a naive wall-clock time in `zone` and return the UTC instant."""
    earlier = wall.replace(tzinfo=zone, fold=0)
    instant = earlier.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        raise BadValue(f"{field} {wall.isoformat()} does not exist in {zone.key} (clocks jump forward)")
    return instant


def parse_notam_time(text: str, *, field: str) -> datetime:
    """Parse a NOTAM B)/C) item `YYMMDDhhmm` (always UTC)."""
    value = text.strip()
    if not _NOTAM.match(value):
        raise BadValue(f"{field} {value!r} is not a NOTAM time (YYMMDDhhmm)")
    try:
        return datetime.strptime(value, "%y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError as exc:
        raise BadValue(f"{field} {value!r} is not a real date and time") from exc


def local_month(instant: datetime, zone: ZoneInfo) -> str:
    """'YYYY-MM' of an instant in `zone`."""
    return instant.astimezone(zone).strftime("%Y-%m")
