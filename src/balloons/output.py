"""Render query results for people (a rich table) and for programs (CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from balloons.errors import ConfigError


def _plain(value: Any, *, json_numbers: bool = False) -> Any:
    """A value CSV and JSON can hold as it is: text for instants, times, intervals, UUIDs and blobs
    (hex), numbers for decimals (text when a float would change them), and the same item by item
    inside lists and structs. With `json_numbers` a NaN or infinite float is null: JSON has no such
    number. (DuckDB hands infinite instants to Python as its largest and smallest ones: they cannot
    be told from a real 9999-12-31, so they are shown as such.)"""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        approximate = float(value)
        return approximate if Decimal(repr(approximate)) == value else str(value)
    if json_numbers and isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (timedelta, UUID)):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v, json_numbers=json_numbers) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, json_numbers=json_numbers) for v in value]
    return value


def _cell(value: Any) -> Any:
    """One CSV field or table cell: lists and structs as JSON text, the rest as `_plain` gives it."""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(_plain(value, json_numbers=True), ensure_ascii=False)
    return _plain(value)


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, fmt: str, title: str | None) -> str:
    """`table` (rich, for a terminal), `csv` (header + rows) or `json` (an array of objects)."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(v) for v in row] for row in rows])
        return buffer.getvalue()
    if fmt == "json":
        repeated = sorted({c for c in columns if columns.count(c) > 1})
        if repeated:
            names = ", ".join(repr(c) for c in repeated)
            raise ConfigError(
                f"JSON objects need distinct column names, and {names} is given more than once: "
                "name the columns with AS, or use --format csv."
            )
        return json.dumps(
            [{c: _plain(v, json_numbers=True) for c, v in zip(columns, row, strict=True)} for row in rows],
            ensure_ascii=False,
            indent=1,
            allow_nan=False,
        )
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(_cell(v)) for v in row))
    console = Console(file=io.StringIO(), width=200, record=True, color_system=None)
    console.print(table)
    console.print(f"{len(rows)} row(s)")
    return console.export_text()
