"""Ingest raw files into the lake: find new or changed files, parse and validate them,
resolve duplicates and updates, rewrite only the affected month partitions, and log every file.

Accounting, per raw file and run: rows_read = rows_landed + rows_quarantined + rows_duplicate +
rows_superseded. A record is *duplicate* when a record with the same key and content is already
in the lake or earlier in the run; *superseded* when a later record with the same key (or a
NOTAMR/NOTAMC naming its NOTAM) replaces it within the run. A NOTAMC counts as landed: its effect,
withdrawing a closure, is in the lake. A file that cannot be parsed at all counts as one
quarantined record. A file delivered again with new content first takes back everything it
contributed before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from balloons import lake, notam, rawfile
from balloons.errors import RawFileError
from balloons.identity import content_hash
from balloons.lake import Lake
from balloons.schema import INGEST_LOG, LINEAGE_COLUMNS, QUARANTINE, RECORD_TABLES, TABLES
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
class RawFile:
    """A raw file found under raw/<table>/: its path relative to raw/ (POSIX), digest and stat."""

    path: str
    table: str
    sha256: str
    location: Path
    size_bytes: int = 0
    mtime_ns: int = 0


def sha256_of(location: Path) -> str:
    digest = hashlib.sha256()
    with open(location, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Parsed:
    """What one raw file yields: valid rows (with lineage and NOTAM ops) and quarantined ones."""

    file: RawFile
    rows: list[Row] = field(default_factory=list)
    quarantine: list[Row] = field(default_factory=list)
    read: int = 0


@dataclass
class Counts:
    read: int = 0
    landed: int = 0
    quarantined: int = 0
    duplicate: int = 0
    superseded: int = 0


@dataclass
class Summary:
    """What an ingest run did, for the CLI summary line and the Prefect artifacts."""

    run_id: str
    files_seen: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    partitions_written: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)

    def line(self) -> str:
        c = self.counts
        return (
            f"files read {self.files_read} (unchanged {self.files_unchanged}), rows read {c.read}, "
            f"landed {c.landed}, quarantined {c.quarantined}, duplicates {c.duplicate}, "
            f"superseded {c.superseded}, partitions written {len(self.partitions_written)}"
        )


def data_columns(table: str) -> list[str]:
    """The columns a record's content hash covers: everything but id, hash and lineage."""
    spec = TABLES[table]
    skip = {spec.id_column, "content_hash", *LINEAGE_COLUMNS}
    return [name for name in spec.schema.names if name not in skip]


def scan(raw_dir: Path, known: dict[str, tuple[int, int, str]] | None = None) -> list[RawFile]:
    """Every file under raw/<table>/ (any depth, hidden files skipped), sorted by path.

    `known` maps a path to the (size, mtime_ns, sha256) the ingest log last saw: a file whose size
    and modification time are unchanged is not read again to compute its digest.
    """
    known = known or {}
    found = []
    skipped = 0
    root = raw_dir.resolve()
    for table in RECORD_TABLES:
        base = root / table
        if not base.is_dir():
            continue
        for folder, dirs, names in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                location = Path(folder) / name
                if name.startswith(".") or location.is_symlink() or not location.is_file():
                    skipped += 1
                    continue
                relative = location.relative_to(root).as_posix()
                stat = location.stat()
                seen = known.get(relative)
                same = seen is not None and seen[:2] == (stat.st_size, stat.st_mtime_ns)
                digest = seen[2] if same and seen else sha256_of(location)
                found.append(RawFile(relative, table, digest, location, stat.st_size, stat.st_mtime_ns))
    if skipped:
        log.info("skipped=%d hidden files or links under %s", skipped, root)
    return sorted(found, key=lambda f: f.path)


def known_files(ingest_log: pa.Table) -> dict[str, tuple[int, int, str]]:
    """Path → (size, mtime_ns, sha256) as the latest log entry recorded it."""
    rows = zip(ingest_log.column("path").to_pylist(), ingest_log.column("size_bytes").to_pylist(),
               ingest_log.column("mtime_ns").to_pylist(), ingest_log.column("sha256").to_pylist(), strict=True)
    return {path: (size or -1, mtime or -1, digest) for path, size, mtime, digest in rows}


