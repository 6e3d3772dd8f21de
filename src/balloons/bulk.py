"""The fast path for large flight files: plain CSV, read in batches and validated column-wise.

A CSV file is *plain* when it is UTF-8 and has no quote characters, NUL bytes or bare carriage
returns. Then every physical line is one record, and splitting a line on the delimiter gives the
fields the csv module would; line numbers need no parser. A file that is not plain raises
`NotPlain`, and `parse.py` reads it with the exact row-by-row path instead.

Within a plain file a row is accepted here only in its common, unambiguous form (see
`sql/ingest/flights_fast.sql`: ASCII codes, whole numbers, ISO times without fractions, a wall
time that exists exactly once in its zone). Every other row goes back, with its line number, to
the row-by-row validator, which accepts it or gives the exact quarantine reason. Both paths so
give the same rows, ids and reasons; `tests/test_bulk.py` checks that.
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from importlib import resources
from typing import IO, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from balloons.errors import RawFileError
from balloons.rawfile import delimiter_of
from balloons.schema import DIRECTIONS, FLIGHT_STATUSES
from balloons.validate import COLUMNS, EARLIEST, MAX_SEATS

log = logging.getLogger(__name__)

BATCH_BYTES = 32 << 20
FUTURE_DAYS = 400  # as `validate.flight`
FLIGHT_COLUMNS = COLUMNS["flights"]


class NotPlain(Exception):  # noqa: N818 - a signal to take the exact path, not an error
    """The file is not plain CSV; read it row by row."""


def _sql(name: str) -> str:
    return resources.files("balloons").joinpath("sql", "ingest", name).read_text("utf-8")


def _lines(stream: IO[bytes], batch_bytes: int, line_bytes: int, name: str) -> Iterator[pa.Array]:
    """Complete lines in batches, checked plain; the header is the first line of the first batch.
    A line longer than `line_bytes` raises RawFileError (the carry never grows past it)."""
    carry: list[bytes] = []
    carried = 0
    first = True
    while True:
        chunk = stream.read(batch_bytes)
        if chunk:
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                carry.append(chunk)
                carried += len(chunk)
                if carried > line_bytes:
                    raise RawFileError(f"{name} has a line longer than {line_bytes:,} bytes (BALLOONS_MAX_LINE_BYTES)")
                continue
            body = b"".join([*carry, chunk[:cut]])
            carry, carried = [chunk[cut:]], len(chunk) - cut
        else:
            if not carried:
                return
            body = b"".join([*carry, b"\n"])
            carry, carried = [], 0
        if first and body.startswith(codecs.BOM_UTF8):
            body = body[len(codecs.BOM_UTF8) :]
        first = False
        if b'"' in body:
            raise NotPlain("it quotes fields")
        if b"\x00" in body:
            raise NotPlain("it holds NUL bytes")
        if body.count(b"\r") != body.count(b"\r\n"):
            raise NotPlain("it holds bare carriage returns")
        try:
            text = pa.array([body[:-1]], pa.binary()).cast(pa.string())
        except pa.ArrowInvalid as exc:
            raise NotPlain("it is not UTF-8") from exc
        lines = pc.list_flatten(pc.split_pattern(text, "\n"))
        if b"\r" in body:
            lines = pc.utf8_rtrim(lines, characters="\r")
        if (pc.max(pc.binary_length(lines)).as_py() or 0) > line_bytes:
            raise RawFileError(f"{name} has a line longer than {line_bytes:,} bytes (BALLOONS_MAX_LINE_BYTES)")
        yield lines


class PlainCsv:
    """A plain CSV stream: its raw header and delimiter, then batches of (line number, lines)."""

    def __init__(
        self, stream: IO[bytes], *, batch_bytes: int = BATCH_BYTES, line_bytes: int = 1 << 20, name: str = "the file"
    ) -> None:
        self._batches = _lines(stream, batch_bytes, line_bytes, name)
        first = next(self._batches, None)
        header_line = first[0].as_py() if first is not None else ""
        if first is None or not header_line.strip():
            raise NotPlain("it has no header line")
        self.delimiter = delimiter_of(header_line)
        self.header_fields = header_line.split(self.delimiter)
        self._first = first.slice(1)

    def batches(self) -> Iterator[tuple[int, pa.Array]]:
        number = 2
        yield number, self._first
        number += len(self._first)
        for lines in self._batches:
            yield number, lines
            number += len(lines)


def fields_sql(positions: Mapping[str, int]) -> str:
    """SQL picking each canonical column out of the split line `f` (1-based list positions);
    columns the header lacks are null. Names and positions come from our own header mapping."""
    return ",\n        ".join(
        f"f[{positions[name] + 1}] as {name}" if name in positions else f"null::varchar as {name}"
        for name in FLIGHT_COLUMNS
    )


def airport_zones(airports: Mapping[str, Mapping[str, Any]], default_zone: str) -> pa.Table:
    """ICAO code → IANA zone of every known airport (the default zone where none is given)."""
    codes = list(airports)
    zones = [str(airports[code].get("tz") or default_zone) for code in codes]
    return pa.table({"icao": codes, "zone": zones})


def _json_text(column: str) -> str:
    return f"""coalesce('"' || {column} || '"', 'null')"""


def _json_number(column: str) -> str:
    return f"coalesce({column}::varchar, 'null')"


def _json_instant(column: str) -> str:
    return f"""'"' || strftime({column}, '%Y-%m-%dT%H:%M:%S+00:00') || '"'"""


_KINDS = {"seats": _json_number, "passengers": _json_number, "scheduled_at": _json_instant}


# identity.flight_id: ["flight", airport, direction, flight_number, scheduled_at]
FLIGHT_ID_JSON_SQL = (
    """concat('["flight","', airport, '","', direction, '","', flight_number, '","', """
    """strftime(scheduled_utc, '%Y-%m-%dT%H:%M:%S+00:00'), '"]')"""
)


def content_json_sql(columns: list[str]) -> str:
    """SQL for the canonical JSON that `identity.content_hash` hashes (sorted keys, compact).
    Column names are our own constants; `scheduled_at` is read from the naive UTC column."""
    parts: list[str] = []
    for name in sorted(columns):
        source = "scheduled_utc" if name == "scheduled_at" else name
        parts.append(f"""'{"," if parts else "{"}"{name}":', {_KINDS.get(name, _json_text)(source)}""")
    return "concat(" + ", ".join(parts) + ", '}')"


_US_PER_MIN = 60_000_000
_HOUR_END = timedelta(minutes=59, seconds=59)


def _minutes(later: pa.Array, earlier: pa.Array) -> pa.Array:
    return pc.divide(pc.subtract(later, earlier).cast(pa.int64()), _US_PER_MIN)


def wall_offsets(hours: pa.Table) -> pa.Table:
    """For each (zone, local wall hour): minutes east of UTC, or null when a clock change falls in
    the hour (some wall time in it does not exist or exists twice: those rows take the exact path)."""
    out = []
    for zone in pc.unique(hours.column("zone")).to_pylist():
        walls = hours.filter(pc.equal(hours.column("zone"), zone)).column("hour").combine_chunks()
        offsets = []
        for wall in (walls, pc.add(walls, _HOUR_END)):
            early = pc.assume_timezone(wall, zone, ambiguous="earliest", nonexistent="earliest")
            late = pc.assume_timezone(wall, zone, ambiguous="latest", nonexistent="latest")
            minutes = _minutes(wall, early.cast(wall.type))
            offsets.append(pc.if_else(pc.equal(early, late), minutes, None))
        steady = pc.if_else(pc.equal(offsets[0], offsets[1]), offsets[0], None)
        out.append(
            pa.table(
                {
                    "zone": pa.array([zone] * len(walls), pa.string()),
                    "hour": walls,
                    "offset_min": steady.cast(pa.int64()),
                }
            )
        )
    if not out:
        return pa.table(
            {
                "zone": pa.array([], pa.string()),
                "hour": pa.array([], pa.timestamp("us")),
                "offset_min": pa.array([], pa.int64()),
            }
        )
    return pa.concat_tables(out)


def utc_offsets(first: datetime, last: datetime, zone: str) -> pa.Table:
    """For each UTC hour from `first` to `last` (naive UTC): minutes east of UTC in `zone`, or
    null when the offset changes within the hour."""
    start = np.datetime64(first.replace(minute=0, second=0, microsecond=0), "us")
    hours = pa.array(np.arange(start, np.datetime64(last, "us") + np.timedelta64(1, "h"), np.timedelta64(1, "h")))
    offsets = []
    for instant in (hours, pc.add(hours, _HOUR_END)):
        local = pc.local_timestamp(instant.cast(pa.timestamp("us", tz=zone)))
        offsets.append(_minutes(local, instant))
    steady = pc.if_else(pc.equal(offsets[0], offsets[1]), offsets[0], None)
    return pa.table({"hour": hours, "offset_min": steady.cast(pa.int64())})


def flights(
    first_line: int,
    lines: pa.Array,
    *,
    positions: Mapping[str, int],
    width: int,
    delimiter: str,
    zones: pa.Table,
    local_zone: str,
    now: datetime,
) -> tuple[pa.Table, pa.Array]:
    """Validate a batch of lines of a plain flight CSV, numbered from `first_line`.

    `positions` maps canonical columns to their place in the header of `width` fields. Returns
    (accepted rows with id, content hash and local month; the line numbers left for the
    row-by-row validator, in order).
    """
    numbers = pa.array(np.arange(first_line, first_line + len(lines), dtype=np.int64))
    rows = pa.table({"line": numbers, "text": lines})
    con = duckdb.connect(config={"enable_external_access": False})
    try:
        con.execute("set TimeZone = 'UTC'")
        con.register("batch", pa.Table.from_batches(rows.to_batches(max_chunksize=1 << 16), schema=rows.schema))
        # (in chunks, so that DuckDB scans it on every core)
        con.register("zones", zones)
        con.execute(
            _sql("flights_split.sql").replace("{fields}", fields_sql(positions)),
            {"delimiter": delimiter, "width": width},
        )
        earliest, latest = EARLIEST.replace(tzinfo=None), (now + timedelta(days=FUTURE_DAYS)).replace(tzinfo=None)
        con.execute(
            _sql("flights_fast.sql"),
            {
                "directions": list(DIRECTIONS),
                "statuses": list(FLIGHT_STATUSES),
                "max_seats": MAX_SEATS,
                "earliest_wall": earliest - timedelta(days=2),
                "latest_wall": latest + timedelta(days=2),
            },
        )
        con.register("wall_offsets", wall_offsets(con.execute(_sql("flights_hours.sql")).to_arrow_table()))
        first, last = con.execute("select min(wall), max(wall) from checked").fetchone() or (None, None)
        low, high = (
            (max(first - timedelta(days=1), earliest), min(last + timedelta(days=1), latest))
            if first
            else (earliest, earliest)
        )
        con.register("local_offsets", utc_offsets(low, high, local_zone))
        accept = (
            _sql("flights_accept.sql")
            .replace("{id_json}", FLIGHT_ID_JSON_SQL)
            .replace("{content_json}", content_json_sql(list(FLIGHT_COLUMNS)))
        )
        # materialising first lets DuckDB use both cores; exporting a running query to Arrow does not
        con.execute(f"create temp table accepted as {accept}", {"earliest": earliest, "latest": latest})
        accepted = con.execute("select * from accepted").to_arrow_table()
    finally:
        con.close()
    at = accepted.schema.get_field_index("scheduled_at")
    accepted = accepted.set_column(at, "scheduled_at", accepted.column(at).cast(pa.timestamp("us", tz="UTC")))
    kept = pc.is_in(numbers, accepted.column("source_line"))
    return accepted, numbers.filter(pc.invert(kept))


def staged_flights(accepted: pa.Table, *, source_file: str, schema: pa.Schema) -> pa.Table:
    """Accepted fast-path rows in the staged shape, with their lineage."""
    n = accepted.num_rows
    extra = {
        "source_file": pa.repeat(pa.scalar(source_file, pa.string()), n),
        "_op": pa.repeat(pa.scalar("N", pa.string()), n),
        "_ref": pa.nulls(n, pa.string()),
    }
    columns = [accepted.column(f.name) if f.name in accepted.column_names else extra[f.name] for f in schema]
    return pa.Table.from_arrays([c.cast(f.type) for c, f in zip(columns, schema, strict=True)], schema=schema)
