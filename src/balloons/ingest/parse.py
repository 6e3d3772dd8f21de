"""Parse and validate one raw file into staged rows (schema.staged) and quarantined records: the
file is decoded (`decode.py`) and validated in SQL (`validate.py`), one engine for every table and
format, on a DuckDB connection of its own.

Never raises for anything in the file: a file that cannot be listed, read, decoded or parsed is
quarantined whole with a reason naming the step that failed, and a record whose validation fails
in any way is quarantined alone (a NOTAM's windows land or are quarantined together). The valid
rows of one call stay in memory up to `IN_MEMORY_ROWS` in all; the rows of a file that would go
past it go to the lake's `_work/<run>/` folder, one Arrow file per month, so a worker's memory
stays bounded however many files it reads.
"""

from __future__ import annotations

import errno
import logging
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from balloons.errors import RawFileError, StorageFullError, interrupted
from balloons.ingest.columns import COLUMNS
from balloons.ingest.decode import LINE_BREAKS, Decoded, combine, decode, quarantine_row
from balloons.ingest.rawfile import RawFile
from balloons.ingest.validate import Context, prepare, validate
from balloons.ingest.workfolder import work_folder
from balloons.lake.storage import Store
from balloons.schema import TABLES, staged
from balloons.stopping import STOPPING

log = logging.getLogger(__name__)

Row = dict[str, Any]

ENGINE_MEMORY = "800MB"
"""What the validation engine's DuckDB may hold in memory; past it, it spills to a temporary folder."""

IN_MEMORY_ROWS = 1_000_000
"""Valid rows of all the files of one `parse_files` call kept in memory; a file whose rows would
go past it is spilled per month."""

ROW_BYTES = 100
"""Bytes of a raw record that count as one row of IN_MEMORY_ROWS: a file of wider records counts
each of its rows for more (990,000 rows of 120 bytes, kept in memory, peaked at 1.24 GB)."""

SPILL_BATCH_ROWS = 500_000

FILES_TOGETHER = 64
"""Files of a table validated together on one connection: the statements over their union grow
with their number (1,000 small files ran the engine out of memory)."""

REFUSED_WRITES = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS)
"""Why an operating system refuses a write whatever is written: these say nothing of a raw file."""


def refused_write(exc: BaseException) -> bool:
    """True when `exc` is the operating system refusing to write the engine's own files (its work
    and spill folders, the lake's work folder), raised by Python, pyarrow or DuckDB; a write to the
    lake's work folder that failed in any way (`Spill.write`); or the engine out of memory. A raw
    file's own faults (`RawFileError`, whose message may quote the file) never count."""
    if isinstance(exc, StorageFullError | MemoryError | pa.ArrowMemoryError | duckdb.OutOfMemoryException):
        return True
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.errno in REFUSED_WRITES
    if isinstance(exc, OSError | duckdb.IOException):  # pyarrow and DuckDB name the cause in the text
        return any(os.strerror(code) in str(exc) for code in REFUSED_WRITES)
    return False


@dataclass(frozen=True)
class Spill:
    """Where parsed rows go when they should not stay in memory: a folder of the lake's store."""

    store: Store
    folder: str

    def write_months(self, con: duckdb.DuckDBPyConnection, query: str, work: Path) -> dict[str, list[str]]:
        """The rows of `query` (our own SQL over `con`, with a `month` column), written by DuckDB
        in one parallel pass into Parquet files per month in the local folder `work`, then copied
        to the store's folder; returns month → files there. DuckDB holds at most
        `SPILL_BATCH_ROWS` rows of a month per thread before it writes them. Any failure to write
        to the store (a full disk, an object store out of reach) is the engine's, never the
        file's: `StorageFullError` (DuckDB's own refusals are recognised by `refused_write`)."""
        out = work / f"spill-{uuid.uuid4().hex}"
        con.execute(f"set partitioned_write_flush_threshold = {SPILL_BATCH_ROWS}")
        con.execute(
            f"copy ({query}) to '{out}' "
            "(format parquet, partition_by (month), compression lz4_raw, write_partition_columns true)"
        )
        spilled: dict[str, list[str]] = {}
        for part in sorted(out.glob("month=*/*.parquet")):
            month = part.parent.name.removeprefix("month=")
            path = self.store.path(self.folder, f"{uuid.uuid4().hex}.parquet")
            try:
                self.store.put_file(part, path)
            except Exception as exc:
                raise StorageFullError(f"writing {self.store.url_of(path)} failed: {exc}") from exc
            part.unlink()
            spilled.setdefault(month, []).append(path)
        return spilled


