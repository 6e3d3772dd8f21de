"""Monthly and yearly PDF reports, drawn from the warehouse's report models only.

This module owns figures, pages and output paths; `plots.py` draws on Axes. Every number comes
from an `rpt_` relation (`sql/4_reports/`, see `warehouse.REPORT_RELATIONS`), read for the months a
page covers: the joins, local times and counts live in that SQL, nothing is computed a second time
here. Figures are plain `matplotlib.figure.Figure`s written through `PdfPages`: no pyplot, no
backend chosen, so importing this module changes nothing. PDFs are reproducible: TrueType (Type 42)
fonts (subsets without the layout tables no reader uses, `fonts.py`) and metadata dates fixed to
the data's last ingest time. Each PDF records, in its document
information (`/Keywords`), the fingerprint of the warehouse it was drawn from
(`rpt_provenance.fingerprint`); `reconcile.py` uses it to keep reports/ current.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import re
import textwrap
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from balloons import __version__, warehouse
from balloons.errors import ReportError
from balloons.report import plots
from balloons.report.fonts import lean_subsets
from balloons.report.periods import check_month, month_days, previous_month

log = logging.getLogger(__name__)

PAGE = (11.69, 8.27)  # A4 landscape, inches
_YEAR = re.compile(r"^\d{4}\Z")
FINGERPRINT_KEY = "warehouse-fingerprint:"
"""Prefix of the PDF's `/Keywords`: the rest is the warehouse fingerprint it was rendered from."""
RC = {
    "text.parse_math": False,  # text from the data is drawn as it is: `$…$` in a name is not mathtext
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class ReportContext:
    """What every page needs besides the month: zone, trigger radius, provenance."""

    timezone: str
    radius_km: float
    last_ingest: datetime | None
    outline: dict[str, Any]
    fingerprint: str


def load_outline() -> dict[str, Any]:
    text = resources.files("balloons.data").joinpath("outline.geojson").read_text("utf-8")
    return dict(json.loads(text))


def _provenance(con: duckdb.DuckDBPyConnection) -> tuple[str, datetime | None, str]:
    """(fingerprint, last ingest, time zone) of the warehouse, from `rpt_provenance`."""
    try:
        row = con.execute("select fingerprint, last_ingest, timezone from rpt_provenance").fetchone()
    except duckdb.CatalogException as exc:
        raise ReportError(
            "The warehouse predates the report models (rpt_provenance is missing); rebuild it with "
            "'balloons build --force'."
        ) from exc
    if not row:
        raise ReportError("The warehouse has no build_info row; rebuild it with 'balloons build --force'.")
    return str(row[0]), row[1], str(row[2])


def warehouse_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """The fingerprint the warehouse was built from (`rpt_provenance`, i.e. `build_info`)."""
    return _provenance(con)[0]


def context(con: duckdb.DuckDBPyConnection, *, timezone: str, radius_km: float) -> ReportContext:
    """What every page needs. `timezone` must be the one the warehouse was built with: its local
    months and the report models' local times are cut in it."""
    fingerprint, last, built_in = _provenance(con)
    if timezone != built_in:
        raise ReportError(
            f"The warehouse was built with local time {built_in}, not {timezone}: run 'balloons run' with "
            f"BALLOONS_TIMEZONE={timezone}, which rebuilds the lake and the warehouse in it, or report in "
            f"{built_in}."
        )
    return ReportContext(timezone, radius_km, last.astimezone(UTC) if last else None, load_outline(), fingerprint)


# --- reads (parameters only; every figure comes from an rpt_ relation) ---------------------------

METRICS = (
    "incursions",
    "balloons",
    "closures",
    "closed_minutes",
    "flights",
    "passengers",
    "passengers_low",
    "passengers_high",
    "unestimated",
    "flights_held",
)


def metrics(con: duckdb.DuckDBPyConnection, first: str, last: str) -> dict[str, float]:
    """Totals over the local months first..last (inclusive)."""
    row = con.execute(
        "select coalesce(sum(incursions), 0), coalesce(sum(balloons), 0), coalesce(sum(closures), 0), "
        "coalesce(sum(closed_minutes), 0), coalesce(sum(flights_affected), 0), coalesce(sum(passengers_affected), 0), "
        "coalesce(sum(passengers_low), 0), coalesce(sum(passengers_high), 0), coalesce(sum(flights_unestimated), 0), "
        "coalesce(sum(flights_held), 0) "
        "from rpt_months "
        "where month between ? and ?",
        [first, last],
    ).fetchone()
    return dict(zip(METRICS, row or (0,) * len(METRICS), strict=True))


def closures_of(con: duckdb.DuckDBPyConnection, first: str, last: str) -> list[dict[str, Any]]:
    """The closures starting in the local months first..last, in time order, local times."""
    rows = con.execute(
        "select airport, closed_from_local, closed_until_local, duration_min, flights_affected, "
        "cancelled, diverted, delayed, returned, other, passengers_affected, passengers_low, passengers_high, "
        "reported_flights, reported_passengers, in_headline, flights_unestimated, until_estimated, flights_held "
        "from rpt_closures "
        "where month between ? and ? "
        "order by closed_from, airport",
        [first, last],
    ).fetchall()
    keys = (
        "airport",
        "start",
        "end",
        "minutes",
        "flights",
        "cancelled",
        "diverted",
        "delayed",
        "returned",
        "other",
        "passengers",
        "low",
        "high",
        "reported_flights",
        "reported_passengers",
        "in_headline",
        "unestimated",
        "until_estimated",
        "flights_held",
    )
    return [dict(zip(keys, row, strict=True)) for row in rows]


OUTSIDE_TOTALS = "*"
"""Marks a closure that headline totals leave out (partial scope, a cause not counted, or one
that had not started when the lake last took in data: a NOTAM's windows still to come)."""
ESTIMATED_END = "~"
"""Marks an end time that is an estimate (NOTAM C) … EST, or a report saying so)."""


def _closure_label(c: dict[str, Any]) -> str:
    return c["airport"] if c["in_headline"] else f"{c['airport']}{OUTSIDE_TOTALS}"


def _closure_row(c: dict[str, Any], *, start: str) -> list[str]:
    """One row of a closures table (CLOSURE_HEADER), the start shown with the `start` format."""
    return [
        f"{c['start']:{start}}-{ESTIMATED_END if c['until_estimated'] else ''}{c['end']:%H:%M}",
        _closure_label(c),
        _hours(c["minutes"]),
        _fmt(c["flights"]) if c["flights_held"] else NO_FLIGHTS,
        "-" if c["reported_flights"] is None else _fmt(c["reported_flights"]),
        _band(c) if c["flights_held"] else NO_FLIGHTS,
        "-" if c["reported_passengers"] is None else _fmt(c["reported_passengers"]),
    ]


def _closures_title(title: str, closures: list[dict[str, Any]]) -> str:
    notes = []
    if not all(c["in_headline"] for c in closures):
        notes.append(f"{OUTSIDE_TOTALS} not in the totals")  # why: NOTES, below the table
    if any(c["until_estimated"] for c in closures):
        notes.append(f"{ESTIMATED_END} end estimated")
    return f"{title} ({'; '.join(notes)})" if notes else title


def incursions_of(con: duckdb.DuckDBPyConnection, first: str, last: str) -> list[dict[str, Any]]:
    """The incursion records of the local months first..last, in time order, local times."""
    rows = con.execute(
        "select detected_local, balloons, lat, lon, municipality from rpt_incursions "
        "where month between ? and ? order by detected_at, event_id",
        [first, last],
    ).fetchall()
    return [dict(zip(("local", "balloons", "lat", "lon", "municipality"), r, strict=True)) for r in rows]


def municipalities_of(con: duckdb.DuckDBPyConnection, first: str, last: str) -> list[tuple[str, int]]:
    """Incursion records per municipality over the local months first..last, most first (then by name)."""
    rows = con.execute(
        "select municipality, sum(incursions) from rpt_municipalities where month between ? and ? group by all",
        [first, last],
    ).fetchall()
    return sorted(((str(name), int(n)) for name, n in rows), key=lambda kv: (-kv[1], kv[0]))


def airports_of(con: duckdb.DuckDBPyConnection) -> list[tuple[str, float, float]]:
    rows = con.execute("select icao, lon, lat from rpt_airports order by icao").fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


TrendRow = tuple[str, int, int, int, int, int, int]
"""month, incursions, balloons, passengers best, low, high, flights of unknown passengers (rpt_trend)."""


def trend_rows(con: duckdb.DuckDBPyConnection, last: str) -> list[TrendRow]:
    return con.execute(
        "select month, incursions, balloons, passengers_affected, passengers_low, passengers_high, "
        "flights_unestimated from rpt_trend where month <= ? order by month",
        [last],
    ).fetchall()


# --- pages ----------------------------------------------------------------------------------------

CLOSURE_HEADER = [
    "closure (local)",
    "airport",
    "hours",
    "flights computed",
    "flights reported",
    "passengers computed (band)",
    "passengers reported",
]
CLOSURE_WIDTHS = (0.18, 0.075, 0.065, 0.145, 0.13, 0.235, 0.17)


def _fmt(value: float) -> str:
    return f"{round(value):,}"


def _page(title: str, subtitle: str, ctx: ReportContext) -> Figure:
    fig = Figure(figsize=PAGE)
    fig.text(0.04, 0.955, title, fontsize=16, fontweight="bold", va="top")
    fig.text(0.04, 0.915, subtitle, fontsize=10, color="#555555", va="top")
    ingest = f"{ctx.last_ingest:%Y-%m-%d %H:%M} UTC" if ctx.last_ingest else "never"
    fig.text(
        0.04,
        0.02,
        f"Source: balloons warehouse (incursions, closures, flights as ingested from data/raw; "
        f"see data/raw/README.md). Data last ingested {ingest}. Times are local ({ctx.timezone}). "
        f"balloons {__version__}.",
        fontsize=7,
        color="#666666",
    )
    return fig


def _hours(minutes: float) -> str:
    """Hours to one decimal, halves rounded away from zero as DuckDB's `round` does (651 minutes
    are 10.85 hours: 10.9, as an analyst's `round(duration_min / 60, 1)` shows, not the 10.8 of
    the float nearest 10.85)."""
    return plots.one_decimal(minutes / 60)


NO_FLIGHTS = "no flights held"
"""Shown for flights and passengers hit by closures of months the warehouse holds no flights of:
nothing is known of them, which zero would not say."""


def _no_flights(m: Mapping[str, float]) -> bool:
    return bool(m["closures"]) and not m["flights_held"]


def _flights(m: Mapping[str, float]) -> str:
    return NO_FLIGHTS if _no_flights(m) else _fmt(m["flights"])


def _passengers(m: dict[str, float]) -> str:
    """Best estimate with its band, from metrics()."""
    if _no_flights(m):
        return NO_FLIGHTS
    return _estimate(m["passengers"], m["passengers_low"], m["passengers_high"], m["unestimated"])


def _band(c: dict[str, Any]) -> str:
    return _estimate(c["passengers"], c["low"], c["high"], c["unestimated"])


UNKNOWN = "†"
"""Marks passengers that leave out flights whose passengers are unknown (`NOTE_UNKNOWN`)."""

NOTE_UNKNOWN = (
    f"{UNKNOWN} Passengers of some flights hit are unknown (no passenger count, seats or known aircraft type): "
    "they are left out of the estimate, never counted as zero (flights_unestimated counts those flights)."
)


def _estimate(best: float, low: float, high: float, unknown: float) -> str:
    """Passengers as a best estimate with its band; marked (UNKNOWN) when some flights' passengers
    are unknown (flights_unestimated), and 'unknown' when all are: never shown as zero."""
    if not unknown:
        return f"{_fmt(best)} ({_fmt(low)}-{_fmt(high)})"
    if not high:
        return f"unknown{UNKNOWN}"
    return f"{_fmt(best)} ({_fmt(low)}-{_fmt(high)}){UNKNOWN}"


def _any_unknown(*figures: Mapping[str, Any]) -> bool:
    """True when any of these metrics() or closures_of() rows holds flights of unknown passengers."""
    return any(f["unestimated"] for f in figures)


SYNTHETIC_ORDER = ("incursions", "closures", "flights")


def synthetic_tables(con: duckdb.DuckDBPyConnection, last: str) -> list[str]:
    """The tables holding synthetic rows (`synthetic` column) in the months up to `last`."""
    rows = con.execute("select distinct table_name from rpt_synthetic where month <= ?", [last]).fetchall()
    found = {name for (name,) in rows}
    return [table for table in SYNTHETIC_ORDER if table in found]


def synthetic_warning(fig: Figure, tables: Sequence[str], *, y: float) -> None:
    """A boxed line under the subtitle when the figures rest on synthetic data."""
    if not tables:
        return
    names = " and ".join(tables) if len(tables) < 3 else "incursions, closures and flights"
    lines = [
        f"Synthetic data: the {names} behind these figures are synthetic (raw files under a "
        "synthetic/ folder, e.g. the shipped sample)."
    ]
    if "flights" in tables:
        lines.append("Computed flights and passengers show how the method works; they are not observations.")
    fig.text(
        0.045,
        y,
        "\n".join(lines),
        fontsize=9,
        color="#7a1f12",
        va="top",
        bbox={"boxstyle": "round,pad=0.4", "facecolor": "#fdecea", "edgecolor": "#e6b0aa"},
    )


ROW_IN = 10 * 1.2 / 72  # a plots.table row's height in inches at row_scale 1 (cells are sized for 10 pt)
TITLE = 0.04  # a table title's height, as a fraction of the page
FLOOR = 0.07  # the page fraction no table row goes below: the footer's


def _table_height(rows: int, row_scale: float = 1.35) -> float:
    """Page fraction a plots.table of `rows` rows (plus header) and its title take."""
    return (rows + 1) * ROW_IN * row_scale / PAGE[1] + TITLE


def _filling_scale(rows: int, room: float) -> float:
    """Row scale (1.35 to 2) for a table of `rows` rows to fill `room` (page fraction) above the notes."""
    return min(2.0, max(1.35, room * PAGE[1] / ((rows + 1) * ROW_IN)))


def _table_axes(fig: Figure, top: float, rows: int, *, row_scale: float = 1.35, floor: float = FLOOR) -> Any:
    """Axes for a plots.table whose title starts at page fraction `top` (the table below it)."""
    height = _table_height(rows, row_scale) - TITLE
    bottom = max(top - TITLE - height, floor)
    return fig.add_axes((0.04, bottom, 0.92, top - TITLE - bottom))


def _rows_that_fit(top: float, row_scale: float = 1.35) -> int:
    """Rows of a plots.table (title and header besides) that fit between `top` and `FLOOR`."""
    return max(1, int((top - FLOOR - TITLE) * PAGE[1] / (ROW_IN * row_scale)) - 1)


def _closure_pages(
    rows: list[list[str]], closures: list[dict[str, Any]], shown: int, *, title: str, ctx: ReportContext, font: float
) -> list[Figure]:
    """The closures table's rows after the first `shown`, on as many pages as they take: a table
    is never cut short (every closure of a month or year is listed)."""
    pages = []
    top = 0.87
    fit = _rows_that_fit(top)
    for start in range(shown, len(rows), fit):
        part = rows[start : start + fit]
        fig = _page(f"{title} (continued)", f"Closures {start + 1}-{start + len(part)} of {len(rows)}.", ctx)
        plots.table(
            _table_axes(fig, top, len(part)),
            CLOSURE_HEADER,
            part,
            title=_closures_title("Closures", closures[start : start + fit]),
            font_size=font,
            widths=CLOSURE_WIDTHS,
        )
        pages.append(fig)
    return pages


def _first_rows_title(title: str, shown: int, total: int) -> str:
    return title if shown >= total else f"{title}: {shown} of {total}, the rest on the next pages"


NOTES = (
    "How to read the closures: flights computed are the flights in the warehouse scheduled at the airport "
    "while it was closed; passengers computed are their passengers, counted where given and otherwise "
    "estimated from seats and load factor (the band is that estimate's low-high range). Reported figures are "
    "what officials said; '-' means nothing was reported. Hours are real elapsed time, local clock times. "
    f"{OUTSIDE_TOTALS} marks a closure not in the totals: a partial one, one whose cause is not counted "
    "(BALLOONS_HEADLINE_CAUSES), or a NOTAM's window still to come when the data was last taken in."
)


def _notes(fig: Figure, top: float, *, unknown: bool) -> None:
    text = f"{NOTES}\n{NOTE_UNKNOWN}" if unknown else NOTES
    fig.text(0.04, top, text, fontsize=9, color="#555555", va="top", wrap=True)


def summary_pages(con: duckdb.DuckDBPyConnection, month: str, ctx: ReportContext, label: str) -> list[Figure]:
    """The summary page, then the closures its table has no room for, on pages of their own."""
    now = metrics(con, month, month)
    prev_month = previous_month(month)
    before = metrics(con, prev_month, prev_month)
    ytd = metrics(con, f"{month[:4]}-01", month)
    fig = _page(
        f"Balloon incursions and airport closures — {label}", "What happened, what it cost, and how it compares.", ctx
    )
    synthetic = synthetic_tables(con, month)
    synthetic_warning(fig, synthetic, y=0.885)
    rows = []
    for name, key, unit in (
        ("Incursion records", "incursions", ""),
        ("Balloons", "balloons", ""),
        ("Airport closures", "closures", ""),
        ("Hours closed", "closed_minutes", "h"),
    ):
        fmt = _hours if unit == "h" else _fmt
        delta = now[key] - before[key]
        rows.append([name, fmt(now[key]), fmt(before[key]), ("+" if delta > 0 else "") + fmt(delta), fmt(ytd[key])])
    unheld = _no_flights(now) or _no_flights(before)  # no change can be told
    delta = now["flights"] - before["flights"]
    change = "-" if unheld else ("+" if delta > 0 else "") + _fmt(delta)
    rows.append(["Flights affected", _flights(now), _flights(before), change, _flights(ytd)])
    pax = ["Passengers affected (best, band)"]
    for m in (now, before):
        pax.append(_passengers(m))
    diff = now["passengers"] - before["passengers"]
    unknown = unheld or any(m["unestimated"] and not m["passengers_high"] for m in (now, before))
    pax += ["-" if unknown else ("+" if diff > 0 else "") + _fmt(diff), _passengers(ytd)]
    rows.append(pax)
    top = 0.82 if synthetic else 0.87
    ax = _table_axes(fig, top, len(rows), row_scale=1.6)
    plots.table(
        ax,
        ["", label, f"previous ({prev_month})", "change", f"year to date ({month[:4]})"],
        rows,
        title="Summary",
        widths=(0.255, 0.205, 0.205, 0.1, 0.235),
        font_size=10.5,
        row_scale=1.6,
    )
    closures = closures_of(con, month, month)
    top -= _table_height(len(rows), 1.6) + 0.04
    unknown = _any_unknown(now, before, ytd, *closures)
    if not closures:
        if unknown:
            fig.text(0.04, top + 0.02, NOTE_UNKNOWN, fontsize=9, color="#555555", va="top", wrap=True)
        ax2 = fig.add_axes((0.04, FLOOR, 0.92, top - FLOOR))
        plots.message(ax2, f"No airport closures in {label}.")
        return [fig]
    table_rows = [_closure_row(c, start="%d %b %H:%M") for c in closures]
    shown = min(len(table_rows), _rows_that_fit(top))
    scale = _filling_scale(shown, top - TITLE - 0.16) if shown == len(table_rows) else 1.35
    plots.table(
        _table_axes(fig, top, shown, row_scale=scale),
        CLOSURE_HEADER,
        table_rows[:shown],
        title=_closures_title(
            _first_rows_title("Closures: computed beside reported", shown, len(table_rows)), closures[:shown]
        ),
        font_size=9.5,
        widths=CLOSURE_WIDTHS,
        row_scale=scale,
    )
    top -= _table_height(shown, scale) + 0.03
    if top > 0.1:
        _notes(fig, top, unknown=unknown)
    more = _closure_pages(table_rows, closures, shown, title=f"Closures — {label}", ctx=ctx, font=9.5)
    return [fig, *more]


def incursions_by(con: duckdb.DuckDBPyConnection, month: str, unit: str) -> list[tuple[Any, int]]:
    """Incursion records of a month per local day ('day') or local hour of day ('hour')."""
    relation = {"day": "rpt_incursions_by_day", "hour": "rpt_incursions_by_hour"}[unit]
    return [
        (k, int(n))
        for k, n in con.execute(  # relation and unit are one of the constants above
            f"select {unit}, incursions from {relation} where month = ? order by {unit}", [month]
        ).fetchall()
    ]


def closed_during(con: duckdb.DuckDBPyConnection, first: date, last: date) -> list[tuple[datetime, datetime]]:
    """The local spans of the closures open on any of the local days first..last, those that began
    the day before included (a night closure from the last of the month before)."""
    rows = con.execute(
        "select closed_from_local, closed_until_local from rpt_closures "
        "where closed_until_local > ?::date and closed_from_local < ?::date + 1 order by closed_from, airport",
        [first, last],
    ).fetchall()
    return [(start, end) for start, end in rows]


def daily_page(con: duckdb.DuckDBPyConnection, month: str, ctx: ReportContext, label: str) -> Figure:
    fig = _page(f"Incursions day by day — {label}", "Incursion records per local day; red: airport closed.", ctx)
    ax = fig.add_axes((0.08, 0.12, 0.88, 0.72))
    per_day = incursions_by(con, month, "day")
    if not per_day:
        plots.message(ax, f"No incursions recorded in {label}.")
        return fig
    first, last = month_days(month)
    windows = closed_during(con, first, last)
    plots.daily_incursions(ax, [d for d, _ in per_day], [n for _, n in per_day], windows, first=first, last=last)
    totals = metrics(con, month, month)
    ax.set_title(f"{totals['incursions']} incursion records, {totals['balloons']} balloons", loc="left")
    return fig


def hourly_page(con: duckdb.DuckDBPyConnection, month: str, ctx: ReportContext, label: str) -> Figure:
    fig = _page(f"Time of day — {label}", "Incursion records by local hour: balloons come at night.", ctx)
    ax = fig.add_axes((0.08, 0.12, 0.88, 0.72))
    per_hour = incursions_by(con, month, "hour")
    if not per_hour:
        plots.message(ax, f"No incursions recorded in {label}.")
        return fig
    plots.hourly(ax, [h for h, _ in per_hour], [n for _, n in per_hour])
    night = sum(n for h, n in per_hour if h >= 18 or h < 6)
    ax.set_title(f"{night} of {sum(n for _, n in per_hour)} records between 18:00 and 06:00", loc="left")
    return fig


def map_page(con: duckdb.DuckDBPyConnection, first: str, last: str, ctx: ReportContext, label: str) -> Figure:
    fig = _page(
        f"Where — {label}",
        "Incursion points (size: balloons), airports and their trigger radius; records per municipality.",
        ctx,
    )
    events = incursions_of(con, first, last)
    ax = fig.add_axes((0.08, 0.08, 0.55, 0.8))
    points = [(e["lon"], e["lat"], e["balloons"]) for e in events if e["lat"] is not None]
    plots.incursion_map(ax, ctx.outline, points, airports_of(con), radius_km=ctx.radius_km)
    side = fig.add_axes((0.74, 0.12, 0.23, 0.72))
    counts = municipalities_of(con, first, last)
    if not counts:
        plots.message(side, "No incursions.")
    else:
        ordered = counts[:15]
        plots.municipality_counts(side, [k for k, _ in ordered], [v for _, v in ordered])
        side.set_title("Records per municipality", loc="left", fontsize=10)
    return fig


def closures_page(con: duckdb.DuckDBPyConnection, month: str, ctx: ReportContext, label: str) -> Figure:
    fig = _page(
        f"Closures — {label}", "When each airport was closed, and the flights each closure hit (by status).", ctx
    )
    closures = closures_of(con, month, month)
    top = fig.add_axes((0.08, 0.58, 0.88, 0.27))
    bottom = fig.add_axes((0.08, 0.14, 0.88, 0.33))
    if not closures:
        plots.message(top, f"No airport closures in {label}.")
        bottom.set_axis_off()
        return fig
    first, last = month_days(month)
    plots.closure_timeline(top, closures, first=first, last=last)
    labels = [f"{c['airport']} {c['start']:%d %b %H:%M}" for c in closures]
    statuses = {s: [c[s] for c in closures] for s in plots.STATUS_COLOURS}
    plots.flights_by_status(bottom, labels, statuses)
    return fig


def peak_month(rows: Sequence[TrendRow], year: str) -> str | None:
    """The month of `year` with the most incursion records (the earliest on a tie)."""
    of_year = [r for r in rows if r[0].startswith(f"{year}-")]
    return max(of_year, key=lambda r: r[1])[0] if of_year else None  # rows are in month order


def trend_page(
    con: duckdb.DuckDBPyConnection, month: str, ctx: ReportContext, label: str, *, year: str | None = None
) -> Figure:
    """Months up to `month`: records and balloons, cumulative balloons, passengers. A monthly
    report highlights its month; a yearly one (`year`) highlights the year's peak month."""
    rows = trend_rows(con, month)
    fig = _page(
        f"Trend since {rows[0][0] if rows else month} — through {label}",
        "Incursion records and balloons per month, balloons counted since the first month, and "
        "passengers affected per month.",
        ctx,
    )
    top = fig.add_axes((0.08, 0.62, 0.84, 0.22))
    middle = fig.add_axes((0.08, 0.43, 0.84, 0.1))
    bottom = fig.add_axes((0.08, 0.13, 0.84, 0.2))
    if not rows:
        plots.message(top, "No incursions recorded yet.")
        middle.set_axis_off()
        bottom.set_axis_off()
        return fig
    months = [r[0] for r in rows]
    highlight: str | None
    if year is None:
        highlight, what = month, f"this report's month ({month})"
    else:
        highlight, what = peak_month(rows, year), f"peak month of {year}"
    plots.monthly_trend(
        top, months, [r[1] for r in rows], [r[2] for r in rows], highlight=highlight, highlight_label=what
    )
    plots.cumulative_balloons(middle, months, [r[2] for r in rows])
    unknown = [r[6] for r in rows]
    plots.passengers_trend(
        bottom,
        months,
        [r[3] for r in rows],
        [r[4] for r in rows],
        [r[5] for r in rows],
        unknown,
        mark=UNKNOWN,
        empty=_no_passengers(metrics(con, months[0], months[-1]), f"from {months[0]} through {label}"),
    )
    if any(unknown):
        note = "\n".join(textwrap.wrap(NOTE_UNKNOWN, 150))
        fig.text(0.08, 0.068, note, fontsize=8, color="#555555", va="top")
    return fig


def _no_passengers(m: dict[str, float], when: str) -> str:
    """Why a passengers chart has no bars: no closures, closures whose flights' passengers are all
    unknown, or closures that hit no flights."""
    if not m["closures"]:
        return f"No data: no airport closures {when}, so no passengers affected."
    if m["unestimated"]:
        n = _fmt(m["unestimated"])
        return (
            f"Passengers unknown: the {n} flight{'s' if m['unestimated'] != 1 else ''} the closures {when} hit "
            "have no passenger count, seats or known aircraft type (flights_unestimated)."
        )
    return f"No passengers affected: the airport closures {when} hit no flights."


def year_summary_page(con: duckdb.DuckDBPyConnection, year: str, ctx: ReportContext) -> Figure:
    fig = _page(f"Balloon incursions and airport closures — {year}", "Month by month, with the year's totals.", ctx)
    synthetic = synthetic_tables(con, f"{year}-12")
    synthetic_warning(fig, synthetic, y=0.885)
    held = months_held(con, year)
    t = metrics(con, f"{year}-01", f"{year}-12")
    rows = [*(_year_row(m, metrics(con, m, m)) for m in held), _year_row(year, t)]
    top = 0.82 if synthetic else 0.87
    height = _table_height(len(rows))
    ax = _table_axes(fig, top, len(rows))
    plots.table(
        ax,
        [
            "month",
            "incursion records",
            "balloons",
            "closures",
            "hours closed",
            "flights affected",
            "passengers affected (band)",
        ],
        rows,
        title="By month",
        widths=(0.1, 0.16, 0.1, 0.1, 0.12, 0.14, 0.28),
    )
    if _any_unknown(t):
        fig.text(0.04, top - height - 0.005, NOTE_UNKNOWN, fontsize=8, color="#555555", va="top")
    chart = fig.add_axes((0.08, 0.08, 0.84, top - height - 0.15))
    by_airport = hours_by_airport(con, held)
    if not any(any(h) for h in by_airport.values()):
        plots.message(chart, f"No airport closures in {year}.")
    else:
        plots.hours_closed(chart, held, by_airport)
        chart.set_title("Hours closed per month, by airport", loc="left", fontsize=10)
    return fig


HEADLINE_METRICS = {
    "balloons": "balloons",
    "incursions": "incursion records",
    "closures": "airport closures",
    "flights_affected": "flights affected",
    "passengers_affected": "passengers affected",
    "hours_closed": "hours closed",
}
"""How the yearly report names each reported figure (`rpt_headline.metric`)."""
NOTE_HEADLINE = (
    "Computed over the same local days from the warehouse: balloons and incursion records from the incursions; "
    "closures, flights, passengers and hours from the headline closures (BALLOONS_HEADLINE_CAUSES), by the day "
    "each starts (hours: each closure's own length). 'over' and 'about' are the source's words. Records held: the "
    "days of the period on which the warehouse holds the records a figure is computed from (incursions; flights "
    "or closures): a shorter span computes a smaller figure. Sources and their wording: package data "
    "figures_reported.csv."
)


def headline_of(con: duckdb.DuckDBPyConnection, year: str) -> list[dict[str, Any]]:
    """The reported figures of periods that end in `year` and on which the warehouse holds records."""
    rows = con.execute(
        "select period, metric, qualifier, reported, computed, computed_low, computed_high, flights_unestimated, "
        "records_from, records_until, source from rpt_headline "
        "where year(last_day) = ? and records_from is not null order by first_day, last_day, metric, source",
        [int(year)],
    ).fetchall()
    keys = (
        "period",
        "metric",
        "qualifier",
        "reported",
        "computed",
        "low",
        "high",
        "unestimated",
        "records_from",
        "records_until",
        "source",
    )
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _headline_row(h: dict[str, Any]) -> list[str]:
    reported = f"{h['qualifier']} {_fmt(h['reported'])}" if h["qualifier"] else _fmt(h["reported"])
    if h["metric"] == "passengers_affected":
        computed = _estimate(h["computed"], h["low"], h["high"], h["unestimated"])
    elif h["metric"] == "hours_closed":
        computed = plots.one_decimal(h["computed"])
    else:
        computed = _fmt(h["computed"])
    held = f"{h['records_from']:%d %b}-{h['records_until']:%d %b}"
    source = str(h["source"]).split(" (", 1)[0]  # the PDF leaves out the source's remarks
    return [HEADLINE_METRICS[h["metric"]], h["period"], reported, computed, held, source]


def headline_page(con: duckdb.DuckDBPyConnection, year: str, ctx: ReportContext) -> list[Figure]:
    """The figures officials reported for periods ending in `year` beside the same figures computed
    (`rpt_headline`); no page when there are none, or none the warehouse holds records for."""
    figures = headline_of(con, year)
    if not figures:
        return []
    fig = _page(f"Reported beside computed — {year}", "The headline figures officials gave, and ours.", ctx)
    synthetic = synthetic_tables(con, f"{year}-12")
    synthetic_warning(fig, synthetic, y=0.885)
    top = 0.82 if synthetic else 0.87
    rows = [_headline_row(h) for h in figures]
    scale = _filling_scale(len(rows), top - FLOOR - TITLE - 0.14)  # the notes below take about 0.14
    ax = _table_axes(fig, top, len(rows), row_scale=scale)
    plots.table(
        ax,
        ["figure", "period", "reported", "computed", "records held", "source"],
        rows,
        title="Headline figures",
        font_size=8.5,
        widths=(0.15, 0.2, 0.09, 0.16, 0.11, 0.29),
        row_scale=scale,
    )
    notes = NOTE_HEADLINE + (f"\n{NOTE_UNKNOWN}" if any(h["unestimated"] for h in figures) else "")
    text = "\n".join(textwrap.fill(line, 150) for line in notes.split("\n"))
    fig.text(0.04, top - _table_height(len(rows), scale) - 0.03, text, fontsize=8, color="#555555", va="top")
    return [fig]


def _year_row(label: str, v: dict[str, float]) -> list[str]:
    """One row of the yearly table: a month's (or the year's) metrics()."""
    return [
        label,
        _fmt(v["incursions"]),
        _fmt(v["balloons"]),
        _fmt(v["closures"]),
        _hours(v["closed_minutes"]),
        _flights(v),
        _passengers(v),
    ]


def months_held(con: duckdb.DuckDBPyConnection, year: str) -> list[str]:
    """Every month of `year` from its first to its last month of data (rpt_months), none skipped:
    a quiet month between two others is a month of the year's table and charts, with its zeros."""
    row = con.execute("select min(month), max(month) from rpt_months where month like ?", [f"{year}-%"]).fetchone()
    if row is None or row[0] is None:
        return []
    return [f"{year}-{i:02d}" for i in range(int(row[0][5:]), int(row[1][5:]) + 1)]


def hours_by_airport(con: duckdb.DuckDBPyConnection, months: Sequence[str]) -> dict[str, list[float]]:
    """Hours closed per airport (rpt_hours_closed), for each of `months`; airports in order of
    their first month, then code."""
    rows = con.execute(
        "select airport, month, hours_closed from rpt_hours_closed where month in (select unnest(?::varchar[])) "
        "order by month, airport",
        [list(months)],
    ).fetchall()
    out: dict[str, list[float]] = {}
    for airport, m, hours in rows:
        out.setdefault(airport, [0.0] * len(months))[months.index(m)] = hours
    return out


def year_closures_pages(con: duckdb.DuckDBPyConnection, year: str, ctx: ReportContext) -> list[Figure]:
    """Every closure of the year, on as many pages as they take."""
    fig = _page(f"Every closure of {year}", "Computed beside reported.", ctx)
    closures = closures_of(con, f"{year}-01", f"{year}-12")
    if not closures:
        plots.message(fig.add_axes((0.04, FLOOR, 0.92, 0.76)), f"No airport closures in {year}.")
        return [fig]
    rows = [_closure_row(c, start="%Y-%m-%d %H:%M") for c in closures]
    shown = min(len(rows), _rows_that_fit(0.87))
    scale = _filling_scale(shown, 0.87 - TITLE - 0.2) if shown == len(rows) else 1.35
    plots.table(
        _table_axes(fig, 0.87, shown, row_scale=scale),
        CLOSURE_HEADER,
        rows[:shown],
        title=_closures_title(_first_rows_title("Closures", shown, len(rows)), closures[:shown]),
        font_size=9,
        widths=CLOSURE_WIDTHS,
        row_scale=scale,
    )
    left = 0.87 - _table_height(shown, scale) - 0.045
    if left > 0.14:
        _notes(fig, left, unknown=_any_unknown(*closures))
    return [fig, *_closure_pages(rows, closures, shown, title=f"Every closure of {year}", ctx=ctx, font=9)]


# --- documents ------------------------------------------------------------------------------------


def _write(path: Path, figures: list[Figure], *, title: str, ctx: ReportContext) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    stamp = ctx.last_ingest or datetime(2000, 1, 1, tzinfo=UTC)
    metadata = {
        "Title": title,
        "Author": "balloons",
        "Subject": "Balloon incursions and airport closures",
        "Keywords": f"{FINGERPRINT_KEY}{ctx.fingerprint}",
        "Creator": f"balloons {__version__}",
        "CreationDate": stamp,
        "ModDate": stamp,
    }
    try:
        with lean_subsets(), PdfPages(temporary, metadata=metadata) as pdf:
            for fig in figures:
                pdf.savefig(fig)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    log.info("report path=%s pages=%d", path, len(figures))
    return path


def render_month(con: duckdb.DuckDBPyConnection, month: str, out_dir: Path, ctx: ReportContext) -> Path:
    """Write out_dir/YYYY-MM.pdf: summary, daily, time of day, map, closures, trend."""
    check_month(month)
    label = date.fromisoformat(f"{month}-01").strftime("%B %Y")
    with matplotlib.rc_context(RC):
        figures = [
            *summary_pages(con, month, ctx, label),
            daily_page(con, month, ctx, label),
            hourly_page(con, month, ctx, label),
            map_page(con, month, month, ctx, label),
            closures_page(con, month, ctx, label),
            trend_page(con, month, ctx, label),
        ]
        return _write(out_dir / f"{month}.pdf", figures, title=f"balloons monthly report {month}", ctx=ctx)


def render_year(con: duckdb.DuckDBPyConnection, year: str, out_dir: Path, ctx: ReportContext) -> Path:
    """Write out_dir/YYYY.pdf: months of the year, every closure, the map and the trend."""
    if not _YEAR.match(year):
        raise ReportError(f"{year!r} is not a year; give it as YYYY.")
    with matplotlib.rc_context(RC):
        figures = [
            year_summary_page(con, year, ctx),
            *headline_page(con, year, ctx),
            *year_closures_pages(con, year, ctx),
            map_page(con, f"{year}-01", f"{year}-12", ctx, year),
            trend_page(con, f"{year}-12", ctx, year, year=year),
        ]
        return _write(out_dir / f"{year}.pdf", figures, title=f"balloons yearly report {year}", ctx=ctx)


Job = tuple[str, str]
"""("month", "YYYY-MM") or ("year", "YYYY")."""


def _end_with(parent: int) -> None:
    """In a render process: end as soon as `parent`, the process that started it, is gone (killed
    outright, so it never stopped the pool), instead of drawing on for no one (seen: after a
    SIGKILL of `balloons report` its render process wrote three more PDFs)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def render_jobs(
    warehouse_path: Path, jobs: Sequence[Job], out_dir: Path, *, timezone: str, radius_km: float
) -> list[Path]:
    """Render the given documents in this process, reading the warehouse read-only."""
    con = warehouse.connect_read_only(warehouse_path)
    try:
        ctx = context(con, timezone=timezone, radius_km=radius_km)
        return [
            render_month(con, period, out_dir, ctx) if kind == "month" else render_year(con, period, out_dir, ctx)
            for kind, period in jobs
        ]
    finally:
        con.close()


HEAD_START = 1
"""Documents the run's own process renders beyond an even share: the other processes first spend
about a document's time importing matplotlib and the warehouse."""


def render_all(
    warehouse_path: Path,
    months: Sequence[str],
    years: Sequence[str],
    out_dir: Path,
    *,
    timezone: str,
    radius_km: float,
    workers: int = 1,
) -> list[Path]:
    """Render months, then years, in `workers` processes: this one, and `workers` - 1 more that it
    starts (each opens the warehouse read-only) when documents are left once this process has
    taken an even share and `HEAD_START` more (drawing is CPU-bound Python). Should the other
    processes fail to start, what they would have drawn is drawn here."""
    jobs: list[Job] = [("month", m) for m in months] + [("year", y) for y in years]
    options: dict[str, Any] = {"timezone": timezone, "radius_km": radius_km}
    others = max(workers, 1) - 1
    head = min(len(jobs), -(-len(jobs) // max(workers, 1)) + HEAD_START) if others else len(jobs)
    shares = [share for share in (jobs[head + i :: others] for i in range(others)) if share] if others else []
    if not shares:
        return render_jobs(warehouse_path, jobs, out_dir, **options)
    done: dict[Job, Path] = {}
    pool: ProcessPoolExecutor | None = None
    with contextlib.ExitStack() as stack:
        futures: list[Future[list[Path]]] = []
        try:
            spawn = multiprocessing.get_context("spawn")
            pool = stack.enter_context(
                ProcessPoolExecutor(
                    max_workers=len(shares), mp_context=spawn, initializer=_end_with, initargs=(os.getpid(),)
                )
            )
            for share in shares:  # one at a time: a share already queued is never drawn twice
                futures.append(pool.submit(render_jobs, warehouse_path, share, out_dir, **options))
        except (BrokenProcessPool, OSError) as exc:
            log.warning("starting %d more processes to render failed (%s); rendering here", len(shares), exc)
        try:
            done.update(zip(jobs[:head], render_jobs(warehouse_path, jobs[:head], out_dir, **options), strict=True))
            for share, future in zip(shares, futures, strict=False):
                try:
                    done.update(zip(share, future.result(), strict=True))
                except (BrokenProcessPool, OSError) as exc:
                    log.warning(
                        "rendering %d document(s) in another process failed (%s); rendering here", len(share), exc
                    )
        except BaseException:  # a stop (Ctrl-C, SIGTERM): the other processes stop too, not after their share
            for process in list((getattr(pool, "_processes", None) or {}).values()):  # the executor's own
                process.terminate()
            raise
    left = [job for job in jobs if job not in done]
    done.update(zip(left, render_jobs(warehouse_path, left, out_dir, **options), strict=True))
    return [done[job] for job in jobs]
