"""Readers: decode one raw file into the staging shape, text only, nothing validated yet.

The staging shape is one DuckDB view, `decoded`: a column per canonical field of the file's table
(VARCHAR, null where the file does not give it), plus `source_file` (the raw file's path under
raw/; `_file` is the run's number for it), `_pos` (the record's position), `source_line`
(its line, JSON element or NOTAM number), `_op` / `_ref` (the NOTAM operation and the NOTAM it
names), `_raw` (the record's own text, for quarantine), `_comma` (a `;` file, which may write
decimal commas) and `_notam` (a window of a NOTAM message). Validation, typing, time zones and
identity then happen once, in SQL, for every table and format (`validate.py`).

How each format is read:
- CSV that is *plain* (no quote characters, NUL bytes, bare carriage returns or blank lines
  inside): by DuckDB's own parallel `read_csv`. A record's line is its position plus the rows
  `read_csv` rejected before it (wrong field counts, kept with their line numbers). `.csv.gz` is
  inflated as a bounded stream into a work file first; a CSV in another encoding (UTF-16,
  Windows-1257, UTF-8 with stray bytes: `rawfile.Encoding`) is transcoded to UTF-8 into a work file,
  a chunk at a time, and read the same way.
- Any other CSV, JSON, JSONL and NOTAM text: by `rawfile` / `notam` in Python, record by record
  (bounded by BALLOONS_MAX_RECORD_FILE_BYTES), into the same table.
A record that cannot even be split into fields comes back as a quarantine row; a file that cannot
be read at all raises RawFileError.
"""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import IO, Any

import duckdb
import pyarrow as pa

from balloons.errors import RawFileError
from balloons.ingest import notam, rawfile
from balloons.ingest.columns import COLUMNS, canonical, canonical_columns, missing_required, repeated_columns
from balloons.ingest.rawfile import BadRecord, Limits, RawFile, Record

log = logging.getLogger(__name__)

CHUNK_BYTES = 32 << 20
NOT_UTF8 = "it is not UTF-8"
MIN_LINE_BYTES = 4096
"""The smallest line limit DuckDB's reader takes; a lower BALLOONS_MAX_LINE_BYTES is checked in SQL."""
POS_BITS = 40
"""A record's `_pos` is its file's number shifted by this many bits, plus its place in the file."""
STAGING_COLUMNS = ("_pos", "source_line", "_op", "_ref", "_raw", "_comma", "_notam")

Row = dict[str, Any]


@dataclass
class Decoded:
    """What decoding one file gave besides the `decoded` table: records that could not be split
    into fields, NOTAM messages skipped (not closures), NOTAMC withdrawals, and the messages read."""

    read: int = 0
    skipped: int = 0
    bad: list[Row] = field(default_factory=list)
    cancels: list[Row] = field(default_factory=list)
    """NOTAMC records: only `_ref`, `source_line` and the `airport` of A) (when it names one); they
    are not validated."""
    nul_free: bool = False
    """The file holds no NUL byte (plain CSV is checked for them)."""
    raw_sql: str | None = None
    """SQL over `decoded` giving a record's text as the file gave it (JSON of its fields), for
    records decoded without their text (`_raw`)."""


LINE_BREAKS = str.maketrans({"\r": "\\r", "\n": "\\n", "\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\x85"})
"""A reason is one line: a raw value quoted in it shows its line breaks escaped (the record keeps them)."""


def quarantine_row(raw: RawFile, line: int | None, reason: str, record: str) -> Row:
    return {
        "table_name": raw.table,
        "source_file": raw.path,
        "source_line": line,
        "reason": reason.translate(LINE_BREAKS)[:2000],
        "raw_record": record[:2000],
    }


def _text_literal(text: str) -> str:
    """A SQL string literal of `text` (a raw file's path, which may hold any character)."""
    return "'" + text.replace("'", "''") + "'"


