"""Validation, once, in SQL, for every table and format: the `decoded` text of one file (see
`decode.py`) becomes typed rows with their id, content hash and local month, or quarantine reasons.

The rules live in `sql/`: `macros.sql` (shared value rules), `fields.sql` (text and zones, for
every table), `instants.sql` (one time column to UTC, run per time column), `checked_<table>.sql`
(the rules in order, ids and hashes) and `month.sql` (the partition month). This module only fills
in the run's constants (limits, clock, zone, the table's fields) and runs them in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import airportsdata
import duckdb
import pyarrow as pa

from balloons import lake
from balloons.ingest.closure_kind import CAUSES, SCOPES, stated_cause
from balloons.ingest.columns import COLUMNS
from balloons.ingest.rawfile import DEFAULT_LIMITS, Limits
from balloons.schema import DIRECTIONS, FLIGHT_STATUSES, INCURSION_KINDS, TABLES
from balloons.settings import Settings

RULES_REVISION = 9
"""Raised whenever a change to the readers or the rules in `sql/` makes the lake hold something else
of the same raw file, so a lake ingested by an earlier balloons is rebuilt from raw/ once (a file
read before would otherwise keep what the old rules made of it). 2: JSON true and false reach the
column rules as the text true and false (before, any record holding one was quarantined). 3: a NUL
byte in any field is refused (past a file's first 4 KiB it landed), and a text file with a stray
one is read (within its first 4 KiB the whole file was refused as binary); an offset of hours
alone (`+02`) and up to nine decimals of a second are ISO 8601 too; a file in a Cyrillic code
page is refused (it landed garbled as Windows-1257); a NOTAM that starts mid-line is read
(it was lost in the one before it); JSON numbers reach the rules as the file wrote them. 4: a
CSV header that repeats a column name balloons ignores anyway (the empty names of a spreadsheet's
trailing separators) is read (before, the whole file was quarantined). 5: a NOTAM's windows may
lie up to `NOTAM_AHEAD_DAYS` ahead (before, a NOTAM in force with windows more than 2 days ahead
was quarantined whole); an exception of emergency flights alone leaves a closure full; an
excluded day of a schedule names the date its group would have (or is refused as ambiguous);
every aerodrome of a NOTAM's A) closes; a NOTAM written partly or wholly in lower case is read;
a NOTAMC keeps the aerodrome it names, so it withdraws only a NOTAM of its own country. 6: a
closure of both directions named take-off first is full, and words of its reason (`DUE TO MIL
EXER`), a ban (`NO DEP PERMITTED`) or the direction left open no longer make it partial; `bepiloč…`
is drones; times in E) written `FM 1800 TO 2000`, `BTN … AND …` or with Z, and days written before
them as D) writes them, are read, local times in E) never as UTC; a header written wrong starts a
message of its own; a NOTAM's windows are bounded (`BALLOONS_MAX_NOTAM_WINDOWS`); a first day
number before B)'s day may roll into the next month; a UTF-8 file with a few stray bytes is read as
UTF-8 (only the records holding one are refused) instead of as Windows-1257. 7 and 8: scope words
and schedules (docs/ingest.md). 9: equipment lacking written `WO`, `W/O`, `WITH NO` or `NOT FITTED
WITH`, or lacked by `TFC`, limits a closure, and equipment lacking limits one only as those it is
for or to (`FOR ACFT WITHOUT TCAS`; not `DUE TO BALLOONS, TFC WITHOUT TRANSPONDER OBSERVED`)."""

# The region balloons watches: Lithuania and its neighbours.
REGION_LAT = (50.0, 60.0)
REGION_LON = (15.0, 35.0)
EARLIEST = datetime.fromisoformat("2000-01-01T00:00:00+00:00")
MAX_BALLOONS = 10_000
MAX_SEATS = 1_000
MAX_REPORTED_FLIGHTS = 100_000
MAX_REPORTED_PASSENGERS = 10_000_000

TIME_COLUMNS: dict[str, tuple[tuple[str, float], ...]] = {
    "incursions": (("detected_at", 1.0),),
    "closures": (("closed_from", 2.0), ("closed_until", 2.0)),
    "flights": (("scheduled_at", 400.0),),
}
"""Each table's time columns and how many days ahead of the run's clock they may lie (closures'
end: plus the duration limit)."""

NOTAM_AHEAD_DAYS = 184.0
"""How many days ahead of the run's clock a window of a NOTAM (NOTAMN or NOTAMR) may start: a NOTAM
is in force for at most three months (PERM ones are refused) and may be published up to about
three months before it starts, or read while in force with windows still to come. Its windows
land with it, future ones included, since a message lands or is quarantined whole and an unchanged
raw file is not read again (a tighter limit would lose a NOTAM in force for good); the warehouse
leaves windows that had not started by the lake's last ingest out of the figures. Closures' end:
plus the duration limit."""


@dataclass(frozen=True)
class Context:
    """What validation needs from outside: zones, known airports, the run's clock, the limits."""

    zone: ZoneInfo
    airports: Mapping[str, Mapping[str, Any]]
    now: datetime
    max_closure_days: float = 7.0
    limits: Limits = DEFAULT_LIMITS

    def rules(self) -> dict[str, object]:
        """What decides what the lake holds of a raw file: the settings, by their names, and the
        revision of the rules themselves (`RULES_REVISION`). The lake records them, and a run
        under other ones rebuilds it from raw/ (`lake.check_format`)."""
        limits = {f"BALLOONS_MAX_{name.upper()}": value for name, value in asdict(self.limits).items()}
        return {
            "BALLOONS_TIMEZONE": self.zone.key,
            "BALLOONS_MAX_CLOSURE_DAYS": self.max_closure_days,
            **limits,
            lake.RULES_REVISION_KEY: RULES_REVISION,
        }

    @classmethod
    def of(cls, settings: Settings, now: datetime) -> Context:
        """The context a run with `settings` validates in, on its clock `now`."""
        return cls(
            zone=ZoneInfo(settings.timezone),
            airports=known_airports(),
            now=now,
            max_closure_days=settings.max_closure_days,
            limits=Limits.of(settings),
        )