def read_spilled(store: Store, path: str, schema: pa.Schema, source_file: str) -> pa.Table:
    """One spilled file's rows (`Spill.write_months`), as staged rows of the raw file `source_file`."""
    rows = store.read_parquet(path, columns=None, schema=None)
    return _conform(rows.append_column("_file", pa.repeat(pa.scalar(source_file, pa.string()), rows.num_rows)), schema)


@dataclass
class Room:
    """How many more valid rows the files of one call may keep in memory."""

    left: int

    def take(self, rows: int) -> bool:
        """True, counting them, when `rows` more fit; False (counting nothing) when they do not."""
        if rows > self.left:
            return False
        self.left -= rows
        return True


@dataclass
class Parsed:
    """What one raw file yields: staged rows (in memory, or spilled per month) and quarantine."""

    file: RawFile
    rows: pa.Table | None = None
    quarantine: list[Row] = field(default_factory=list)
    read: int = 0
    spilled: dict[str, list[str]] = field(default_factory=dict)
    """month → Parquet files in the lake store holding that month's spilled rows."""
    ops: int = 0
    """NOTAMR / NOTAMC records among the rows."""
    skipped: int = 0
    """NOTAM messages read that are not aerodrome closures (counted, not landed)."""
    windows: int = 0
    """Rows beyond the first of NOTAM messages that land as several windows."""
    deferred: str | None = None
    """Why the file was not read this run: no room for the engine's work files (`refused_write`).
    Such a file is no fault of its own: it gets no quarantine, no delivery and no ingest-log row,
    so the next run reads it again."""
    _by_month: tuple[pa.Table, dict[str, pa.Table]] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.rows is None:
            self.rows = staged(self.file.table).empty_table()

    def staged_rows(self) -> pa.Table:
        assert self.rows is not None
        return self.rows

    def _in_memory_by_month(self) -> dict[str, pa.Table]:
        """The in-memory rows of each month: one stable sort by month, then a slice per month (a
        filter per month would copy every column once for each month)."""
        rows = self.staged_rows()
        if self._by_month is None or self._by_month[0] is not rows:
            months = rows.column("month")
            if months.null_count == 0 and len(found := pc.unique(months)) == 1:
                parts = {found[0].as_py(): rows}
            else:
                ordered = rows.take(pc.sort_indices(months, null_placement="at_end"))
                counts = {c["values"]: c["counts"] for c in pc.value_counts(months).to_pylist()}
                parts, start = {}, 0
                for month in sorted(m for m in counts if m is not None):  # the sort's order: ASCII
                    parts[month] = ordered.slice(start, counts[month])
                    start += counts[month]
            self._by_month = (rows, parts)
        return self._by_month[1]

    def months(self) -> set[str]:
        in_memory = {m for m in pc.unique(self.staged_rows().column("month")).to_pylist() if m is not None}
        return in_memory | set(self.spilled)

    def month_rows(self, store: Store, month: str | None) -> pa.Table:
        """Staged rows of one month (all of them for None), in-memory and spilled alike."""
        rows = self.staged_rows()
        if month is not None:
            rows = self._in_memory_by_month().get(month, rows.slice(0, 0))
        paths = [p for m, ps in sorted(self.spilled.items()) if month in (None, m) for p in ps]
        return pa.concat_tables([rows, *(read_spilled(store, p, rows.schema, self.file.path) for p in paths)])


def _engine_fault(exc: BaseException, work: Path) -> bool:
    """True when reading a file failed for the engine's sake, not the file's: no room for its work
    files (`refused_write`), or its work folder removed under it."""
    return refused_write(exc) or not work.is_dir()