def combine(con: duckdb.DuckDBPyConnection, table: str, numbers: list[int]) -> None:
    """`decoded`, of `table`: the decoded records of the run's files `numbers`, each file
    being a view `decoded_<number>` made by `decode`."""
    names = ", ".join(f"{name}" for name in (*STAGING_COLUMNS, "_file", "source_file", *COLUMNS[table]))
    parts = " union all ".join(f"select {names} from decoded_{number}" for number in numbers)
    # several files' union is read by every validation statement: planned and scanned once as a table
    kind = "table" if len(numbers) > 1 else "view"
    con.execute(f"create or replace temp {kind} decoded as {parts}")


def decode(
    con: duckdb.DuckDBPyConnection, raw: RawFile, number: int, *, limits: Limits, airports: Any, work: Path
) -> Decoded:
    """The records of `raw`, the run's file `number`, as the view `decoded_<number>` in `con`;
    `work` is a folder for inflated copies. Positions (`_pos`) are unique across the files of a run."""
    fmt = rawfile.file_format(raw.path)
    if raw.size_bytes == 0 and raw.location.stat().st_size == 0:
        raise RawFileError(f"{raw.path} is empty (0 bytes)")
    compressed = raw.path.lower().endswith(".gz")
    transcoded = False
    if fmt in (".csv", ".csv.gz"):
        try:
            return _plain_csv(con, raw, number, limits=limits, work=work, compressed=compressed)
        except _NotUtf8:
            # another encoding: transcoded to UTF-8 as a stream, then read as any UTF-8 CSV
            raw, replaced = _transcoded(raw, number, limits=limits, work=work, compressed=compressed)
            compressed, transcoded = False, True
            try:
                done = _plain_csv(con, raw, number, limits=limits, work=work, compressed=False)
                done.nul_free = not replaced  # a byte read as U+FFFD is refused by the field rules
                raw.location.unlink()
                return done
            except _NotPlain:
                pass
        except _NotPlain:
            pass
    if fmt is not None and fmt != ".notam" and raw.size_bytes > limits.record_file_bytes:
        if transcoded:
            raw.location.unlink()
        raise RawFileError(
            f"{raw.path} holds {raw.size_bytes:,} bytes, over the {limits.record_file_bytes:,} bytes a file read "
            "record by record may hold (BALLOONS_MAX_RECORD_FILE_BYTES)"
        )
    data = raw.location.read_bytes()
    if transcoded:  # judged by its delivered size above, not this copy's
        raw.location.unlink()
        limits = replace(limits, record_file_bytes=max(limits.record_file_bytes, len(data)))
    if fmt == ".notam":
        if raw.table != "closures":
            raise RawFileError(f"{raw.path}: NOTAM files belong under raw/closures/")
        if not data:
            raise RawFileError(f"{raw.path} is empty (0 bytes)")
        text = rawfile.decode(rawfile.read_bytes(data, name=raw.path, limits=limits), name=raw.path)
        items: Iterable[notam.Item] = notam.parse(
            text, coordinates=notam.airport_coordinates(airports), most_windows=limits.notam_windows
        )
        # a file's windows may give many times its own bytes of records: those are bounded instead
        return _records(con, raw, number, items, strict_header=False, most_bytes=limits.record_file_bytes)
    items = rawfile.records(data, name=raw.path, limits=limits, reads=partial(_reads, raw.table), compressed=compressed)
    return _records(con, raw, number, items, strict_header=fmt in (".csv", ".csv.gz"))


def _reads(table: str, column: str) -> bool:
    return canonical(table, column) is not None


# --- plain CSV, read by DuckDB -------------------------------------------------------------------


class _NotPlain(Exception):
    """The CSV is not plain: it is read record by record."""


class _NotUtf8(_NotPlain):
    """The CSV is not UTF-8: it is transcoded first."""


def _transcoded(raw: RawFile, number: int, *, limits: Limits, work: Path, compressed: bool) -> tuple[RawFile, bool]:
    """`raw` as a UTF-8 work file (inflated first when `compressed`), read a chunk at a time
    (`rawfile.transcode`), and whether it held bytes read as U+FFFD."""
    source = work / f"inflated-{number}.csv" if compressed else raw.location
    target = work / f"utf8-{number}.csv"
    try:
        if compressed:
            with open(raw.location, "rb") as packed, open(source, "wb") as sink:
                stream = rawfile.bounded_stream(packed, name=raw.path, cap=limits.decompressed_bytes, limits=limits)
                while chunk := stream.read(CHUNK_BYTES):
                    sink.write(chunk)
        inflated = source.stat().st_size
        replaced = rawfile.transcode(source, target, name=raw.path)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        if compressed:
            source.unlink(missing_ok=True)
    # its size for the record-by-record limit is what was delivered, inflated (not its UTF-8 copy's)
    return replace(raw, location=target, size_bytes=inflated), replaced


