"""Plot functions for the reports: each takes an Axes and data, draws, and returns its artists.

No figures, files or queries here: `report.py` owns those.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, Rectangle
from matplotlib.ticker import MaxNLocator

BLUE = "#3a6ea5"
ORANGE = "#e07b39"
RED = "#c0392b"
AIRPORT_COLOURS = {"EYKA": RED, "EYVI": ORANGE, "EYPA": BLUE}
"""The watched airports' colours, the same in every report."""
CLOSED = {"facecolor": to_rgba(RED, 0.3), "edgecolor": to_rgba(RED, 0.85), "linewidth": 0.8}
"""How a closure window is shaded on the day-by-day chart and in its legend."""
GREY = "#8a8a8a"
STATUS_COLOURS = {"cancelled": RED, "diverted": ORANGE, "delayed": "#f1c40f", "returned": "#8e44ad", "other": GREY}
HIGHLIGHT = "#fff3c4"


def integer_ticks(ax: Axes, axis: str = "y") -> None:
    """Counts get whole-number ticks only (never 2.5 or 7.5)."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))


def label_levels(centres: Sequence[float], widths: Sequence[float], *, gap: float = 2.0) -> list[int]:
    """Stack labels so that none overlaps another: each label (centre and width, same unit) takes
    the lowest level whose labels all end `gap` before it starts, going left to right."""
    ends: list[float] = []
    levels = [0] * len(centres)
    for i in sorted(range(len(centres)), key=lambda i: (centres[i], i)):
        left, right = centres[i] - widths[i] / 2, centres[i] + widths[i] / 2
        level = next((n for n, end in enumerate(ends) if end + gap <= left), len(ends))
        if level == len(ends):
            ends.append(right)
        ends[level] = right
        levels[i] = level
    return levels


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def message(ax: Axes, text: str) -> list[Any]:
    """An empty panel that says why it is empty (a long reason on lines of 80 characters at most)."""
    ax.set_axis_off()
    lines = "\n".join(textwrap.wrap(text, 80))
    return [ax.text(0.5, 0.5, lines, ha="center", va="center", fontsize=13, color=GREY, transform=ax.transAxes)]


def one_decimal(value: float) -> str:
    """`value` to one decimal, halves away from zero as DuckDB's `round` rounds them (261 minutes
    are 4.35 hours: 4.4, as the warehouse and the tables say, not the 4.3 of the float nearest)."""
    # to 9 decimals first: a sum of floats (5/60 + 88/60 = 1.5499999999999998) is the decimal it stands for
    rounded = Decimal(repr(round(float(value), 9))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{rounded:,.1f}"


def table(
    ax: Axes,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str,
    font_size: float = 10,
    widths: Sequence[float] | None = None,
    row_scale: float = 1.35,
) -> list[Any]:
    """A plain table from the top of the Axes; rows `row_scale` times matplotlib's default height."""
    ax.set_axis_off()
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    if not rows:
        return [ax.text(0.0, 0.8, "Nothing to show.", color=GREY, transform=ax.transAxes)]
    drawn = ax.table(
        cellText=[list(r) for r in rows],
        colLabels=list(header),
        loc="upper left",
        cellLoc="right",
        colLoc="right",
        colWidths=list(widths) if widths else None,
    )
    drawn.auto_set_font_size(False)
    drawn.set_fontsize(font_size)
    drawn.scale(1, row_scale)
    for (row, column), cell in drawn.get_celld().items():
        cell.set_edgecolor("#dddddd")
        if row == 0:
            cell.set_text_props(fontweight="bold")
            cell.set_facecolor("#eef2f7")
        if column == 0:
            cell.set_text_props(ha="left")
            cell._loc = "left"
    _fit(drawn)
    return [drawn]


SMALLEST_FONT = 5.5
"""The least a table's text is shrunk to so that it fits its cell."""


def _fit(drawn: Any) -> None:
    """Shrink the text of each cell too wide for it (a 7-digit passenger band) until it fits, the
    other cells keeping their size: text never runs over into the next cell."""
    figure = drawn.figure
    # measured with Agg whatever the user's matplotlibrc says (its savefig.format picks the
    # figure's own renderer: pgf needs LaTeX), so the pages are the same on every machine
    renderer = RendererAgg(int(figure.bbox.width), int(figure.bbox.height), figure.dpi)
    drawn._update_positions(renderer)
    for cell in drawn.get_celld().values():
        text = cell.get_text()
        room = cell.get_window_extent(renderer).width * (1 - 1.15 * cell.PAD)  # PAD in, a gap beyond
        width = text.get_window_extent(renderer).width
        if width > room > 0:
            text.set_fontsize(max(SMALLEST_FONT, text.get_fontsize() * room / width * 0.98))