def plan(files: Iterable[RawFile], ingest_log: pa.Table) -> tuple[list[RawFile], list[RawFile], set[str]]:
    """Split files into (to read, unchanged) by the digest the log last saw for each path.

    Also returns the paths that contributed rows before and so must be cleaned up when read.
    """
    last: dict[str, str] = {}
    for path, digest in zip(ingest_log.column("path").to_pylist(),
                            ingest_log.column("sha256").to_pylist(), strict=True):
        last[path] = digest  # log files are read in run order, so the latest wins
    todo: list[RawFile] = []
    unchanged: list[RawFile] = []
    for raw in files:
        (unchanged if last.get(raw.path) == raw.sha256 else todo).append(raw)
    return todo, unchanged, set(last)


def _quarantine_row(raw: RawFile, line: int | None, reason: str, record: str) -> Row:
    return {"table_name": raw.table, "source_file": raw.path, "source_line": line,
            "reason": reason, "raw_record": record}


def parse_file(raw: RawFile, data: bytes, *, ctx: Context) -> Parsed:
    """Parse and validate one raw file. Never raises for bad content: it is quarantined."""
    parsed = Parsed(raw)
    fmt = rawfile.file_format(raw.path)
    try:
        if fmt == ".notam":
            if raw.table != "closures":
                raise RawFileError(f"{raw.path}: NOTAM files belong under raw/closures/")
            if not data:
                raise RawFileError(f"{raw.path} is empty (0 bytes)")
            text = rawfile.decode(rawfile.read_bytes(data, name=raw.path), name=raw.path)
            items: Iterable[rawfile.Record | rawfile.BadRecord] = notam.parse(text)
        else:
            items = rawfile.records(data, name=raw.path)
        _validate_all(parsed, items, ctx=ctx, strict_header=fmt in (".csv", ".csv.gz"))
    except RawFileError as exc:
        head = data[:200].decode("utf-8", errors="replace")
        parsed = Parsed(raw, read=1, quarantine=[_quarantine_row(raw, None, str(exc), head)])
        log.warning("file=%s quarantined whole: %s", raw.path, exc)
    log.info("file=%s rows=%d valid=%d quarantined=%d", raw.path, parsed.read, len(parsed.rows),
             len(parsed.quarantine))
    return parsed


def _validate_all(parsed: Parsed, items: Iterable[rawfile.Record | rawfile.BadRecord], *,
                  ctx: Context, strict_header: bool) -> None:
    raw = parsed.file
    spec = TABLES[raw.table]
    validator = VALIDATORS[raw.table]
    columns = data_columns(raw.table)
    mappings: dict[tuple[str, ...], dict[str, str]] = {}
    for item in items:
        parsed.read += 1
        if isinstance(item, rawfile.BadRecord):
            parsed.quarantine.append(_quarantine_row(raw, item.line, item.reason, item.raw))
            continue
        if item.op == "C":
            parsed.rows.append({"_op": "C", "_ref": item.ref, "source_file": raw.path,
                                "source_line": item.line})
            continue
        keys = tuple(item.fields)
        mapping = mappings.get(keys)
        if mapping is None:
            mapping, unknown = canonical_columns(raw.table, list(keys))
            repeated = repeated_columns(mapping)
            if repeated:
                raise RawFileError(f"{raw.path} gives column(s) {', '.join(repeated)} twice")
            missing = missing_required(raw.table, mapping)
            if strict_header and missing:
                raise RawFileError(f"{raw.path} lacks required column(s): {', '.join(missing)}")
            if unknown:
                log.warning("file=%s ignores unknown column(s): %s", raw.path, ", ".join(unknown))
            mappings[keys] = mapping
        fields = {name: item.fields[key] for key, name in mapping.items()}
        try:
            row = validator(fields, ctx=ctx, decimal_comma=item.decimal_comma)
        except BadValue as exc:
            record = json.dumps(item.fields, ensure_ascii=False)[:2000]
            parsed.quarantine.append(_quarantine_row(raw, item.line, str(exc), record))
            continue
        row["content_hash"] = content_hash({name: row[name] for name in columns})
        row["month"] = local_month(row[spec.time_column], ctx.zone)
        row.update(source_file=raw.path, source_line=item.line, _op=item.op, _ref=item.ref)
        parsed.rows.append(row)