def _plain_csv(
    con: duckdb.DuckDBPyConnection, raw: RawFile, number: int, *, limits: Limits, work: Path, compressed: bool
) -> Decoded:
    """Read a plain CSV with `read_csv`. Raises _NotPlain when the file is not plain (it is read
    record by record), _NotUtf8 when it is not UTF-8 (it is transcoded first)."""
    with ExitStack() as stack:
        handle: IO[bytes] = stack.enter_context(open(raw.location, "rb"))  # noqa: SIM115
        target = raw.location
        sink: IO[bytes] | None = None
        if compressed:
            handle = rawfile.bounded_stream(handle, name=raw.path, cap=limits.decompressed_bytes, limits=limits)
            target = work / "inflated.csv"
            sink = stack.enter_context(open(target, "wb"))
        try:
            header_line, why = _check_plain(handle, sink)
        except BaseException:
            if target != raw.location:  # a part inflated
                target.unlink(missing_ok=True)
            raise
        if target == raw.location:
            # read through a link of a plain name: DuckDB takes UTF-8 paths only, and reads a path
            # as a glob pattern (a file named `q?.csv` or `x[1].csv` would read other files' rows)
            target = work / "link.csv"
            target.unlink(missing_ok=True)
            target.symlink_to(raw.location.absolute())
        if why is not None:
            target.unlink()  # the work file (a link, or a part inflated)
            if why == NOT_UTF8:
                raise _NotUtf8
            log.info("file=%s is read record by record: %s", raw.path, why)
            raise _NotPlain
    if not header_line.strip():
        raise RawFileError(f"{raw.path} has no header line")
    delimiter = rawfile.delimiter_of(header_line)
    header = rawfile.csv_header(header_line.split(delimiter), name=raw.path, reads=partial(_reads, raw.table))
    mapping = _mapping(raw, header, strict=True)
    positions = {mapping[name]: index for index, name in enumerate(header) if name in mapping}
    width = len(header)
    # Two columns more than the header, padded with nulls, and no null string (plain files hold no
    # NUL): a row's field count is its number of non-null columns, trailing empty fields included
    # (read_csv drops one trailing delimiter; longer rows are rejected with their line).
    extra = width + 2
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(extra))
    every = ", ".join(f"c{i}" for i in range(extra))
    given = " + ".join(f"(c{i} is not null)::int" for i in range(extra))
    # a row of blank fields is not a record at all (a first field that starts with a character past
    # the space settles it without joining the row's fields)
    blank = (
        "case when ascii(c0) > 32 then false else "
        f"trim(concat_ws('', {every}), ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)) = '' end"
    )
    long = (
        f"octet_length(concat_ws($delim, {every})) > {limits.line_bytes}"
        if limits.line_bytes < MIN_LINE_BYTES
        else "false"
    )
    # What each row is (its field count, blank or not, too long or not) is worked out as it is
    # read, in the same parallel pass: the views below then only filter on it. (The rejects of a
    # first read of a file in another encoding go first: it is read again, transcoded.)
    con.execute(f"drop table if exists csv_rejects_{number}; drop table if exists csv_scans_{number}")
    con.execute(
        f"""
        create or replace temp table csv_rows_{number} as
        select *, {given} as _given, {blank} as _blank, {long} as _long from read_csv(
            $path, columns = {{{columns}}}, header = false, skip = 1, delim = $delim, quote = '', escape = '',
            auto_detect = false, null_padding = true, nullstr = $nul, ignore_errors = true, store_rejects = true,
            rejects_table = 'csv_rejects_{number}', rejects_scan = 'csv_scans_{number}', max_line_size = $line_bytes
        )
        """,
        {"path": str(target), "delim": delimiter, "nul": "\x00", "line_bytes": max(limits.line_bytes, MIN_LINE_BYTES)},
    )
    encoding = con.execute(
        f"select count(*) from csv_rejects_{number} where error_type = 'INVALID ENCODING'"
    ).fetchone()
    if encoding and encoding[0]:  # not seen by the check above: a safety net
        target.unlink()
        raise _NotUtf8
    text = "concat_ws($delim, " + ", ".join(f"csv_rows.c{i}" for i in range(extra)) + ")"
    rejected = con.execute(f"select count(*) from csv_rejects_{number}").fetchone()
    # A kept row's line: its position, plus the header, plus the rejected lines before it.
    line = "csv_rows.rowid + 2"
    join = ""
    if rejected and rejected[0]:
        con.execute(
            f"""
            create or replace temp table csv_rejected_{number} as
            select kept_before, max(n) as n
            from (
                select line - 2 - (row_number() over (order by line) - 1) as kept_before,
                    row_number() over (order by line) as n
                from (select distinct line from csv_rejects_{number})
            )
            group by kept_before
            """
        )
        line += " + coalesce(csv_rejected.n, 0)"
        join = f"asof left join csv_rejected_{number} as csv_rejected on csv_rows.rowid >= csv_rejected.kept_before"
    con.execute(
        f"""
        create or replace temp view numbered_{number} as
        select csv_rows.*, csv_rows.rowid as _row, {line} as _line
        from csv_rows_{number} as csv_rows
        {join}
        where not csv_rows._blank
        """
    )
    fields = ", ".join(
        f"nullif(csv_rows.c{positions[name]}, '') as {name}" if name in positions else f"null::varchar as {name}"
        for name in COLUMNS[raw.table]
    )
    comma = "true" if delimiter == ";" else "false"
    con.execute(
        f"""
        create or replace temp view decoded_{number} as
        select
            {number << POS_BITS} + csv_rows._row as _pos,
            {number}::integer as _file,
            {_text_literal(raw.path)} as source_file,
            csv_rows._line as source_line,
            'N' as _op,
            null::varchar as _ref,
            null::varchar as _raw,
            {comma} as _comma,
            false as _notam,
            {fields}
        from numbered_{number} as csv_rows
        where csv_rows._given = {width} and not csv_rows._long
        """
    )
    miscounted = con.execute(
        f"""
        select csv_rows._line, csv_rows._given, csv_rows._long, {text}
        from numbered_{number} as csv_rows
        where csv_rows._given <> {width} or csv_rows._long
        order by csv_rows._line
        """.replace("$delim", "'" + delimiter.replace("'", "''") + "'")
    ).fetchall()
    bad = [
        quarantine_row(raw, line, _reject_reason(kind, text, width, delimiter, limits), text.strip("\r\n"))
        for line, kind, text in con.execute(
            f"select line, any_value(error_type), any_value(csv_line) from csv_rejects_{number} "
            "group by line order by line"
        ).fetchall()
    ]
    bad += [
        quarantine_row(
            raw,
            line,
            f"line longer than {limits.line_bytes:,} bytes (BALLOONS_MAX_LINE_BYTES)"
            if too_long
            else f"expected {width} fields separated by {delimiter!r}, found {given}",
            text,
        )
        for line, given, too_long, text in miscounted
    ]
    bad.sort(key=lambda q: q["source_line"])
    count = con.execute(f"select count(*) from decoded_{number}").fetchone()
    read = (count[0] if count else 0) + len(bad)
    if target != raw.location:
        target.unlink(missing_ok=True)
    pairs = [
        "'"
        + json.dumps(name, ensure_ascii=False).replace("'", "''")
        + ": ' || to_json(coalesce(decoded."
        + mapping[name]
        + ", ''))::varchar"
        for name in header
        if name in mapping
    ]
    return Decoded(read=read, bad=bad, nul_free=True, raw_sql="'{' || " + " || ', ' || ".join(pairs) + " || '}'")