def _raise_if_stopped(exc: BaseException) -> None:
    """A stop is never a file's fault: whatever error an interrupted query turned into, or any error
    once the command is stopping, goes on up as KeyboardInterrupt."""
    if interrupted(exc) or STOPPING.is_set():
        raise KeyboardInterrupt from exc


def defer(raw: RawFile, doing: str, exc: BaseException, *, work: Path | None = None) -> Parsed:
    """A file the engine had no room to read, or whose work folder `work` went away while it was
    read (something emptied the temporary folder): left for the next run (`Parsed.deferred`)."""
    if work is not None and not work.is_dir():
        why = f"its work folder {work} was removed while {doing}"
        log.warning("file=%s not read this run: %s (%s)", raw.path, why, exc)
        return Parsed(raw, deferred=" ".join(f"{why}: {exc}".split()))
    log.warning("file=%s not read this run: no room for the engine's work files while %s (%s)", raw.path, doing, exc)
    return Parsed(raw, deferred=" ".join(str(exc).split()))


def whole_file_quarantine(raw: RawFile, reason: str, head: str = "") -> Parsed:
    """A file none of whose records can be told apart: one quarantined record."""
    log.warning("file=%s quarantined whole: %s", raw.path, reason.translate(LINE_BREAKS))
    return Parsed(raw, read=1, quarantine=[quarantine_row(raw, None, reason, head)])


def parse_file(raw: RawFile, data: bytes | None = None, *, ctx: Context, spill: Spill | None = None) -> Parsed:
    """Parse and validate one raw file (its bytes, or read from `raw.location` when None)."""
    if data is None:
        return parse_files([raw], ctx=ctx, spill=spill)[0]
    with work_folder() as folder:
        location = folder / "data"
        location.write_bytes(data)
        copy = RawFile(raw.path, raw.table, raw.sha256, location, len(data), raw.mtime_ns, raw.ctime_ns, raw.inode)
        parsed = parse_files([copy], ctx=ctx, spill=spill)[0]
    parsed.file = raw
    return parsed


def parse_files(
    raws: list[RawFile],
    *,
    ctx: Context,
    spill: Spill | None = None,
    in_memory_rows: int = IN_MEMORY_ROWS,
    files_together: int = FILES_TOGETHER,
) -> list[Parsed]:
    """Parse and validate raw files, in their order: each table's files, `files_together` at a time,
    are decoded into one `decoded` table and validated together, on one DuckDB connection.

    Never raises for anything a file holds or for an error reading it: the file (or the record)
    is quarantined with a reason naming what failed. A write of the engine's own files that the
    operating system refuses (disk full, quota, file size limit), or DuckDB out of memory, is no
    fault of a file: that file comes back `deferred`, for the next run to read. Should validating a
    table's files together fail, each file is validated alone, so only the file at fault is
    quarantined whole (or deferred).
    """
    out: dict[int, Parsed] = {}
    room = Room(in_memory_rows)
    for table in TABLES:
        mine = [(i, raw) for i, raw in enumerate(raws) if raw.table == table]
        for start in range(0, len(mine), files_together):
            batch = mine[start : start + files_together]
            out.update(_parse_table(table, batch, ctx=ctx, spill=spill, room=room))
    return [out[i] for i in range(len(raws))]


def _parse_table(
    table: str, files: list[tuple[int, RawFile]], *, ctx: Context, spill: Spill | None, room: Room
) -> dict[int, Parsed]:
    with work_folder() as work:
        return _parse_in(table, files, ctx=ctx, spill=spill, room=room, work=work)


def _parse_in(
    table: str, files: list[tuple[int, RawFile]], *, ctx: Context, spill: Spill | None, room: Room, work: Path
) -> dict[int, Parsed]:
    con = duckdb.connect(
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "memory_limit": ENGINE_MEMORY,
            "temp_directory": str(work / "spill"),
        }
    )
    try:
        with STOPPING.interrupting(con):
            out = _parse_with(con, table, files, ctx=ctx, spill=spill, room=room, work=work)
    finally:
        con.close()
    for _number, parsed in sorted(out.items()):
        log.info("file=%s rows=%d quarantined=%d", parsed.file.path, parsed.read, len(parsed.quarantine))
    return out