def daily_incursions(
    ax: Axes,
    days: Sequence[date],
    counts: Sequence[int],
    windows: Sequence[tuple[datetime, datetime]],
    *,
    first: date,
    last: date,
) -> list[Any]:
    """Incursion records per local day, closure windows shaded over the bars, each with an edge so
    that a closure of an hour (a pixel or two wide on a month's axis) still shows."""
    artists: list[Any] = []
    for start, end in windows:
        artists.append(ax.axvspan(start, end, zorder=3, **CLOSED))
    artists.append(
        ax.bar(
            [datetime.combine(d, datetime.min.time()) + timedelta(hours=12) for d in days],
            counts,
            width=0.8,
            color=BLUE,
            label="incursion records",
        )
    )
    ax.set_xlim(_midnight(first), _midnight(last + timedelta(days=1)))
    days_shown = [first + timedelta(days=i) for i in range(0, (last - first).days + 1, 2)]
    ax.set_xticks([_midnight(d) + timedelta(hours=12) for d in days_shown], [f"{d:%d}" for d in days_shown])
    ax.set_xlabel("day of month (local time)")
    ax.set_ylabel("incursion records per day")
    integer_ticks(ax)
    if windows:
        artists.append(ax.add_patch(Rectangle((0, 0), 0, 0, label="airport closed", **CLOSED)))
    # above the plot, at the right: inside it, the legend covered the tallest bars of some months
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False, borderaxespad=0.2)
    ax.grid(axis="y", color="#e5e5e5")
    return artists


def hourly(ax: Axes, hours: Sequence[int], counts: Sequence[int]) -> list[Any]:
    """Incursion records by local hour of day, the night hours marked."""
    by_hour = dict(zip(hours, counts, strict=True))
    values = [by_hour.get(h, 0) for h in range(24)]
    colours = [BLUE if 6 <= h < 18 else "#1f3b5c" for h in range(24)]
    artists: list[Any] = [ax.bar(range(24), values, color=colours, width=0.85)]
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlim(-0.6, 23.6)
    ax.set_xlabel("hour of day (local time; dark bars 18:00-06:00)")
    ax.set_ylabel("incursion records")
    integer_ticks(ax)
    ax.grid(axis="y", color="#e5e5e5")
    return artists


def _circle(lon: float, lat: float, radius_km: float) -> tuple[list[float], list[float]]:
    steps = [2 * math.pi * i / 72 for i in range(73)]
    dlat = radius_km / 111.32
    dlon = radius_km / (111.32 * math.cos(math.radians(lat)))
    return [lon + dlon * math.cos(t) for t in steps], [lat + dlat * math.sin(t) for t in steps]