def _reject_reason(kind: str, text: str, width: int, delimiter: str, limits: Limits) -> str:
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        found = text.strip("\r\n").count(delimiter) + 1
        return f"expected {width} fields separated by {delimiter!r}, found {found}"
    if kind == "LINE SIZE OVER MAXIMUM":
        return f"line longer than {limits.line_bytes:,} bytes (BALLOONS_MAX_LINE_BYTES)"
    return f"not valid CSV: {kind.lower()}"


def _check_plain(stream: IO[bytes], sink: IO[bytes] | None, chunk_bytes: int = 0) -> tuple[str, str | None]:
    """(the header line, why the stream is not plain CSV or None), copying it to `sink` if given.
    Each chunk is searched, not copied: a chunk holding no carriage return skips their checks, and
    what spans two chunks is looked at in their last and first bytes."""
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    first = True
    header = ""
    last = b""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    while True:
        chunk = stream.read(chunk_bytes)
        if not chunk:
            try:
                utf8.decode(b"", True)
            except UnicodeDecodeError:
                return header, NOT_UTF8
            return header, None
        if sink is not None:
            sink.write(chunk)
        if first:
            if chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[len(codecs.BOM_UTF8) :]
            end = chunk.find(b"\n")
            try:
                header = (chunk[:end] if end >= 0 else chunk).decode("utf-8").rstrip("\r")
            except UnicodeDecodeError:
                return header, NOT_UTF8
            first = False
        if b'"' in chunk:
            return header, "it quotes fields"
        if b"\x00" in chunk:
            return header, "it holds NUL bytes"
        # UTF-8 all through (an ASCII chunk, most are, is only looked at): a file in another
        # encoding is transcoded before DuckDB reads it, not read whole with its rows rejected
        if not chunk.isascii() or utf8.getstate()[0]:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                return header, NOT_UTF8
        returns = b"\r" in chunk or b"\r" in last
        if returns:
            joined = last + chunk
            if joined.count(b"\r") != joined.count(b"\r\n") + (1 if joined.endswith(b"\r") else 0):
                return header, "it holds bare carriage returns"
        # blank lines, in the chunk up to the line breaks that end the file
        body = len(chunk)
        if body < chunk_bytes:
            while body and chunk[body - 1] in b"\r\n":
                body -= 1
        seam = last + chunk[: min(2, body)]
        if (
            chunk.find(b"\n\n", 0, body) >= 0
            or b"\n\n" in seam
            or (returns and (chunk.find(b"\n\r\n", 0, body) >= 0 or b"\n\r\n" in seam))
        ):
            return header, "it has blank lines"
        last = chunk[-2:]


