"""The headline figures officials reported (package data `figures_reported.csv`, each with its
source), for the warehouse to set beside the computed ones (`rpt_headline`)."""

from __future__ import annotations

import csv
import io
from datetime import date
from importlib import resources

import pyarrow as pa

from balloons.errors import WarehouseError

METRICS = ("balloons", "incursions", "closures", "flights_affected", "passengers_affected", "hours_closed")
"""What a reported figure counts; `rpt_headline` computes each the same way over the same days."""
QUALIFIERS = ("", "over", "about")

SCHEMA = pa.schema(
    [
        ("period", pa.string()),
        ("first_day", pa.date32()),
        ("last_day", pa.date32()),
        ("metric", pa.string()),
        ("qualifier", pa.string()),
        ("value", pa.int64()),
        ("what", pa.string()),
        ("source", pa.string()),
    ]
)


def figures_csv() -> str:
    """The package's figures_reported.csv, as text."""
    return resources.files("balloons.data").joinpath("figures_reported.csv").read_text("utf-8")


def figures_table(text: str | None = None) -> pa.Table:
    """The reported figures (`text`, by default `figures_csv()`), one row each, checked against
    METRICS and QUALIFIERS."""
    if text is None:
        text = figures_csv()
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        if row["metric"] not in METRICS or row["qualifier"] not in QUALIFIERS:
            raise WarehouseError(
                f"figures_reported.csv: {row['metric']!r} / {row['qualifier']!r} is not a known figure"
            )
        rows.append(
            {
                **row,
                "first_day": date.fromisoformat(row["first_day"]),
                "last_day": date.fromisoformat(row["last_day"]),
                "value": int(row["value"]),
            }
        )
    return pa.Table.from_pylist(rows, schema=SCHEMA)