def size_key(sizes: Sequence[int]) -> list[int]:
    """Up to three balloon counts for the map's size key: the smallest, the largest and one between."""
    distinct = sorted(set(sizes))
    if len(distinct) <= 3:
        return distinct
    return [distinct[0], distinct[len(distinct) // 2], distinct[-1]]


def _marker_area(balloons: int) -> float:
    return 12 + 10 * balloons


def incursion_map(
    ax: Axes,
    outline: dict[str, Any],
    points: Sequence[tuple[float, float, int]],
    airports: Sequence[tuple[str, float, float]],
    *,
    radius_km: float,
) -> list[Any]:
    """Incursion points on an outline of Lithuania and its neighbours; airports with trigger radius
    drawn above the points; a key for the point sizes (balloons per record)."""
    artists: list[Any] = []
    for feature in outline["features"]:
        lithuania = feature["properties"]["iso_a3"] == "LTU"
        for polygon in feature["geometry"]["coordinates"]:
            patch = Polygon(
                polygon[0],
                closed=True,
                facecolor="#f4f1ea" if lithuania else "#e8e8e8",
                edgecolor="#555555" if lithuania else "#aaaaaa",
                lw=1.2 if lithuania else 0.6,
            )
            artists.append(ax.add_patch(patch))
        if feature["properties"]["iso_a3"] == "BLR":
            artists.append(ax.text(26.2, 53.85, "BELARUS", color="#888888", fontsize=9))
        if feature["properties"]["iso_a3"] == "LVA":
            artists.append(ax.text(24.2, 56.45, "LATVIA", color="#888888", fontsize=9))
    artists.append(ax.text(23.3, 55.6, "LITHUANIA", color="#777777", fontsize=9))
    handles: list[Any] = []
    if points:
        lons, lats, sizes = zip(*points, strict=True)
        artists.append(
            ax.scatter(
                lons,
                lats,
                s=[_marker_area(s) for s in sizes],
                color=ORANGE,
                alpha=0.65,
                edgecolor="#7a3d12",
                lw=0.4,
                zorder=3,
            )
        )
        for n in size_key(sizes):
            handles.append(
                ax.scatter(
                    [],
                    [],
                    s=_marker_area(n),
                    color=ORANGE,
                    alpha=0.65,
                    edgecolor="#7a3d12",
                    lw=0.4,
                    label=f"{n} balloon{'s' if n != 1 else ''}",
                )
            )
    for code, lon, lat in airports:
        xs, ys = _circle(lon, lat, radius_km)
        artists.extend(ax.plot(xs, ys, color=BLUE, lw=1, ls="--", zorder=4))
        artists.append(ax.scatter([lon], [lat], marker="^", s=70, color=BLUE, edgecolor="white", lw=0.8, zorder=6))
        artists.append(
            ax.annotate(
                code,
                (lon, lat),
                xytext=(6, 6),
                textcoords="offset points",
                fontsize=9,
                color=BLUE,
                fontweight="bold",
                zorder=7,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": BLUE, "lw": 0.5, "alpha": 0.9},
            )
        )
    ax.set_xlim(20.8, 27.2)
    ax.set_ylim(53.7, 56.6)
    ax.set_aspect(1 / math.cos(math.radians(55.2)))
    ax.set_xlabel("longitude (° E, WGS84)")
    ax.set_ylabel("latitude (° N, WGS84)")
    handles.append(Line2D([], [], color=BLUE, ls="--", label=f"{radius_km:g} km trigger radius"))
    handles.append(Line2D([], [], color=BLUE, marker="^", ls="none", label="airport"))
    ax.legend(
        handles=handles,
        loc="lower left",
        fontsize=8,
        frameon=True,
        framealpha=0.9,
        title="incursion record (size: balloons)" if points else None,
        title_fontsize=8,
    )
    return artists


def municipality_counts(ax: Axes, names: Sequence[str], counts: Sequence[int]) -> list[Any]:
    """Horizontal bars: incursion records per municipality, largest on top."""
    order = list(range(len(names)))[::-1]
    artists: list[Any] = [ax.barh([names[i] for i in order], [counts[i] for i in order], color=ORANGE)]
    ax.set_xlabel("incursion records")
    integer_ticks(ax, "x")
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="x", color="#e5e5e5")
    return artists


LABEL_SIZE = 8.0
LEVEL_PT = 11.0  # a stacked label's rise per level, in points
MOST_LABELS = 3
"""Levels of stacked labels a closure timeline may use; more closures than that leaves room for
are drawn unlabelled (the tables list each one's flights)."""
MOST_BARS_NAMED = 40
"""Bars of `flights_by_status` that each get a name below; with more, every n-th is named."""


def _label_width_pt(text: str) -> float:
    """Width of a LABEL_SIZE label in points (DejaVu Sans digits are 0.64 em), with a margin."""
    return 0.64 * LABEL_SIZE * len(text) + 3


def closure_timeline(ax: Axes, closures: Sequence[dict[str, Any]], *, first: date, last: date) -> list[Any]:
    """One lane per airport; each closure one bar over its local time span (across midnight too),
    labelled with the flights it hit. Labels never overlap: crowded ones are stacked higher with a
    leader line to their bar; a label near the edge stays inside the panel."""
    airports = sorted({c["airport"] for c in closures})
    start, end = _midnight(first), _midnight(last + timedelta(days=1))
    x0, x1 = mdates.date2num(start), mdates.date2num(end)
    ax.set_xlim(start, end)
    figure = ax.get_figure()
    assert figure is not None
    width_pt, height_pt = ax.bbox.width * 72 / figure.dpi, ax.bbox.height * 72 / figure.dpi
    artists: list[Any] = []
    levels_used = 0
    crowded = False
    for lane, code in enumerate(airports):
        own = [c for c in closures if c["airport"] == code]
        spans = [(mdates.date2num(c["start"]), mdates.date2num(c["end"])) for c in own]
        for left, right in spans:
            artists.append(ax.barh(lane, right - left, left=left, height=0.4, color=RED, edgecolor=RED, lw=0.8))
        texts = [str(c["flights"]) for c in own]
        widths = [_label_width_pt(t) for t in texts]
        bars = [((max(left, x0) + min(right, x1)) / 2 - x0) / (x1 - x0) * width_pt for left, right in spans]
        centres = [min(max(bar, w / 2), width_pt - w / 2) for bar, w in zip(bars, widths, strict=True)]
        levels = label_levels(centres, widths)
        if max(levels, default=0) >= MOST_LABELS:  # too many to read: the bars alone
            crowded = True
            continue
        levels_used = max([levels_used, *(n + 1 for n in levels)])
        for text, bar, centre, level in zip(texts, bars, centres, levels, strict=True):
            moved = level > 0 or abs(centre - bar) > 1
            artists.append(
                ax.annotate(
                    text,
                    (x0 + bar / width_pt * (x1 - x0), lane + 0.2),
                    xytext=(centre - bar, 3 + LEVEL_PT * level),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=LABEL_SIZE,
                    annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": GREY, "lw": 0.6, "shrinkA": 0, "shrinkB": 0}
                    if moved
                    else None,
                )
            )
    # room above the top lane for its stacked labels, in data units of the lanes' own scale
    need_pt = 3 + LEVEL_PT * levels_used + 2
    lanes = len(airports)
    above = need_pt * (lanes - 0.2) / max(height_pt - need_pt, 1.0)
    ax.set_yticks(range(len(airports)), airports)
    ax.set_ylim(-0.6, max(lanes - 0.4, lanes - 1 + 0.2 + above))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=2))
    ax.xaxis.set_minor_locator(mdates.DayLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d"))
    ax.set_xlabel(
        "day of month (local time); labels: flights affected"
        + ("; a lane with too many closures to label is left unlabelled (see the tables)" if crowded else "")
    )
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)  # a day's grid line must not cut a closure across midnight in two
    return artists


