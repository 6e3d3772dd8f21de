"""Stable identities: ids from identity keys and hashes of row content (sha1 of sorted JSON)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime


def _canonical(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def stable_hash(values: object, *, length: int = 16) -> str:
    """First `length` hex digits of sha1 over canonical JSON of `values`."""
    if isinstance(values, Mapping):
        values = {key: _canonical(value) for key, value in values.items()}
    elif isinstance(values, (list, tuple)):
        values = [_canonical(value) for value in values]
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def incursion_id(row: Mapping[str, object]) -> str:
    """(source, source_id) when the publisher gave an id, else the content of the sighting."""
    if row.get("source_id"):
        return stable_hash(["incursion", row.get("source") or "", row["source_id"]])
    return stable_hash(
        [
            "incursion",
            row["detected_at"],
            row["kind"],
            row.get("municipality"),
            row.get("lat"),
            row.get("lon"),
            row["balloons"],
        ]
    )


def closure_id(row: Mapping[str, object]) -> str:
    """(airport, closed_from): a NOTAM and a CSV row for the same closure share an id."""
    return stable_hash(["closure", row["airport"], row["closed_from"]])


def flight_id(row: Mapping[str, object]) -> str:
    """(airport, direction, flight_number, scheduled_at)."""
    return stable_hash(["flight", row["airport"], row["direction"], row["flight_number"], row["scheduled_at"]])


def content_hash(row: Mapping[str, object]) -> str:
    """Hash of everything a record says, so re-delivery of the same facts is a duplicate."""
    return stable_hash(dict(row), length=40)
