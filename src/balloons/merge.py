"""Merge one table's parsed files into its lake partitions: resolve duplicates and updates within
the run and against the lake, then rewrite only the months that change.

Rows are resolved in (file path, line) order: a later record with the same key wins, and one
with the same content as the current winner is a duplicate. A NOTAMR or NOTAMC withdraws the
closures of the NOTAM it names. Tables whose key fixes the month (flights, closures) and that see
no NOTAM operations in the run are resolved month by month in DuckDB, holding one month at a time;
the others (incursions, whose key may move between months, and NOTAM runs, which are small) go
through the row-by-row `resolve`. Both apply the same rule; `tests/test_merge.py` checks that.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from balloons import lake
from balloons.lake import Lake
from balloons.parse import Parsed
from balloons.schema import RUN_COLUMNS, TABLES, staged
from balloons.storage import Store, as_store

log = logging.getLogger(__name__)

Row = dict[str, Any]
STATUSES = ("landed", "duplicate", "superseded")


@dataclass
class Counts:
    read: int = 0
    landed: int = 0
    quarantined: int = 0
    duplicate: int = 0
    superseded: int = 0
    skipped: int = 0

    def add(self, status: str, n: int = 1) -> None:
        setattr(self, status, getattr(self, status) + n)


@dataclass
class Merged:
    """What merging one table did: partitions rewritten, and each file's record accounting."""

    partitions: list[str]
    counts: dict[str, Counts]


def base_counts(parsed: Parsed) -> Counts:
    return Counts(read=parsed.read, quarantined=len(parsed.quarantine), skipped=parsed.skipped)


def message_statuses(rows: list[Row]) -> list[str]:
    """One status per message (rows sharing a source line: a NOTAM's windows): landed when any of
    its rows landed, else superseded when any was, else duplicate."""
    by_line: dict[object, set[str]] = {}
    for row in rows:
        by_line.setdefault(row["source_line"], set()).add(row["_status"])
    return [next(s for s in ("landed", "superseded", "duplicate") if s in found) for found in by_line.values()]


def resolve(rows_by_file: list[tuple[str, list[Row]]], table: str) -> tuple[dict[str, Row], set[str]]:
    """Resolve one run's rows in (path, line) order: later wins, equal content is a duplicate.

    Sets `_status` on every row (landed, duplicate, superseded); returns the winners by id and
    the NOTAM ids withdrawn by NOTAMR/NOTAMC records.
    """
    id_column = TABLES[table].id_column
    winners: dict[str, Row] = {}
    withdrawn: set[str] = set()
    for _, rows in sorted(rows_by_file, key=lambda item: item[0]):
        for row in sorted(rows, key=lambda r: r["source_line"] or 0):
            if row["_op"] in ("R", "C"):
                withdrawn.add(row["_ref"])
                for key in [k for k, w in winners.items() if w.get("notam_id") == row["_ref"]]:
                    winners.pop(key)["_status"] = "superseded"
            row["_status"] = "landed"
            if row["_op"] == "C":
                continue
            if row.get("notam_id") is not None and row["notam_id"] in withdrawn:
                row["_status"] = "superseded"  # its replacement or cancellation came first
                continue
            previous = winners.get(row[id_column])
            if previous is not None:
                if previous["content_hash"] == row["content_hash"]:
                    row["_status"] = "duplicate"
                    continue
                previous["_status"] = "superseded"
            winners[row[id_column]] = row
    return winners, withdrawn


def merge_table(lake_dir: Lake, table: str, parsed_files: list[Parsed], *, cleanup: set[str],
                run_id: str, now: datetime) -> Merged:
    """Apply one table's parsed files to the lake (its partitions only: tables merge independently)."""
    store = as_store(lake_dir)
    if TABLES[table].key_fixes_month and not any(p.ops or p.windows for p in parsed_files):
        return _merge_by_month(store, table, parsed_files, cleanup=cleanup, run_id=run_id, now=now)
    return _merge_whole(store, table, parsed_files, cleanup=cleanup, run_id=run_id, now=now)


def _with_run(rows: pa.Table, table: str, run_id: str, now: datetime) -> pa.Table:
    """Staged rows as lake rows: drop the staging columns, add the run's lineage."""
    names = [n for n in TABLES[table].schema.names if n not in RUN_COLUMNS]
    out = rows.select(names)
    n = out.num_rows
    out = out.append_column("run_id", pa.repeat(pa.scalar(run_id, pa.string()), n))
    return out.append_column("ingested_at", pa.repeat(pa.scalar(now, pa.timestamp("us", tz="UTC")), n))