@lru_cache(maxsize=1)
def known_airports() -> dict[str, Any]:
    """The airportsdata table, loaded once per process (each Dask worker loads its own)."""
    return dict(airportsdata.load("ICAO"))


def _sql(name: str) -> str:
    return resources.files("balloons.ingest").joinpath("sql", name).read_text("utf-8")


def _literal(value: object) -> str:
    """A SQL literal of one of our own constants (numbers, text, timestamps, lists of text)."""
    if isinstance(value, datetime):
        return f"timestamp '{value.replace(tzinfo=None).isoformat(sep=' ')}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


def _fill(text: str, values: Mapping[str, object]) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", value if isinstance(value, _Raw) else _literal(value))
    return text


class _Raw(str):
    """Text substituted as it is (a column name of ours), not as a literal."""


_ZONES: dict[int, tuple[object, pa.Table]] = {}


def airport_zones(airports: Mapping[str, Mapping[str, Any]], default_zone: str) -> pa.Table:
    """ICAO code → IANA zone of every known airport, built once per airports table (a run checks
    many files against the same one)."""
    cached = _ZONES.get(id(airports))
    if cached is None or cached[0] is not airports:
        if len(_ZONES) >= 4:
            _ZONES.clear()
        codes = list(airports)
        table = pa.table({"icao": codes, "zone": [str(airports[c].get("tz") or default_zone) for c in codes]})
        cached = _ZONES[id(airports)] = (airports, table)
    return cached[1]


