"""NOTAM times (`YYMMDDhhmm`, always UTC) and the error a bad raw value raises in the NOTAM reader.

Every other timestamp is read by the validation engine, in SQL (`sql/instants.sql`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_NOTAM = re.compile(r"^\d{10}$")


class BadValue(ValueError):
    """A raw value breaks a rule; its message is the quarantine reason."""


def parse_notam_time(text: str, *, field: str) -> datetime:
    """Parse a NOTAM B)/C) item `YYMMDDhhmm` (always UTC, in 2000-2099: a NOTAM has no other
    century, where strptime's `%y` would read 69-99 as 1969-1999)."""
    value = text.strip()
    if not _NOTAM.match(value):
        raise BadValue(f"{field} {value!r} is not a NOTAM time (YYMMDDhhmm)")
    try:
        return datetime.strptime(f"20{value}", "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError as exc:
        raise BadValue(f"{field} {value!r} is not a real date and time") from exc