# --- every other file, decoded record by record ----------------------------------------------------


RECORDS_BATCH = 50_000
"""Records read one by one that are handed to DuckDB together."""
RECORDS_BATCH_BYTES = 16 << 20
"""…or fewer, when they hold this much text (a NOTAM's windows each carry the message and its E) text)."""


def _mapping(raw: RawFile, keys: list[str], *, strict: bool) -> dict[str, str]:
    where = "its header holds" if strict else "a record's keys hold"
    named = [repr(key) for key in keys if "\x00" in key]
    if named:
        raise RawFileError(f"{raw.path}: {where} a NUL byte ({', '.join(named)}), which no column name may hold")
    named = [repr(key) for key in keys if "\ufffd" in key]
    if named:  # a stray byte in a name: the column it names is unknown, and its values would be lost
        raise RawFileError(
            f"{raw.path}: {where} a byte that is no character in the file's encoding ({', '.join(named)})"
        )
    mapping, unknown = canonical_columns(raw.table, keys)
    repeated = repeated_columns(mapping)
    if repeated:
        raise RawFileError(f"{raw.path} gives column(s) {', '.join(repeated)} twice")
    missing = missing_required(raw.table, mapping)
    if strict and missing:
        separators = {"\t": "tabs", "|": "'|'"}
        found = [shown for separator, shown in separators.items() if len(keys) == 1 and separator in keys[0]]
        if found:
            raise RawFileError(
                f"{raw.path} separates its columns with {found[0]}: balloons reads CSV separated by ',' or ';'"
            )
        raise RawFileError(f"{raw.path} lacks required column(s): {', '.join(missing)}")
    if unknown:
        shown = (name if name.strip() else f"{name!r} (no name)" for name in unknown)
        log.warning("file=%s ignores unknown column(s): %s", raw.path, ", ".join(shown))
    return mapping