def flights_by_status(ax: Axes, labels: Sequence[str], counts: Mapping[str, Sequence[int]]) -> list[Any]:
    """Stacked bars: flights affected per closure, by status."""
    artists: list[Any] = []
    bottom = [0] * len(labels)
    for status, colour in STATUS_COLOURS.items():
        values = counts.get(status, [0] * len(labels))
        artists.append(ax.bar(range(len(labels)), values, bottom=bottom, color=colour, label=status))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    step = -(-len(labels) // MOST_BARS_NAMED)  # every bar named, or every step-th of many
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("flights affected")
    integer_ticks(ax)
    ax.legend(ncols=5, fontsize=8, frameon=False, loc="upper left")
    ax.set_ylim(0, max(bottom, default=0) * 1.25 + 1)
    ax.grid(axis="y", color="#e5e5e5")
    return artists


def monthly_trend(
    ax: Axes,
    months: Sequence[str],
    incursions: Sequence[int],
    balloons: Sequence[int],
    *,
    highlight: str | None,
    highlight_label: str = "this report's month",
) -> list[Any]:
    """Monthly incursion records and balloons side by side, the peak month of records labelled."""
    x = range(len(months))
    artists: list[Any] = []
    if highlight in months:
        at = months.index(highlight)
        artists.append(ax.axvspan(at - 0.5, at + 0.5, color=HIGHLIGHT, zorder=0, label=highlight_label))
    artists += [
        ax.bar([i - 0.2 for i in x], incursions, width=0.4, color=BLUE, label="incursion records"),
        ax.bar([i + 0.2 for i in x], balloons, width=0.4, color=ORANGE, label="balloons"),
    ]
    top = max([*balloons, *incursions, 1])
    if incursions:
        peak = max(range(len(months)), key=lambda i: (incursions[i], -i))
        artists.append(
            ax.annotate(
                f"peak {months[peak]}: {incursions[peak]} records",
                (peak - 0.2, incursions[peak]),
                xytext=(peak - 0.2, top * 1.12),
                textcoords="data",
                ha="center",
                va="bottom",
                fontsize=9,
                arrowprops={"arrowstyle": "-", "color": GREY, "shrinkA": 1, "shrinkB": 1},
            )
        )
    ax.set_xticks(list(x), months, rotation=30, ha="right", fontsize=8)
    ax.set_xlim(-0.6, len(months) - 0.4)
    ax.set_ylabel("per month")
    ax.set_ylim(0, top * 1.3)
    integer_ticks(ax)
    ax.grid(axis="y", color="#e5e5e5")
    ax.set_axisbelow(True)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, fontsize=8, frameon=False)
    return artists