def resolve(parsed_files: list[Parsed], table: str) -> tuple[dict[str, Row], set[str]]:
    """Resolve one run's rows in (path, line) order: later wins, equal content is a duplicate.

    Sets `_status` on every row (landed, duplicate, superseded); returns the winners by id and
    the NOTAM ids withdrawn by NOTAMR/NOTAMC records.
    """
    id_column = TABLES[table].id_column
    winners: dict[str, Row] = {}
    withdrawn: set[str] = set()
    for parsed in sorted(parsed_files, key=lambda p: p.file.path):
        for row in parsed.rows:
            if row["_op"] in ("R", "C"):
                withdrawn.add(row["_ref"])
                for key in [k for k, w in winners.items() if w.get("notam_id") == row["_ref"]]:
                    winners.pop(key)["_status"] = "superseded"
            row["_status"] = "landed"
            if row["_op"] == "C":
                continue
            previous = winners.get(row[id_column])
            if previous is not None:
                if previous["content_hash"] == row["content_hash"]:
                    row["_status"] = "duplicate"
                    continue
                previous["_status"] = "superseded"
            winners[row[id_column]] = row
    return winners, withdrawn


def _existing(lake_dir: Lake, table: str, wanted_months: Iterable[str]) -> pa.Table:
    spec = TABLES[table]
    columns = [spec.id_column, "content_hash", "source_file"]
    if table == "closures":
        columns.append("notam_id")
    return lake.read_months(lake_dir, table, wanted_months, columns)


@dataclass
class Merged:
    """What merging one table did: partitions rewritten, and each file's record accounting."""

    partitions: list[str]
    counts: dict[str, Counts]


def merge_table(lake_dir: Lake, table: str, parsed_files: list[Parsed], *, cleanup: set[str],
                run_id: str, now: datetime) -> Merged:
    """Apply one table's parsed files to the lake (its partitions only: tables merge independently)."""
    spec = TABLES[table]
    winners, withdrawn = resolve(parsed_files, table)
    all_months = lake.months(lake_dir, table)
    scan_all = not spec.key_fixes_month or bool(withdrawn) or bool(cleanup)
    looked = all_months if scan_all else sorted({row["month"] for row in winners.values()})
    existing = _existing(lake_dir, table, looked)
    ids = existing.column(spec.id_column).to_pylist()
    hashes = existing.column("content_hash").to_pylist()
    files = existing.column("source_file").to_pylist()
    row_months = existing.column("month").to_pylist()
    notams = existing.column("notam_id").to_pylist() if table == "closures" else [None] * len(ids)

    affected: set[str] = set()
    drop_ids: set[str] = set()
    known: dict[str, tuple[str, str]] = {}
    for rid, digest, source, month, notam_id in zip(ids, hashes, files, row_months, notams,
                                                    strict=True):
        if source in cleanup or (notam_id is not None and notam_id in withdrawn):
            affected.add(month)
            drop_ids.add(rid)
            continue
        known[rid] = (digest, month)

    landed: list[Row] = []
    for rid, row in winners.items():
        previous = known.get(rid)
        if previous is not None and previous[0] == row["content_hash"]:
            row["_status"] = "duplicate"
            continue
        if previous is not None:
            affected.add(previous[1])
            drop_ids.add(rid)
        affected.add(row["month"])
        landed.append(row)

    written = []
    for month in sorted(affected):
        current = lake.read_partition(lake_dir, table, month)
        if current.num_rows:
            keep = pc.invert(pc.is_in(current.column(spec.id_column), pa.array(sorted(drop_ids), pa.string())))
            current = current.filter(keep)
        fresh = [_lake_row(row, spec.schema.names, run_id, now) for row in landed if row["month"] == month]
        new_part = pa.concat_tables([current, pa.Table.from_pylist(fresh, schema=spec.schema)])
        lake.write_partition(lake_dir, table, month, new_part)
        written.append(f"{table}/month={month}")
    return Merged(written, {p.file.path: file_counts(p) for p in parsed_files})


def _lake_row(row: Row, names: list[str], run_id: str, now: datetime) -> Row:
    out = {name: row.get(name) for name in names}
    out["run_id"] = run_id
    out["ingested_at"] = now
    return out


def file_counts(parsed: Parsed) -> Counts:
    counts = Counts(read=parsed.read, quarantined=len(parsed.quarantine))
    for row in parsed.rows:
        status = row["_status"]
        setattr(counts, status, getattr(counts, status) + 1)
    return counts


def begin(lake_dir: Lake, parsed_files: list[Parsed]) -> None:
    """Journal the files this run writes, so a crash is completed by the next run."""
    lake.write_pending(lake_dir, [p.file.path for p in parsed_files])


