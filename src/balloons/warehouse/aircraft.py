"""Seat counts per aircraft type: openap for the jets it models, our own table for the rest.

openap's `pax` gives low, high and max seats; balloons reads high as the typical layout. Types
openap lacks (turboprops such as AT76 and DH8D, the A220) come from package data
`aircraft_seats.csv`, each row with its source.
"""

from __future__ import annotations

import csv
import io
from importlib import resources

import pyarrow as pa

SEATS_SCHEMA = pa.schema(
    [
        pa.field("aircraft_type", pa.string(), nullable=False),
        pa.field("seats_low", pa.int32(), nullable=False),
        pa.field("seats_typical", pa.int32(), nullable=False),
        pa.field("seats_max", pa.int32(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
    ]
)


def own_table() -> list[dict[str, object]]:
    text = resources.files("balloons.data").joinpath("aircraft_seats.csv").read_text("utf-8")
    return [
        {
            "aircraft_type": row["aircraft_type"].upper(),
            "seats_low": int(row["seats_low"]),
            "seats_typical": int(row["seats_typical"]),
            "seats_max": int(row["seats_max"]),
            "source": row["source"],
        }
        for row in csv.DictReader(io.StringIO(text))
    ]


def openap_table() -> list[dict[str, object]]:
    from importlib.metadata import version

    from openap import prop

    label = f"openap {version('openap')} pax (low/high/max)"
    rows = []
    for code in sorted(prop.available_aircraft()):
        pax = prop.aircraft(code)["pax"]
        rows.append(
            {
                "aircraft_type": code.upper(),
                "seats_low": int(pax["low"]),
                "seats_typical": int(pax["high"]),
                "seats_max": int(pax["max"]),
                "source": label,
            }
        )
    return rows


def seat_table() -> pa.Table:
    """Every known type once: openap first, our own table for the types openap lacks."""
    rows = {str(row["aircraft_type"]): row for row in openap_table()}
    for row in own_table():
        rows.setdefault(str(row["aircraft_type"]), row)
    return pa.Table.from_pylist([rows[key] for key in sorted(rows)], schema=SEATS_SCHEMA)
