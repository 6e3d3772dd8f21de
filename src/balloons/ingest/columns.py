"""The columns each raw table may give: canonical names, the aliases raw files use for them, and
the ones a record cannot do without. Names match case-insensitively, spaces and dashes as `_`."""

from __future__ import annotations

from collections.abc import Mapping

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


def canonical_columns(table: str, header: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map raw column names to canonical ones; returns (mapping, unknown columns)."""
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for raw in header:
        name = canonical(table, raw)
        if name is not None:
            mapping[raw] = name
        else:
            unknown.append(raw)
    return mapping, unknown


def canonical(table: str, raw: str) -> str | None:
    """The canonical column a raw column name gives, None when `table` has no such column."""
    name = raw.strip().lower().replace(" ", "_").replace("-", "_")
    name = ALIASES[table].get(name, name)
    return name if name in COLUMNS[table] else None


def missing_required(table: str, mapping: Mapping[str, str]) -> list[str]:
    present = set(mapping.values())
    return [column for column in REQUIRED[table] if column not in present]


def repeated_columns(mapping: Mapping[str, str]) -> list[str]:
    seen: dict[str, int] = {}
    for name in mapping.values():
        seen[name] = seen.get(name, 0) + 1
    return sorted(name for name, count in seen.items() if count > 1)
