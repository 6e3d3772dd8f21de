"""Report periods: month names, their days, and which months the warehouse holds.

Kept apart from `report.py` (which loads matplotlib) so the CLI can refuse a month outside the
data in well under a second, before Prefect starts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import duckdb

from balloons import warehouse
from balloons.errors import ReportError

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])\Z")


def check_month(month: str) -> str:
    if not _MONTH.match(month):
        raise ReportError(f"{month!r} is not a month; give it as YYYY-MM, e.g. 2025-10.")
    return month


def month_days(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def previous_month(month: str) -> str:
    first, _ = month_days(month)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def data_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every month with incursions or closures (a row of rpt_months)."""
    rows = con.execute("select month from rpt_months order by month").fetchall()
    return [r[0] for r in rows]


def check_held(month: str, held: Sequence[str]) -> str:
    """Refuse a month outside the first..last month the warehouse holds (a report of nothing)."""
    check_month(month)
    if not held:
        raise ReportError(
            f"No data for {month}: the warehouse holds no incursions or closures yet. "
            "Pass --allow-empty to render it anyway."
        )
    if not held[0] <= month <= held[-1]:
        raise ReportError(
            f"No data for {month}: the warehouse holds {held[0]} to {held[-1]}. Pass --allow-empty to render it anyway."
        )
    return month


def check_months_held(warehouse_path: Path, months: Sequence[str]) -> None:
    """`check_held` for each month against the warehouse at `warehouse_path` (read-only)."""
    con = warehouse.connect_read_only(warehouse_path)
    try:
        held = data_months(con)
    finally:
        con.close()
    for month in months:
        check_held(month, held)