def _rewrite(store: Store, table: str, month: str, drop_ids: pa.Array, cleanup: set[str],
             fresh: pa.Table) -> None:
    current = lake.read_partition(store, table, month)
    if current.num_rows:
        id_column = TABLES[table].id_column
        gone = pc.or_(pc.is_in(current.column(id_column), drop_ids),
                      pc.is_in(current.column("source_file"), pa.array(sorted(cleanup), pa.string())))
        current = current.filter(pc.invert(gone))
    lake.write_partition(store, table, month, pa.concat_tables([current, fresh.cast(current.schema)]))


def _cleanup_months(store: Store, table: str, cleanup: set[str]) -> set[str]:
    """Months holding rows of files whose earlier contributions are taken back."""
    if not cleanup:
        return set()
    held = lake.read_months(store, table, lake.months(store, table), ["source_file"])
    hit = pc.is_in(held.column("source_file"), pa.array(sorted(cleanup), pa.string()))
    return set(held.column("month").filter(hit).to_pylist())


def _resolve_sql() -> str:
    return resources.files("balloons").joinpath("sql", "ingest", "resolve_month.sql").read_text("utf-8")


def _merge_by_month(store: Store, table: str, parsed_files: list[Parsed], *, cleanup: set[str], run_id: str,
                    now: datetime) -> Merged:
    spec = TABLES[table]
    files = sorted(parsed_files, key=lambda p: p.file.path)
    counts = {p.file.path: base_counts(p) for p in files}
    months = set().union(*(p.months() for p in files)) | _cleanup_months(store, table, cleanup)
    sql = _resolve_sql().replace("{id}", spec.id_column)  # our own column name, never input
    written = []
    con = duckdb.connect(config={"enable_external_access": False})
    try:
        for month in sorted(months):
            parts = []
            for rank, parsed in enumerate(files):
                rows = parsed.month_rows(store, month)
                parts.append(rows.append_column("_file", pa.repeat(pa.scalar(rank, pa.int32()), rows.num_rows)))
            new = pa.concat_tables(parts) if parts else staged(table).empty_table()
            new = new.append_column("_row", pa.array(np.arange(new.num_rows, dtype=np.int64)))
            old = lake.read_partition(store, table, month, [spec.id_column, "content_hash", "source_file"])
            con.register("new", new)
            con.register("old", old)
            resolved = con.execute(sql, {"cleanup": sorted(cleanup)}).to_arrow_table()
            tally = resolved.group_by(["_file", "_status"]).aggregate([([], "count_all")])
            for rank, state, n in zip(*(tally.column(c).to_pylist() for c in ("_file", "_status", "count_all")),
                                      strict=True):
                counts[files[rank].file.path].add(state, n)
            landed = new.take(resolved.column("_row").filter(pc.equal(resolved.column("_status"), "landed")))
            held_cleanup = pc.any(pc.is_in(old.column("source_file"),
                                           pa.array(sorted(cleanup), pa.string()))).as_py()
            if landed.num_rows == 0 and not held_cleanup:
                continue
            _rewrite(store, table, month, landed.column(spec.id_column), cleanup,
                     _with_run(landed, table, run_id, now))
            written.append(f"{table}/month={month}")
    finally:
        con.close()
    return Merged(written, counts)


def _merge_whole(store: Store, table: str, parsed_files: list[Parsed], *, cleanup: set[str], run_id: str,
                 now: datetime) -> Merged:
    spec = TABLES[table]
    rows_by_file = [(p.file.path, p.month_rows(store, None).to_pylist()) for p in parsed_files]
    winners, withdrawn = resolve(rows_by_file, table)
    scan_all = not spec.key_fixes_month or bool(withdrawn) or bool(cleanup)
    looked = lake.months(store, table) if scan_all else sorted({row["month"] for row in winners.values()})
    columns = [spec.id_column, "content_hash", "source_file"] + (["notam_id"] if table == "closures" else [])
    existing = lake.read_months(store, table, looked, columns)
    affected: set[str] = set()
    drop_ids: set[str] = set()
    known: dict[str, tuple[str, str]] = {}
    for held in existing.to_pylist():
        if held["source_file"] in cleanup or (held.get("notam_id") is not None and held["notam_id"] in withdrawn):
            affected.add(held["month"])
            drop_ids.add(held[spec.id_column])
            continue
        known[held[spec.id_column]] = (held["content_hash"], held["month"])
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
    schema = staged(table)
    written = []
    for month in sorted(affected):
        fresh = pa.Table.from_pylist([row for row in landed if row["month"] == month], schema=schema)
        _rewrite(store, table, month, pa.array(sorted(drop_ids), pa.string()), set(),
                 _with_run(fresh, table, run_id, now))
        written.append(f"{table}/month={month}")
    counts = {}
    for parsed, (_, rows) in zip(parsed_files, rows_by_file, strict=True):
        counts[parsed.file.path] = base_counts(parsed)
        for status in message_statuses(rows):
            counts[parsed.file.path].add(status)
    return Merged(written, counts)
