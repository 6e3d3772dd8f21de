"""Seat counts per aircraft type: openap for the jets it models, our own table for the rest.

openap's `pax` gives low, high and max seats; balloons reads high as the typical layout. Types
openap lacks (turboprops such as AT76 and DH8D, the A220) come from package data
`aircraft_seats.csv`, each row with its source.

openap's aircraft files (`openap/data/aircraft/<type>.yml`) are read as `openap.prop` reads them,
without importing openap: its package imports pandas and scipy.signal, about 2 s of every
warehouse build for a few dozen small files (tests/test_aircraft.py checks the values against openap.prop).
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

import pyarrow as pa
import yaml

from balloons.errors import ConfigError

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


def openap_folder() -> Path:
    """openap's aircraft files, found without importing openap."""
    spec = find_spec("openap")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("openap is not installed; reinstall balloons' environment (make install).")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "aircraft"


def openap_table() -> list[dict[str, object]]:
    label = f"openap {version('openap')} pax (low/high/max)"
    rows = []
    for path in sorted(openap_folder().glob("*.yml")):
        pax = yaml.load(path.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["pax"]
        rows.append(
            {
                "aircraft_type": path.stem.upper(),
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