def cumulative_balloons(ax: Axes, months: Sequence[str], balloons: Sequence[int]) -> list[Any]:
    """Balloons counted since the first month, on its own axis (its scale is not a month's)."""
    x = list(range(len(months)))
    cumulative = [sum(balloons[: i + 1]) for i in x]
    artists: list[Any] = list(ax.plot(x, cumulative, color="#444444", marker="o", ms=3))
    if cumulative:
        artists.append(
            ax.annotate(
                f"{cumulative[-1]:,}",
                (x[-1], cumulative[-1]),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        )
    ax.set_xticks(x, [""] * len(x))
    ax.set_xlim(-0.6, len(months) - 0.4)
    ax.set_ylim(0, max(cumulative, default=1) * 1.2 + 1)
    ax.set_ylabel("balloons,\ncumulative", fontsize=8)
    integer_ticks(ax)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True, steps=[1, 2, 5, 10]))
    ax.grid(axis="y", color="#e5e5e5")
    return artists


def passengers_trend(
    ax: Axes,
    months: Sequence[str],
    best: Sequence[int],
    low: Sequence[int],
    high: Sequence[int],
    unknown: Sequence[int],
    *,
    mark: str,
    empty: str = "No data: no airport closures in these months.",
) -> list[Any]:
    """Passengers affected per month: best estimate with its low-high band, `mark`ed where flights
    of unknown passengers (`unknown`) are left out, 'unknown' over a month with only such flights;
    a message when there is nothing to draw."""
    if not any(high) and not any(unknown):
        return message(ax, empty)
    x = list(range(len(months)))
    errors = [[b - lo for b, lo in zip(best, low, strict=True)], [h - b for b, h in zip(best, high, strict=True)]]
    artists: list[Any] = [
        ax.bar(x, best, color=RED, alpha=0.8, label="passengers affected (best)"),
        ax.errorbar(x, best, yerr=errors, fmt="none", ecolor="#333333", capsize=3, label="low-high band"),
    ]
    for i, value in enumerate(best):
        label = f"{value:,}" if high[i] else "unknown" if unknown[i] else ""
        if label:
            artists.append(
                ax.annotate(
                    label + (mark if unknown[i] else ""),
                    (i, high[i]),
                    xytext=(0, 4),
                    textcoords="offset points",
                    ha="center",
                    fontsize=8,
                )
            )
    ax.set_xticks(x, months, rotation=30, ha="right", fontsize=8)
    ax.set_xlim(-0.6, len(months) - 0.4)
    ax.set_ylabel("passengers per month")
    ax.set_ylim(0, max([*high, 1]) * 1.25)
    integer_ticks(ax)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, fontsize=8, frameon=False)
    ax.grid(axis="y", color="#e5e5e5")
    return artists


def hours_closed(ax: Axes, months: Sequence[str], by_airport: Mapping[str, Sequence[float]]) -> list[Any]:
    """Hours closed per month, stacked by airport; each of the watched airports in its own colour
    in every report (AIRPORT_COLOURS), any other in the next free one."""
    x = list(range(len(months)))
    others = ["#8e44ad", GREY, "#16a085", "#7f8c8d"]
    bottom = [0.0] * len(months)
    artists: list[Any] = []
    for code, hours in sorted(by_airport.items()):
        colour = AIRPORT_COLOURS.get(code) or (others.pop(0) if others else GREY)
        artists.append(ax.bar(x, hours, bottom=bottom, color=colour, label=code, width=0.6))
        bottom = [b + h for b, h in zip(bottom, hours, strict=True)]
    for i, total in enumerate(bottom):
        if total:
            artists.append(
                ax.annotate(
                    f"{one_decimal(total)} h",
                    (i, total),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    fontsize=8,
                )
            )
    ax.set_xticks(x, months, fontsize=8)
    ax.set_ylabel("hours closed")
    ax.set_ylim(0, max([*bottom, 1.0]) * 1.25)
    integer_ticks(ax)
    ax.grid(axis="y", color="#e5e5e5")
    ax.set_axisbelow(True)
    if by_airport:
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    return artists
