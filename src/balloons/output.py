"""Render query results for people (a rich table) and for programs (CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, fmt: str, title: str | None) -> str:
    """`table` (rich, for a terminal), `csv` (header + rows) or `json` (an array of objects)."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
        return buffer.getvalue()
    if fmt == "json":
        return json.dumps(
            [dict(zip(columns, map(_plain, row), strict=True)) for row in rows], ensure_ascii=False, indent=1
        )
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(_plain(v)) for v in row))
    console = Console(file=io.StringIO(), width=200, record=True, color_system=None)
    console.print(table)
    console.print(f"{len(rows)} row(s)")
    return console.export_text()
