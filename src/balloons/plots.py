"""Plot functions for the reports: each takes an Axes and data, draws, and returns its artists.

No figures, files or queries here: `report.py` owns those.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.patches import Polygon

BLUE = "#3a6ea5"
ORANGE = "#e07b39"
RED = "#c0392b"
GREY = "#8a8a8a"
STATUS_COLOURS = {"cancelled": RED, "diverted": ORANGE, "delayed": "#f1c40f", "returned": "#8e44ad",
                  "other": GREY}


def message(ax: Axes, text: str) -> list[Any]:
    """An empty panel that says why it is empty."""
    ax.set_axis_off()
    return [ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=13, color=GREY,
                    transform=ax.transAxes)]


def table(ax: Axes, header: Sequence[str], rows: Sequence[Sequence[str]], *, title: str,
          font_size: float = 10, widths: Sequence[float] | None = None) -> list[Any]:
    """A plain table filling the Axes."""
    ax.set_axis_off()
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    if not rows:
        return [ax.text(0.0, 0.8, "Nothing to show.", color=GREY, transform=ax.transAxes)]
    drawn = ax.table(cellText=[list(r) for r in rows], colLabels=list(header), loc="upper left",
                     cellLoc="right", colLoc="right", colWidths=list(widths) if widths else None)
    drawn.auto_set_font_size(False)
    drawn.set_fontsize(font_size)
    drawn.scale(1, 1.35)
    for (row, column), cell in drawn.get_celld().items():
        cell.set_edgecolor("#dddddd")
        if row == 0:
            cell.set_text_props(fontweight="bold")
            cell.set_facecolor("#eef2f7")
        if column == 0:
            cell.set_text_props(ha="left")
            cell._loc = "left"
    return [drawn]


def daily_incursions(ax: Axes, days: Sequence[date], counts: Sequence[int],
                     windows: Sequence[tuple[datetime, datetime]], *, first: date, last: date) -> list[Any]:
    """Incursion records per local day, closure windows shaded."""
    artists: list[Any] = []
    for start, end in windows:
        artists.append(ax.axvspan(start, end, color=RED, alpha=0.25, lw=0))
    artists.append(ax.bar([datetime.combine(d, datetime.min.time()) + timedelta(hours=12) for d in days],
                          counts, width=0.8, color=BLUE, label="incursion records"))
    ax.set_xlim(datetime.combine(first, datetime.min.time()),
                datetime.combine(last + timedelta(days=1), datetime.min.time()))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d"))
    ax.set_xlabel("day of month (local time)")
    ax.set_ylabel("incursion records per day")
    ax.yaxis.get_major_locator().set_params(integer=True)
    if windows:
        artists.append(ax.fill_between([], [], color=RED, alpha=0.25, label="airport closed"))
    ax.legend(loc="upper left", frameon=False)
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
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", color="#e5e5e5")
    return artists


def _circle(lon: float, lat: float, radius_km: float) -> tuple[list[float], list[float]]:
    steps = [2 * math.pi * i / 72 for i in range(73)]
    dlat = radius_km / 111.32
    dlon = radius_km / (111.32 * math.cos(math.radians(lat)))
    return [lon + dlon * math.cos(t) for t in steps], [lat + dlat * math.sin(t) for t in steps]


def incursion_map(ax: Axes, outline: dict[str, Any], points: Sequence[tuple[float, float, int]],
                  airports: Sequence[tuple[str, float, float]], *, radius_km: float) -> list[Any]:
    """Incursion points on an outline of Lithuania and its neighbours; airports with trigger radius."""
    artists: list[Any] = []
    for feature in outline["features"]:
        lithuania = feature["properties"]["iso_a3"] == "LTU"
        for polygon in feature["geometry"]["coordinates"]:
            patch = Polygon(polygon[0], closed=True, facecolor="#f4f1ea" if lithuania else "#e8e8e8",
                            edgecolor="#555555" if lithuania else "#aaaaaa", lw=1.2 if lithuania else 0.6)
            artists.append(ax.add_patch(patch))
        if feature["properties"]["iso_a3"] == "BLR":
            artists.append(ax.text(26.2, 53.85, "BELARUS", color="#888888", fontsize=9))
        if feature["properties"]["iso_a3"] == "LVA":
            artists.append(ax.text(24.2, 56.45, "LATVIA", color="#888888", fontsize=9))
    artists.append(ax.text(23.3, 55.6, "LITHUANIA", color="#777777", fontsize=9))
    if points:
        lons, lats, sizes = zip(*points, strict=True)
        artists.append(ax.scatter(lons, lats, s=[12 + 10 * s for s in sizes], color=ORANGE,
                                  alpha=0.65, edgecolor="#7a3d12", lw=0.4, label="incursion (size: balloons)"))
    for code, lon, lat in airports:
        xs, ys = _circle(lon, lat, radius_km)
        artists.extend(ax.plot(xs, ys, color=BLUE, lw=1, ls="--"))
        artists.append(ax.scatter([lon], [lat], marker="^", s=60, color=BLUE, zorder=5))
        artists.append(ax.annotate(code, (lon, lat), xytext=(5, 5), textcoords="offset points",
                                   fontsize=9, color=BLUE, fontweight="bold"))
    ax.set_xlim(20.8, 27.2)
    ax.set_ylim(53.7, 56.6)
    ax.set_aspect(1 / math.cos(math.radians(55.2)))
    ax.set_xlabel("longitude (° E, WGS84)")
    ax.set_ylabel("latitude (° N, WGS84)")
    ax.plot([], [], color=BLUE, ls="--", label=f"{radius_km:g} km trigger radius")
    ax.legend(loc="lower left", fontsize=8, frameon=True)
    return artists


def municipality_counts(ax: Axes, names: Sequence[str], counts: Sequence[int]) -> list[Any]:
    """Horizontal bars: incursion records per municipality, largest on top."""
    order = list(range(len(names)))[::-1]
    artists: list[Any] = [ax.barh([names[i] for i in order], [counts[i] for i in order], color=ORANGE)]
    ax.set_xlabel("incursion records")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="x", color="#e5e5e5")
    return artists


def closure_timeline(ax: Axes, closures: Sequence[dict[str, Any]], *, first: date, last: date) -> list[Any]:
    """One lane per airport; each closure drawn over its local time span."""
    airports = sorted({c["airport"] for c in closures})
    artists: list[Any] = []
    for lane, code in enumerate(airports):
        for c in (c for c in closures if c["airport"] == code):
            width = mdates.date2num(c["end"]) - mdates.date2num(c["start"])
            artists.append(ax.barh(lane, width, left=mdates.date2num(c["start"]), height=0.5, color=RED))
            artists.append(ax.annotate(f"{c['flights']}", (mdates.date2num(c["end"]), lane), xytext=(2, 6),
                                       textcoords="offset points", fontsize=7))
    ax.set_yticks(range(len(airports)), airports)
    ax.set_ylim(-0.7, len(airports) - 0.3)
    ax.set_xlim(datetime.combine(first, datetime.min.time()),
                datetime.combine(last + timedelta(days=1), datetime.min.time()))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d"))
    ax.set_xlabel("day of month (local time); labels: flights affected")
    ax.grid(axis="x", color="#eeeeee")
    return artists


def flights_by_status(ax: Axes, labels: Sequence[str], counts: Mapping[str, Sequence[int]]) -> list[Any]:
    """Stacked bars: flights affected per closure, by status."""
    artists: list[Any] = []
    bottom = [0] * len(labels)
    for status, colour in STATUS_COLOURS.items():
        values = counts.get(status, [0] * len(labels))
        artists.append(ax.bar(range(len(labels)), values, bottom=bottom, color=colour, label=status))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("flights affected")
    ax.legend(ncols=5, fontsize=8, frameon=False, loc="upper left")
    ax.set_ylim(0, max(bottom, default=0) * 1.25 + 1)
    ax.grid(axis="y", color="#e5e5e5")
    return artists


def monthly_trend(ax: Axes, months: Sequence[str], incursions: Sequence[int], balloons: Sequence[int],
                  *, highlight: str | None) -> list[Any]:
    """Monthly incursion records and balloons, the peak labelled, a cumulative balloons line."""
    x = range(len(months))
    artists: list[Any] = [
        ax.bar([i - 0.2 for i in x], incursions, width=0.4, color=BLUE, label="incursion records"),
        ax.bar([i + 0.2 for i in x], balloons, width=0.4, color=ORANGE, label="balloons"),
    ]
    if incursions:
        peak = max(range(len(months)), key=lambda i: (incursions[i], -i))
        artists.append(ax.annotate(f"peak {months[peak]}: {incursions[peak]} records",
                                   (peak - 0.2, incursions[peak]), xytext=(0, 14), textcoords="offset points",
                                   ha="center", fontsize=9, arrowprops={"arrowstyle": "-", "color": GREY}))
    ax.set_xticks(list(x), months, rotation=30, ha="right", fontsize=8)
    if highlight in months:
        artists.append(ax.axvspan(months.index(highlight) - 0.5, months.index(highlight) + 0.5,
                                  color="#fff3c4", zorder=0))
    ax.set_ylabel("per month")
    ax.set_ylim(0, max([*balloons, *incursions, 1]) * 1.3)
    twin = ax.twinx()
    cumulative = [sum(balloons[: i + 1]) for i in x]
    artists.extend(twin.plot(list(x), cumulative, color="#444444", marker=".", label="balloons, cumulative"))
    twin.set_ylabel("cumulative balloons")
    twin.set_ylim(0, max(cumulative, default=1) * 1.15)
    handles = ax.get_legend_handles_labels()
    twin_handles = twin.get_legend_handles_labels()
    ax.legend(handles[0] + twin_handles[0], handles[1] + twin_handles[1], loc="upper left", fontsize=8,
              frameon=False)
    return artists


def passengers_trend(ax: Axes, months: Sequence[str], best: Sequence[int], low: Sequence[int],
                     high: Sequence[int]) -> list[Any]:
    """Passengers affected per month: best estimate with its low-high band."""
    x = list(range(len(months)))
    errors = [[b - lo for b, lo in zip(best, low, strict=True)], [h - b for b, h in zip(best, high, strict=True)]]
    artists: list[Any] = [ax.bar(x, best, color=RED, alpha=0.8, label="passengers affected (best)"),
                          ax.errorbar(x, best, yerr=errors, fmt="none", ecolor="#333333", capsize=3,
                                      label="low-high band")]
    for i, value in enumerate(best):
        if value:
            artists.append(ax.annotate(f"{value:,}", (i, value), xytext=(0, 8), textcoords="offset points",
                                       ha="center", fontsize=8))
    ax.set_xticks(x, months, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("passengers per month")
    ax.set_ylim(0, max([*high, 1]) * 1.25)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(axis="y", color="#e5e5e5")
    return artists
