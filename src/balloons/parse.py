"""Parse and validate one raw file into staged rows (schema.staged) and quarantined records.

Never raises for anything in the file: a file that cannot be listed, read, decoded or parsed is
quarantined whole with a reason naming the step that failed, and a record whose validation fails
in any way is quarantined alone.

Two paths give the same result. Plain CSV files of flights (see `bulk.py`) are read in batches and
validated column-wise; every other file, and every row the fast path is unsure of, goes through
`rawfile` / `notam` and `validate` record by record. Large results can be spilled batch by batch
to Arrow files under the lake's `_work/<run>/` folder, so memory stays flat in the file's size.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, cast

import pyarrow as pa
import pyarrow.compute as pc

from balloons import bulk, notam, rawfile
from balloons.errors import RawFileError
from balloons.identity import content_hash
from balloons.rawfile import RawFile
from balloons.schema import LINEAGE_COLUMNS, TABLES, staged
from balloons.storage import Store
from balloons.timestamps import BadValue, local_month
from balloons.validate import (
    VALIDATORS,
    Context,
    canonical_columns,
    missing_required,
    repeated_columns,
)

log = logging.getLogger(__name__)

Row = dict[str, Any]


@dataclass(frozen=True)
class Spill:
    """Where parsed batches go when they should not stay in memory: a folder of the lake's store."""

    store: Store
    folder: str

    def write(self, rows: pa.Table) -> str:
        path = self.store.path(self.folder, f"{uuid.uuid4().hex}.arrow")
        self.store.write_arrow(rows, path)
        return path


@dataclass
class Parsed:
    """What one raw file yields: staged rows (in memory, or spilled per month) and quarantine."""

    file: RawFile
    rows: pa.Table | None = None
    quarantine: list[Row] = field(default_factory=list)
    read: int = 0
    spilled: dict[str, list[str]] = field(default_factory=dict)
    """month → Arrow files in the lake store holding that month's spilled rows."""
    ops: int = 0
    """NOTAMR / NOTAMC records among the rows."""
    fast: int = 0
    """Rows the fast path (`bulk.py`) accepted; the rest of `read` went record by record."""
    skipped: int = 0
    """NOTAM messages read that are not aerodrome closures (counted, not landed)."""
    windows: int = 0
    """Rows beyond the first of NOTAM messages that land as several windows."""

    def __post_init__(self) -> None:
        if self.rows is None:
            self.rows = staged(self.file.table).empty_table()

    def staged_rows(self) -> pa.Table:
        assert self.rows is not None
        return self.rows

    def months(self) -> set[str]:
        in_memory = {m for m in pc.unique(self.staged_rows().column("month")).to_pylist() if m is not None}
        return in_memory | set(self.spilled)

    def month_rows(self, store: Store, month: str | None) -> pa.Table:
        """Staged rows of one month (all of them for None), in-memory and spilled alike."""
        rows = self.staged_rows()
        if month is not None:
            rows = rows.filter(pc.equal(rows.column("month"), month))
        paths = [p for m, ps in sorted(self.spilled.items()) if month in (None, m) for p in ps]
        return pa.concat_tables([rows, *(store.read_arrow(p) for p in paths)])


def data_columns(table: str) -> list[str]:
    """The columns a record's content hash covers: everything but id, hash and lineage."""
    spec = TABLES[table]
    skip = {spec.id_column, "content_hash", *LINEAGE_COLUMNS}
    return [name for name in spec.schema.names if name not in skip]


def _quarantine_row(raw: RawFile, line: int | None, reason: str, record: str) -> Row:
    return {
        "table_name": raw.table,
        "source_file": raw.path,
        "source_line": line,
        "reason": reason,
        "raw_record": record,
    }


@contextmanager
def _open(raw: RawFile, data: bytes | None, limits: rawfile.Limits) -> Iterator[IO[bytes]]:
    handle: IO[bytes] = io.BytesIO(data) if data is not None else open(raw.location, "rb")  # noqa: SIM115
    try:
        if raw.path.lower().endswith(".gz"):
            bounded = rawfile.BoundedGzip(handle, name=raw.path, cap=limits.decompressed_bytes, limits=limits)
            yield cast(IO[bytes], io.BufferedReader(bounded, buffer_size=1 << 20))
        else:
            yield handle
    finally:
        handle.close()


def whole_file_quarantine(raw: RawFile, reason: str, head: str = "") -> Parsed:
    """A file none of whose records can be told apart: one quarantined record."""
    log.warning("file=%s quarantined whole: %s", raw.path, reason)
    return Parsed(raw, read=1, quarantine=[_quarantine_row(raw, None, reason, head)])