def finish(lake_dir: Lake, parsed_files: list[Parsed], merged: list[Merged], *, run_id: str,
           now: datetime) -> Summary:
    """After every table is merged: quarantine, the ingest log, and the end of the journal."""
    summary = Summary(run_id, partitions_written=sorted(p for m in merged for p in m.partitions))
    all_counts = {path: c for m in merged for path, c in m.counts.items()}
    reread = {p.file.path for p in parsed_files}
    old = lake.read_quarantine(lake_dir)
    if old.num_rows:
        old = old.filter(pc.invert(pc.is_in(old.column("source_file"), pa.array(sorted(reread)))))
    new_rows = [dict(q, run_id=run_id, ingested_at=now) for p in parsed_files for q in p.quarantine]
    lake.write_quarantine(lake_dir, pa.concat_tables([old, pa.Table.from_pylist(new_rows, schema=QUARANTINE)]))
    log_rows = []
    for parsed in parsed_files:
        counts = all_counts.get(parsed.file.path) or file_counts(parsed)
        for name in ("read", "landed", "quarantined", "duplicate", "superseded"):
            setattr(summary.counts, name, getattr(summary.counts, name) + getattr(counts, name))
        log_rows.append({
            "path": parsed.file.path, "table_name": parsed.file.table, "sha256": parsed.file.sha256,
            "size_bytes": parsed.file.size_bytes, "mtime_ns": parsed.file.mtime_ns,
            "rows_read": counts.read, "rows_landed": counts.landed,
            "rows_quarantined": counts.quarantined, "rows_duplicate": counts.duplicate,
            "rows_superseded": counts.superseded, "run_id": run_id, "ingested_at": now,
        })
    lake.write_ingest_log(lake_dir, run_id, pa.Table.from_pylist(log_rows, schema=INGEST_LOG))
    lake.clear_pending(lake_dir)
    summary.files_read = len(parsed_files)
    return summary


def write_results(lake_dir: Lake, parsed_files: list[Parsed], *, cleanup: set[str], run_id: str,
                  now: datetime) -> Summary:
    """Write partitions, quarantine and the ingest log for a run's parsed files, in that order."""
    begin(lake_dir, parsed_files)
    merged = [merge_table(lake_dir, table, mine, cleanup=cleanup & {p.file.path for p in mine}, run_id=run_id,
                          now=now)
              for table, mine in by_table(parsed_files).items()]
    return finish(lake_dir, parsed_files, merged, run_id=run_id, now=now)


def by_table(parsed_files: list[Parsed]) -> dict[str, list[Parsed]]:
    """The parsed files of each record table that has any, in table order."""
    groups = {table: [p for p in parsed_files if p.file.table == table] for table in RECORD_TABLES}
    return {table: files for table, files in groups.items() if files}


def prepare(raw_dir: Path, lake_dir: Lake) -> tuple[list[RawFile], list[RawFile], set[str]]:
    """Clear a crashed run's staging leftovers; return (files to read, unchanged files, paths
    whose earlier contributions must be taken back before their new content lands)."""
    leftovers = lake.clean_staging(lake_dir)
    if leftovers:
        log.warning("removed %d leftover staging file(s) of an interrupted run", leftovers)
    log_table = lake.read_ingest_log(lake_dir)
    todo, unchanged, seen_before = plan(scan(raw_dir, known_files(log_table)), log_table)
    pending = set(lake.read_pending(lake_dir))
    if pending and not todo:
        lake.clear_pending(lake_dir)  # the interrupted run had logged every file: its work is done
    cleanup = (seen_before | pending) & {f.path for f in todo}
    return todo, unchanged, cleanup


def ingest(raw_dir: Path, lake_dir: Lake, *, ctx: Context, run_id: str) -> Summary:
    """Ingest every new or changed raw file; a run over unchanged raw data changes nothing."""
    todo, unchanged, cleanup = prepare(raw_dir, lake_dir)
    parsed_files = []
    for raw in todo:
        parsed_files.append(parse_file(raw, raw.location.read_bytes(), ctx=ctx))
    summary = (write_results(lake_dir, parsed_files, cleanup=cleanup, run_id=run_id, now=ctx.now)
               if parsed_files else Summary(run_id))
    summary.files_seen = len(todo) + len(unchanged)
    summary.files_unchanged = len(unchanged)
    log.info("run=%s %s", run_id, summary.line())
    return summary
