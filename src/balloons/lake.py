"""The Parquet lake: hive-partitioned tables, written atomically, on a local folder or S3.

Layout under the lake root (a folder, or s3://bucket/prefix; see `storage.py`):
    <table>/month=YYYY-MM/data.parquet     incursions, closures, flights (one file a partition)
    quarantine/data.parquet                every quarantined record, with its reason
    ingest_log/<run_id>.parquet            one file per ingest run
    _pending.json                          the raw files a run is writing (present only mid-run)
    _work/<run_id>/                        parsed rows a run spilled before merging (only mid-run)
Readers see the old file or the new one, never a partial one (see `Store.write_parquet`). Paths
are built from our own table names and validated months only; raw file names never become paths.
Every function takes a `Store`, or a local `Path` for convenience.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa

from balloons.errors import LakeError
from balloons.schema import INGEST_LOG, QUARANTINE, TABLES, conform
from balloons.storage import Store, as_store

log = logging.getLogger(__name__)

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_RUN_ID = re.compile(r"^[0-9A-Za-z_-]+$")
PENDING = "_pending.json"
WORK = "_work"
Lake = Store | Path


def _check_month(month: str) -> str:
    if not _MONTH.match(month):
        raise LakeError(f"{month!r} is not a month in the form YYYY-MM.")
    return month


def partition_path(lake: Lake, table: str, month: str) -> str:
    if table not in TABLES:
        raise LakeError(f"{table!r} is not a lake table; use one of {', '.join(TABLES)}.")
    return as_store(lake).path(table, f"month={_check_month(month)}", "data.parquet")


def months(lake: Lake, table: str) -> list[str]:
    """The months that have a partition file, sorted."""
    store = as_store(lake)
    found = []
    for info in store.files(store.path(table)):
        parent, _, name = info.path.rpartition("/")
        folder = parent.rpartition("/")[2]
        if name == "data.parquet" and folder.startswith("month=") and _MONTH.match(folder[6:]):
            found.append(folder[6:])
    return sorted(found)


def partition_files(lake: Lake, table: str) -> list[str]:
    return [partition_path(lake, table, m) for m in months(lake, table)]


def write_partition(lake: Lake, table: str, month: str, rows: pa.Table) -> None:
    """Replace one partition with `rows` (sorted by time then id); no rows removes it."""
    store = as_store(lake)
    spec = TABLES[table]
    target = partition_path(store, table, month)
    if rows.num_rows == 0:
        store.delete(target)
        log.info("table=%s month=%s rows=0 removed partition", table, month)
        return
    ordered = conform(rows, spec.schema, what=table).sort_by(
        [(spec.time_column, "ascending"), (spec.id_column, "ascending")]
    )
    store.write_parquet(ordered, target)
    log.info("table=%s month=%s rows=%d path=%s", table, month, ordered.num_rows, store.url_of(target))


def read_partition(lake: Lake, table: str, month: str, columns: Sequence[str] | None = None) -> pa.Table:
    """One partition (empty with the right schema when it does not exist)."""
    store = as_store(lake)
    spec = TABLES[table]
    path = partition_path(store, table, month)
    if not store.is_file(path):
        empty = spec.schema.empty_table()
        return empty.select(list(columns)) if columns else empty
    return store.read_parquet(path, columns=columns, schema=spec.schema)


def read_months(lake: Lake, table: str, wanted: Iterable[str], columns: Sequence[str]) -> pa.Table:
    """Selected columns of several partitions, with a `month` column added."""
    parts = []
    for month in sorted(set(wanted)):
        part = read_partition(lake, table, month, columns)
        parts.append(part.append_column("month", pa.array([month] * part.num_rows, pa.string())))
    if not parts:
        empty = TABLES[table].schema.empty_table().select(list(columns))
        return empty.append_column("month", pa.array([], pa.string()))
    return pa.concat_tables(parts)


def read_quarantine(lake: Lake) -> pa.Table:
    store = as_store(lake)
    path = store.path("quarantine", "data.parquet")
    if not store.is_file(path):
        return QUARANTINE.empty_table()
    return store.read_parquet(path, columns=None, schema=QUARANTINE)


def write_quarantine(lake: Lake, rows: pa.Table) -> None:
    store = as_store(lake)
    ordered = conform(rows, QUARANTINE, what="quarantine").sort_by(
        [("source_file", "ascending"), ("source_line", "ascending"), ("reason", "ascending")]
    )
    store.write_parquet(ordered, store.path("quarantine", "data.parquet"))


def ingest_log_files(lake: Lake) -> list[str]:
    store = as_store(lake)
    return [i.path for i in store.files(store.path("ingest_log")) if i.path.endswith(".parquet")]


def read_ingest_log(lake: Lake) -> pa.Table:
    store = as_store(lake)
    files = ingest_log_files(store)
    if not files:
        return INGEST_LOG.empty_table()
    return pa.concat_tables(store.read_parquet(path, columns=None, schema=INGEST_LOG) for path in files)


def write_ingest_log(lake: Lake, run_id: str, rows: pa.Table) -> None:
    if not _RUN_ID.match(run_id):
        raise LakeError(f"{run_id!r} is not a valid run id.")
    store = as_store(lake)
    ordered = conform(rows, INGEST_LOG, what="ingest_log").sort_by([("path", "ascending")])
    store.write_parquet(ordered, store.path("ingest_log", f"{run_id}.parquet"))


def read_pending(lake: Lake) -> list[str]:
    """Raw paths a crashed run was writing; their old contributions must be cleaned up."""
    text = as_store(lake).read_text(as_store(lake).path(PENDING))
    return list(json.loads(text)) if text else []


def write_pending(lake: Lake, paths: Sequence[str]) -> None:
    store = as_store(lake)
    store.write_text(store.path(PENDING), json.dumps(sorted(paths), ensure_ascii=False))


def clear_pending(lake: Lake) -> None:
    store = as_store(lake)
    if store.is_file(store.path(PENDING)):
        store.fs.delete_file(store.path(PENDING))


def clean_staging(lake: Lake) -> int:
    """Remove leftovers of a crashed run; returns how many."""
    return as_store(lake).clean_staging()


def work_folder(run_id: str) -> str:
    """Where a run spills parsed rows (relative to the lake root)."""
    if not _RUN_ID.match(run_id):
        raise LakeError(f"{run_id!r} is not a valid run id.")
    return f"{WORK}/{run_id}"


def clear_work(lake: Lake, run_id: str | None = None) -> None:
    """Remove one run's spilled rows, or every run's (leftovers of interrupted runs) for None."""
    store = as_store(lake)
    store.delete_tree(store.path(work_folder(run_id)) if run_id else store.path(WORK))
    if store.local:
        with contextlib.suppress(OSError):  # the folder goes once no run's spill is left in it
            Path(store.path(WORK)).rmdir()