def parse_file(raw: RawFile, data: bytes | None = None, *, ctx: Context, spill: Spill | None = None) -> Parsed:
    """Parse and validate one raw file (its bytes, or read from `raw.location` when None).

    Never raises for anything the file holds or for an error reading it: the file (or the record)
    is quarantined with a reason naming what failed.
    """
    if raw.error is not None:
        return whole_file_quarantine(raw, raw.error)
    fmt = rawfile.file_format(raw.path)
    parsed: Parsed | None = None
    stage = "reading"
    try:
        if raw.table == "flights" and fmt in (".csv", ".csv.gz"):
            parsed = _parse_plain(raw, data, ctx=ctx, spill=spill)
        if parsed is None:
            limit = ctx.limits.record_file_bytes
            size = len(data) if data is not None else raw.size_bytes
            if fmt is not None and fmt != ".notam" and size > limit:
                raise RawFileError(
                    f"{raw.path} holds {size:,} bytes, over the {limit:,} bytes a file read record "
                    "by record may hold (BALLOONS_MAX_RECORD_FILE_BYTES)"
                )
            content = raw.location.read_bytes() if data is None else data
            stage = "parsing"
            parsed = _parse_exact(raw, content, ctx=ctx, fmt=fmt)
    except RawFileError as exc:
        return whole_file_quarantine(raw, str(exc))
    except Exception as exc:  # noqa: BLE001 - one file must never stop the run
        return whole_file_quarantine(raw, f"{stage} {raw.path} failed: {type(exc).__name__}: {exc}"[:2000])
    log.info("file=%s rows=%d quarantined=%d", raw.path, parsed.read, len(parsed.quarantine))
    return parsed


def _parse_exact(raw: RawFile, data: bytes, *, ctx: Context, fmt: str | None) -> Parsed:
    parsed = Parsed(raw)
    rows: list[Row] = []
    try:
        if fmt == ".notam":
            if raw.table != "closures":
                raise RawFileError(f"{raw.path}: NOTAM files belong under raw/closures/")
            if not data:
                raise RawFileError(f"{raw.path} is empty (0 bytes)")
            text = rawfile.decode(rawfile.read_bytes(data, name=raw.path, limits=ctx.limits), name=raw.path)
            items: Iterable[notam.Item] = notam.parse(text, coordinates=notam.airport_coordinates(ctx.airports))
        else:
            items = rawfile.records(data, name=raw.path, limits=ctx.limits)
        _validate_all(parsed, rows, items, ctx=ctx, strict_header=fmt in (".csv", ".csv.gz"))
    except RawFileError as exc:
        return whole_file_quarantine(raw, str(exc), data[:200].decode("utf-8", errors="replace"))
    except RecursionError as exc:
        return whole_file_quarantine(raw, f"parsing {raw.path} failed: nested too deeply ({exc})")
    parsed.rows = pa.Table.from_pylist(rows, schema=staged(raw.table))
    parsed.ops = sum(1 for row in rows if row["_op"] != "N")
    return parsed


class _Mapper:
    """Canonical column names per distinct header (JSON objects may each have their own keys)."""

    def __init__(self, raw: RawFile, *, strict_header: bool) -> None:
        self.raw = raw
        self.strict_header = strict_header
        self.seen: dict[tuple[str, ...], dict[str, str]] = {}

    def __call__(self, keys: tuple[str, ...]) -> dict[str, str]:
        mapping = self.seen.get(keys)
        if mapping is None:
            mapping, unknown = canonical_columns(self.raw.table, list(keys))
            repeated = repeated_columns(mapping)
            if repeated:
                raise RawFileError(f"{self.raw.path} gives column(s) {', '.join(repeated)} twice")
            missing = missing_required(self.raw.table, mapping)
            if self.strict_header and missing:
                raise RawFileError(f"{self.raw.path} lacks required column(s): {', '.join(missing)}")
            if unknown:
                log.warning("file=%s ignores unknown column(s): %s", self.raw.path, ", ".join(unknown))
            self.seen[keys] = mapping
        return mapping


def _validate_all(
    parsed: Parsed,
    rows: list[Row],
    items: Iterable[notam.Item],
    *,
    ctx: Context,
    strict_header: bool,
    mapper: _Mapper | None = None,
) -> None:
    raw = parsed.file
    spec = TABLES[raw.table]
    validator = VALIDATORS[raw.table]
    columns = data_columns(raw.table)
    mapper = mapper or _Mapper(raw, strict_header=strict_header)
    for item in items:
        parsed.read += 1
        if isinstance(item, notam.Skipped):
            parsed.skipped += 1
            continue
        if isinstance(item, rawfile.BadRecord):
            parsed.quarantine.append(_quarantine_row(raw, item.line, item.reason, item.raw))
            continue
        if isinstance(item, rawfile.Record) and item.op == "C":
            rows.append({"_op": "C", "_ref": item.ref, "source_file": raw.path, "source_line": item.line})
            continue
        # a NOTAM lands as its active windows, all or none; any other record is one row
        records = item.records if isinstance(item, notam.Closure) else (item,)
        valid: list[Row] = []
        for record in records:
            where = f"window {record.fields.get('window_index')}: " if len(records) > 1 else ""
            try:
                mapping = mapper(tuple(record.fields))
                fields = {name: record.fields[key] for key, name in mapping.items()}
                _check_lengths(fields, ctx.limits.field_chars)
                valid.append(validator(fields, ctx=ctx, decimal_comma=record.decimal_comma))
                continue
            except RawFileError as exc:
                if strict_header:  # a CSV header belongs to the whole file
                    raise
                reason = str(exc)
            except BadValue as exc:
                reason = str(exc)
            except Exception as exc:  # noqa: BLE001 - one record must never stop its file
                reason = f"validating failed: {type(exc).__name__}: {exc}"
            text = item.raw if isinstance(item, notam.Closure) else json.dumps(record.fields, ensure_ascii=False)
            parsed.quarantine.append(_quarantine_row(raw, record.line, f"{where}{reason}"[:2000], text[:2000]))
            valid = []
            break
        parsed.windows += max(len(valid) - 1, 0)
        for record, row in zip(records, valid, strict=False):
            row["content_hash"] = content_hash({name: row[name] for name in columns})
            row["month"] = local_month(row[spec.time_column], ctx.zone)
            row.update(source_file=raw.path, source_line=record.line, _op=record.op, _ref=record.ref)
            rows.append(row)