def _parse_with(
    con: duckdb.DuckDBPyConnection,
    table: str,
    files: list[tuple[int, RawFile]],
    *,
    ctx: Context,
    spill: Spill | None,
    room: Room,
    work: Path,
) -> dict[int, Parsed]:
    """`_parse_in`'s work on its connection. A stop is never a file's fault: it raises
    KeyboardInterrupt, whatever error the interrupted query turned into."""
    out: dict[int, Parsed] = {}
    decoded: dict[int, Decoded] = {}
    prepare(con, ctx)
    for number, raw in files:
        if STOPPING.is_set():
            raise KeyboardInterrupt("the command is stopping")
        if raw.error is not None:
            out[number] = whole_file_quarantine(raw, raw.error)
            continue
        try:
            decoded[number] = decode(con, raw, number, limits=ctx.limits, airports=ctx.airports, work=work)
        except RawFileError as exc:
            _raise_if_stopped(exc)
            out[number] = (
                defer(raw, f"reading {raw.path}", exc, work=work)
                if _engine_fault(exc, work)
                else whole_file_quarantine(raw, str(exc), _head(raw))
            )
        except RecursionError as exc:
            out[number] = whole_file_quarantine(raw, f"parsing {raw.path} failed: nested too deeply ({exc})")
        except Exception as exc:  # noqa: BLE001 - one file must never stop the run
            _raise_if_stopped(exc)
            out[number] = (
                defer(raw, f"reading {raw.path}", exc, work=work)
                if _engine_fault(exc, work)
                else whole_file_quarantine(raw, f"reading {raw.path} failed: {type(exc).__name__}: {exc}")
            )
    if decoded:
        try:
            combine(con, table, sorted(decoded))
            validate(con, table, ctx, nul_free=all(found.nul_free for found in decoded.values()))
            out.update(_collect(con, dict(files), decoded, spill, room, work))
        except Exception as exc:  # noqa: BLE001 - isolate the file at fault
            _raise_if_stopped(exc)
            if len(decoded) == 1:
                ((number, _),) = decoded.items()
                raw = dict(files)[number]
                out[number] = (
                    defer(raw, f"validating {raw.path}", exc, work=work)
                    if _engine_fault(exc, work)
                    else whole_file_quarantine(raw, f"validating {raw.path} failed: {type(exc).__name__}: {exc}")
                )
            else:
                log.warning(
                    "validating %d %s files together failed (%s); validating each alone", len(decoded), table, exc
                )
                for number in decoded:
                    alone = [(number, dict(files)[number])]
                    out.update(_parse_table(table, alone, ctx=ctx, spill=spill, room=room))
    return out