def prepare(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    """Session settings, the airports table and the shared macros, once per connection."""
    con.execute("set TimeZone = 'UTC'; set enable_progress_bar = false")
    con.register("airports", airport_zones(ctx.airports, ctx.zone.key))
    con.create_function("stated_cause", stated_cause, ["VARCHAR"], "VARCHAR", side_effects=False)
    limits = ctx.limits
    con.execute(_fill(_sql("macros.sql"), {"field_chars": limits.field_chars, "number_digits": limits.number_digits}))


def constants(ctx: Context) -> dict[str, object]:
    now = ctx.now.astimezone(EARLIEST.tzinfo).replace(tzinfo=None)
    earliest = EARLIEST.replace(tzinfo=None)
    return {
        "local_zone": ctx.zone.key,
        "earliest": earliest,
        "max_seats": MAX_SEATS,
        "max_balloons": MAX_BALLOONS,
        "max_reported_flights": MAX_REPORTED_FLIGHTS,
        "max_reported_passengers": MAX_REPORTED_PASSENGERS,
        "max_window_index": ctx.limits.notam_windows - 1,
        "max_closure_days": float(ctx.max_closure_days),
        "max_closure_days_text": _Raw(f"{ctx.max_closure_days:g}"),
        "region_lat_low": REGION_LAT[0],
        "region_lat_high": REGION_LAT[1],
        "region_lon_low": REGION_LON[0],
        "region_lon_high": REGION_LON[1],
        "directions": list(DIRECTIONS),
        "statuses": list(FLIGHT_STATUSES),
        "kinds": list(INCURSION_KINDS),
        "scopes": list(SCOPES),
        "causes": list(CAUSES),
        "now": now,
    }


def validate(con: duckdb.DuckDBPyConnection, table: str, ctx: Context, *, nul_free: bool = False) -> None:
    """Turn `decoded` into `checked`: one row per decoded record with `_reason` (null when valid),
    the typed columns of `table`, its id, `content_hash` and `month`. `nul_free`: every decoded
    file is known to hold no NUL byte (plain CSV), so fields are not searched for one."""
    values = constants(ctx)
    names = COLUMNS[table]
    airport = "decoded.airport" if "airport" in names else "null::varchar"
    field_rule = "too_long" if nul_free else "field_reason"
    fields = {
        "texts": _Raw(", ".join(f"txt(decoded.{name}) as {name}" for name in names)),
        "field_reasons": _Raw(", ".join(f"{field_rule}('{name}', decoded.{name})" for name in names)),
        "airport": _Raw(airport),
        "zone": _Raw("airports.zone" if "airport" in names else _literal(ctx.zone.key)),
    }
    con.execute(_fill(_sql("fields.sql"), {**values, **fields}))
    now = values["now"]
    assert isinstance(now, datetime)
    source = "fields"
    for column, days in TIME_COLUMNS[table]:
        extra = ctx.max_closure_days if column == "closed_until" else 0.0
        ahead = days + extra
        latest = now + timedelta(days=ahead)
        notam_ahead = max(ahead, NOTAM_AHEAD_DAYS + extra) if table == "closures" else ahead
        notam_latest = now + timedelta(days=notam_ahead)
        step = {
            **values,
            "col": _Raw(column),
            "zone": _Raw("zone"),
            "source": _Raw(source),
            "target": _Raw(f"placed_{column}"),
            "latest": _Raw(
                f"(case when _notam then {_literal(notam_latest)} else {_literal(latest)} end)"
                if table == "closures"
                else _literal(latest)
            ),
            "future_days": _Raw(
                f"(case when _notam then '{notam_ahead:g}' else '{ahead:g}' end)"
                if table == "closures"
                else f"'{ahead:g}'"
            ),
            "earliest_wall": EARLIEST.replace(tzinfo=None) - timedelta(days=2),
            "latest_wall": notam_latest + timedelta(days=2),
        }
        con.execute(_fill(_sql("instants.sql"), step))
        source = f"placed_{column}"
    con.execute(_fill(_sql(f"checked_{table}.sql"), {**values, "source": _Raw(source)}))
    con.execute(_fill(_sql("month.sql"), {**values, "col": _Raw(TABLES[table].time_column)}))