def _check_lengths(fields: dict[str, str], limit: int) -> None:
    for name, value in fields.items():
        if len(value) > limit:
            raise BadValue(
                f"{name} holds {len(value):,} characters, over the {limit:,} a value may have "
                "(BALLOONS_MAX_FIELD_CHARS)"
            )


_ZONES: dict[tuple[int, str], tuple[object, pa.Table]] = {}


def _airport_zones(ctx: Context) -> pa.Table:
    """`bulk.airport_zones` once per airports table (a run parses many files with the same one)."""
    key = (id(ctx.airports), ctx.zone.key)
    cached = _ZONES.get(key)
    if cached is None or cached[0] is not ctx.airports:
        if len(_ZONES) >= 4:
            _ZONES.clear()
        cached = (ctx.airports, bulk.airport_zones(ctx.airports, ctx.zone.key))  # keeps the id taken
        _ZONES[key] = cached
    return cached[1]


def _parse_plain(raw: RawFile, data: bytes | None, *, ctx: Context, spill: Spill | None) -> Parsed | None:
    """The fast path (`bulk.py`); None when the file is not plain CSV and must be read exactly."""
    try:
        with _open(raw, data, ctx.limits) as stream:
            return _read_plain(raw, stream, ctx=ctx, spill=spill)
    except bulk.NotPlain as why:
        log.info("file=%s is read record by record: %s", raw.path, why)
    except (OSError, EOFError, zlib.error) as exc:
        log.info("file=%s is read record by record: %s", raw.path, exc)
    return None


def _read_plain(raw: RawFile, stream: IO[bytes], *, ctx: Context, spill: Spill | None) -> Parsed:
    plain = bulk.PlainCsv(stream, line_bytes=ctx.limits.line_bytes, name=raw.path)
    try:
        header = rawfile.csv_header(plain.header_fields, name=raw.path)
        mapper = _Mapper(raw, strict_header=True)
        mapping = mapper(tuple(header))
    except RawFileError as exc:
        raise bulk.NotPlain(str(exc)) from exc
    positions = {mapping[name]: index for index, name in enumerate(header) if name in mapping}
    zones = _airport_zones(ctx)
    schema = staged(raw.table)
    parsed = Parsed(raw)
    kept: list[pa.Table] = []
    written: list[str] = []
    try:
        for first, lines in plain.batches():
            accepted, unsure = bulk.flights(
                first,
                lines,
                positions=positions,
                width=len(header),
                delimiter=plain.delimiter,
                zones=zones,
                local_zone=ctx.zone.key,
                now=ctx.now,
            )
            exact_rows: list[Row] = []
            _validate_all(
                parsed,
                exact_rows,
                _records(first, lines, unsure, header, plain.delimiter),
                ctx=ctx,
                strict_header=True,
                mapper=mapper,
            )
            parsed.read += accepted.num_rows
            parsed.fast += accepted.num_rows
            batch = pa.concat_tables(
                [
                    bulk.staged_flights(accepted, source_file=raw.path, schema=schema),
                    pa.Table.from_pylist(exact_rows, schema=schema),
                ]
            )
            if spill is None:
                kept.append(batch)
                continue
            months = batch.column("month")
            for month in pc.unique(months).to_pylist():
                path = spill.write(batch.filter(pc.equal(months, month)))
                parsed.spilled.setdefault(month, []).append(path)
                written.append(path)
    except BaseException:
        if spill is not None:
            for path in written:
                spill.store.delete(path)
        raise
    parsed.rows = pa.concat_tables([schema.empty_table(), *kept])
    log.info("file=%s fast_path_rows=%d exact_path_rows=%d", raw.path, parsed.fast, parsed.read - parsed.fast)
    return parsed


def _records(
    first: int, lines: pa.Array, unsure: pa.Array, header: list[str], delimiter: str
) -> Iterator[rawfile.Record | rawfile.BadRecord]:
    """Records for the exact validator: the lines the fast path left, in line order."""
    for number in unsure.to_pylist():
        text = lines[number - first].as_py()
        record = rawfile.csv_record(number, text.split(delimiter), header, delimiter)
        if record is not None:
            yield record