def _collect(
    con: duckdb.DuckDBPyConnection,
    raws: dict[int, RawFile],
    decoded: dict[int, Decoded],
    spill: Spill | None,
    room: Room,
    work: Path,
) -> dict[int, Parsed]:
    """Staged rows and quarantine of each file from `checked`: a message (the rows of a file sharing
    a line: a NOTAM's windows) lands whole or is quarantined once, with the first reason of its
    first bad row. `work` is a local folder for rows on their way to the spill."""
    table = next(iter(raws.values())).table
    schema = staged(table)
    record = "json_object(" + ", ".join(f"'{name}', decoded.{name}" for name in COLUMNS[table]) + ")::varchar"
    window = "decoded.window_index" if table == "closures" else "null::varchar"
    raw_text = " ".join(
        f"when {number} then {found.raw_sql}" for number, found in decoded.items() if found.raw_sql is not None
    )
    raw_record = (
        f"coalesce(decoded._raw, case decoded._file {raw_text} end, {record})"
        if raw_text
        else (f"coalesce(decoded._raw, {record})")
    )
    con.execute(
        f"""
        create or replace temp table bad_messages as
        with bad as (
            select distinct _file, source_line from checked where _reason is not null
        ),

        messages as (
            select checked._pos, checked._file, checked.source_line, checked._reason,
                count(*) over (partition by checked._file, checked.source_line) as n
            from checked
            semi join bad using (_file, source_line)
        )

        select
            messages._file,
            messages.source_line,
            arg_min(
                case when messages.n > 1 then 'window ' || coalesce({window}, 'None') || ': ' else '' end
                || messages._reason,
                messages._pos
            ) filter (where messages._reason is not null) as reason,
            arg_min({raw_record}, messages._pos) as raw_record
        from messages
        join decoded using (_pos)
        group by messages._file, messages.source_line
        """
    )
    columns = ", ".join(
        "_file"
        if name == "source_file"
        else f"{name}::timestamptz as {name}"
        if pa.types.is_timestamp(schema.field(name).type)
        else name
        for name in schema.names
    )
    # one file's rows are fetched straight from the view; several files' are computed once, then
    # each file's share is fetched from the table
    kind = "table" if len(decoded) > 1 else "view"
    con.execute(
        f"""
        create or replace temp {kind} landing as
        select _pos, {columns}
        from checked
        anti join bad_messages using (_file, source_line)
        where checked._reason is null
        """
    )
    out: dict[int, Parsed] = {}
    for number, found in decoded.items():
        raw = raws[number]
        parsed = out[number] = Parsed(raw, read=found.read, skipped=found.skipped)
        bad = con.execute(
            "select source_line, reason, raw_record from bad_messages where _file = $f order by source_line",
            {"f": number},
        ).fetchall()
        parsed.quarantine = sorted(
            [*found.bad, *(quarantine_row(raw, line, reason, text or "") for line, reason, text in bad)],
            key=lambda q: (q["source_line"] is None, q["source_line"] or 0),
        )
        # only NOTAM messages (closures) land as several rows sharing a line
        messages_sql = "count(distinct source_line)" if table == "closures" else "count(*)"
        counts = con.execute(
            f"select count(*), {messages_sql}, count(*) filter (where _op <> 'N') from landing where _file = $f",
            {"f": number},
        ).fetchone()
        assert counts is not None
        rows, messages, ops = counts
        parsed.windows = rows - messages
        parsed.ops = ops + len(found.cancels)
        if spill is not None and not room.take(_share(rows, raw, found.read)):
            # one parallel pass over the file's rows, each month's to files of its own
            query = f"select * exclude (_pos, _file) from landing where _file = {int(number)}"
            parsed.spilled = spill.write_months(con, query, work)
            parsed.rows = schema.empty_table()
        else:
            # in file order: the lake's writes then find the rows sorted (spilled rows are streamed
            # as they come: a sort would hold the whole file first). A relation's rows reach Arrow
            # in parallel, a query result's in one thread, so they are sorted once they are there.
            landed = con.sql(f"select * from landing where _file = {int(number)}").to_arrow_table()
            landed = landed.take(pc.sort_indices(landed.column("_pos")))
            where = landed.schema.get_field_index("_file")
            path = pa.repeat(pa.scalar(raw.path, pa.string()), landed.num_rows)
            parsed.rows = _conform(landed.set_column(where, "_file", path), schema)
        if found.cancels:
            cancels = [dict(c, source_file=raw.path, _op="C") for c in found.cancels]
            parsed.rows = pa.concat_tables([parsed.staged_rows(), pa.Table.from_pylist(cancels, schema=schema)])
    return out


def _share(rows: int, raw: RawFile, records: int) -> int:
    """The rows of `raw` to keep as a share of IN_MEMORY_ROWS: more than their number when its
    records are wider than ROW_BYTES on average (the delivered file's bytes over its records)."""
    width = raw.size_bytes / max(records, 1)
    return rows if width <= ROW_BYTES else -(-rows * int(width) // ROW_BYTES)


def _head(raw: RawFile) -> str:
    """The first 200 bytes of a raw file as text, to show with its quarantine."""
    try:
        with open(raw.location, "rb") as handle:
            return handle.read(200).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _conform(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    rows = rows.rename_columns(["source_file" if n == "_file" else n for n in rows.column_names])
    return pa.Table.from_arrays([rows.column(f.name).cast(f.type) for f in schema], schema=schema)