def _records(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    number: int,
    items: Iterable[notam.Item],
    *,
    strict_header: bool,
    most_bytes: int | None = None,
) -> Decoded:
    """The table `decoded_<number>` of records read one by one: they reach DuckDB `RECORDS_BATCH`
    at a time, so no more than one batch of them is held as Python objects. Past `most_bytes` of
    text in the records, the file is refused (RawFileError)."""
    out = Decoded()
    names = COLUMNS[raw.table]
    schema = pa.schema(
        [
            pa.field("_pos", pa.int64()),
            pa.field("source_line", pa.int64()),
            pa.field("_op", pa.string()),
            pa.field("_ref", pa.string()),
            pa.field("_raw", pa.string()),
            pa.field("_comma", pa.bool_()),
            pa.field("_notam", pa.bool_()),
            *(pa.field(name, pa.string()) for name in names),
        ]
    )
    rows: dict[str, list[Any]] = {name: [] for name in schema.names}
    written = 0

    def flush() -> None:
        nonlocal written
        table = pa.table(rows, schema=schema)
        table = table.append_column("_file", pa.repeat(pa.scalar(number, pa.int32()), table.num_rows))
        table = table.append_column("source_file", pa.repeat(pa.scalar(raw.path, pa.string()), table.num_rows))
        # copied into DuckDB: joins may push filters (bloom filters) that Arrow scans do not take
        con.register("decoded_arrow", table)
        if written == 0:
            con.execute(f"create or replace temp table decoded_{number} as select * from decoded_arrow")
        else:
            con.execute(f"insert into decoded_{number} select * from decoded_arrow")
        con.unregister("decoded_arrow")
        written += table.num_rows
        for column in rows.values():
            column.clear()

    mappings: dict[tuple[str, ...], dict[str, str]] = {}
    held = batch = 0
    for item in items:
        out.read += 1
        if isinstance(item, notam.Skipped):
            out.skipped += 1
            continue
        if isinstance(item, BadRecord):
            out.bad.append(quarantine_row(raw, item.line, item.reason, item.raw))
            continue
        if isinstance(item, Record) and item.op == "C":
            out.cancels.append({"source_line": item.line, "_ref": item.ref, "airport": item.fields.get("airport")})
            continue
        records = item.records if isinstance(item, notam.Closure) else (item,)
        message = item.raw if isinstance(item, notam.Closure) else None
        try:
            fields = []
            for record in records:
                keys = tuple(record.fields)
                mapping = mappings.get(keys)
                if mapping is None:
                    mapping = mappings[keys] = _mapping(raw, list(keys), strict=strict_header)
                fields.append({name: record.fields[key] for key, name in mapping.items()})
        except RawFileError as exc:
            if strict_header:
                raise
            text = message or records[0].raw or json.dumps(records[0].fields, ensure_ascii=False)
            out.bad.append(quarantine_row(raw, records[0].line, str(exc), text))
            continue
        for record, values in zip(records, fields, strict=True):
            rows["_pos"].append((number << POS_BITS) + written + len(rows["_pos"]))
            rows["source_line"].append(record.line)
            rows["_op"].append(record.op)
            rows["_ref"].append(record.ref)
            shown = record.raw if record.raw is not None else json.dumps(record.fields, ensure_ascii=False)
            rows["_raw"].append(message if message is not None else shown)
            rows["_comma"].append(record.decimal_comma)
            rows["_notam"].append(isinstance(item, notam.Closure))
            for name in names:
                rows[name].append(values.get(name))
            size = len(rows["_raw"][-1]) + sum(len(v) for v in values.values() if v)
            held += size
            batch += size
        if most_bytes is not None and held > most_bytes:
            raise RawFileError(
                f"{raw.path}: its records hold over {most_bytes:,} bytes of text, more than a file read record by "
                "record may hold (BALLOONS_MAX_RECORD_FILE_BYTES)"
            )
        if len(rows["_pos"]) >= RECORDS_BATCH or batch >= RECORDS_BATCH_BYTES:
            flush()
            batch = 0
    if rows["_pos"] or written == 0:
        flush()
    return out
