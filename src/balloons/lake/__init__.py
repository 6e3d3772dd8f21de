"""The Parquet lake: hive-partitioned tables, written atomically, on a local folder or S3.

Layout under the lake root (a folder, or s3://bucket/prefix; see `storage.py`):
    <table>/month=YYYY-MM/data.parquet     incursions, closures, flights (one file a partition)
    quarantine/data.parquet                every quarantined record, with its reason
    ingest_log/<run_id>.parquet            one file per ingest run
    contributions/<table>/month=YYYY-MM/data.parquet
                                           every record each raw file delivers (the current
                                           tables are derived from these; `month=none` holds
                                           NOTAMC rows, which have no time)
    deliveries/data.parquet                the raw files that deliver now, with digest and stat
    format.json                            the lake's format version (FORMAT_VERSION)
    _pending.json                          the run being written (present only mid-run)
    _undo/<run_id>/                        the versions a run replaced, until it commits
    _work/<run_id>/                        parsed rows a run spilled before merging (only mid-run)
Readers see the old file or the new one, never a partial one (see `Store.write_parquet`). A run
is all or nothing: before it first replaces a file it keeps the old version under `_undo/`; it
commits by writing its ingest log and then a `COMMITTED` mark; `recover` puts back every kept
version of a run that did not commit. Paths are built from our own table names and validated
months only; raw file names never become paths. Every function takes the run's `Store` (built
once, at the edge: `storage.lake_store(settings)` or `storage.local(path)`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs

from balloons.errors import LakeError
from balloons.lake.storage import Store
from balloons.schema import DELIVERIES, INGEST_LOG, QUARANTINE, TABLES, conform, contribution

log = logging.getLogger(__name__)

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_RUN_ID = re.compile(r"^[0-9A-Za-z_-]+$")
PENDING = "_pending.json"
WORK = "_work"
UNDO = "_undo"
COMMITTED = "COMMITTED"
CONTRIBUTIONS = "contributions"
NO_MONTH = "none"
FORMAT = "format.json"
FORMAT_VERSION = 2
"""The lake's format: 2 since ids and content hashes are sha1 over the unit-separated canonical
form (docs/ingest.md). A lake of another version is rebuilt from raw/ by the next run."""


def _check_month(month: str) -> str:
    if not _MONTH.match(month):
        raise LakeError(f"{month!r} is not a month in the form YYYY-MM.")
    return month


def partition_path(store: Store, table: str, month: str) -> str:
    if table not in TABLES:
        raise LakeError(f"{table!r} is not a lake table; use one of {', '.join(TABLES)}.")
    return store.path(table, f"month={_check_month(month)}", "data.parquet")


def months(store: Store, table: str) -> list[str]:
    """The months that have a partition file, sorted."""
    found = []
    for info in store.files(store.path(table)):
        parent, _, name = info.path.rpartition("/")
        folder = parent.rpartition("/")[2]
        if name == "data.parquet" and folder.startswith("month=") and _MONTH.match(folder[6:]):
            found.append(folder[6:])
    return sorted(found)


def partition_files(store: Store, table: str) -> list[str]:
    return [partition_path(store, table, m) for m in months(store, table)]


def write_partition(store: Store, table: str, month: str, rows: pa.Table, *, undo: str | None = None) -> bool:
    """Replace one partition with `rows` (sorted by time then id); no rows removes it. Returns
    False, writing nothing, when the partition already holds exactly these rows. With `undo` (a
    run id) the old version is kept until that run commits."""
    spec = TABLES[table]
    target = partition_path(store, table, month)
    exists = store.is_file(target)
    if rows.num_rows == 0:
        if not exists:
            return False
        keep(store, undo, target)
        store.delete(target)
        log.info("table=%s month=%s rows=0 removed partition", table, month)
        return True
    ordered = conform(rows, spec.schema, what=table).sort_by(
        [(spec.time_column, "ascending"), (spec.id_column, "ascending")]
    )
    if exists and store.read_parquet(target, columns=None, schema=spec.schema).equals(ordered):
        return False
    keep(store, undo, target)
    store.write_parquet(ordered, target, unique=hash_columns(table))
    log.info("table=%s month=%s rows=%d path=%s", table, month, ordered.num_rows, store.url_of(target))
    return True


def read_partition(store: Store, table: str, month: str, columns: Sequence[str] | None = None) -> pa.Table:
    """One partition (empty with the right schema when it does not exist)."""
    spec = TABLES[table]
    path = partition_path(store, table, month)
    if not store.is_file(path):
        empty = spec.schema.empty_table()
        return empty.select(list(columns)) if columns else empty
    return store.read_parquet(path, columns=columns, schema=spec.schema)


def read_months(store: Store, table: str, wanted: Iterable[str], columns: Sequence[str]) -> pa.Table:
    """Selected columns of several partitions, with a `month` column added."""
    parts = []
    for month in sorted(set(wanted)):
        part = read_partition(store, table, month, columns)
        parts.append(part.append_column("month", pa.array([month] * part.num_rows, pa.string())))
    if not parts:
        empty = TABLES[table].schema.empty_table().select(list(columns))
        return empty.append_column("month", pa.array([], pa.string()))
    return pa.concat_tables(parts)


def read_quarantine(store: Store) -> pa.Table:
    path = store.path("quarantine", "data.parquet")
    if not store.is_file(path):
        return QUARANTINE.empty_table()
    return store.read_parquet(path, columns=None, schema=QUARANTINE)


def write_quarantine(store: Store, rows: pa.Table, *, undo: str | None = None) -> None:
    ordered = conform(rows, QUARANTINE, what="quarantine").sort_by(
        [("source_file", "ascending"), ("source_line", "ascending"), ("reason", "ascending")]
    )
    target = store.path("quarantine", "data.parquet")
    keep(store, undo, target)
    store.write_parquet(ordered, target)


def ingest_log_files(store: Store) -> list[str]:
    return [i.path for i in store.files(store.path("ingest_log")) if i.path.endswith(".parquet")]


def read_ingest_log(store: Store) -> pa.Table:
    files = ingest_log_files(store)
    if not files:
        return INGEST_LOG.empty_table()
    return pa.concat_tables(store.read_parquet(path, columns=None, schema=INGEST_LOG) for path in files)


def write_ingest_log(store: Store, run_id: str, rows: pa.Table) -> None:
    if not _RUN_ID.match(run_id):
        raise LakeError(f"{run_id!r} is not a valid run id.")
    ordered = conform(rows, INGEST_LOG, what="ingest_log").sort_by([("path", "ascending")])
    target = store.path("ingest_log", f"{run_id}.parquet")
    keep(store, run_id, target)
    store.write_parquet(ordered, target)


def read_pending(store: Store) -> list[str]:
    """Raw paths a run that has not finished was writing."""
    text = store.read_text(store.path(PENDING))
    if not text:
        return []
    value = json.loads(text)
    return list(value["paths"]) if isinstance(value, dict) else list(value)


def write_pending(store: Store, paths: Sequence[str], run_id: str = "") -> None:
    store.write_text(store.path(PENDING), json.dumps({"run_id": run_id, "paths": sorted(paths)}, ensure_ascii=False))


def clear_pending(store: Store) -> None:
    if store.is_file(store.path(PENDING)):
        store.fs.delete_file(store.path(PENDING))


# --- all or nothing: keep what a run replaces until it commits -----------------------------------


def _undo_folder(store: Store, run_id: str) -> str:
    if not _RUN_ID.match(run_id):
        raise LakeError(f"{run_id!r} is not a valid run id.")
    return store.path(UNDO, run_id)


def keep(store: Store, run_id: str | None, target: str) -> None:
    """Before `run_id` first replaces or creates `target`: note it, keeping the old version if any."""
    if run_id is None:
        return
    relative = target[len(store.root) + 1 :]
    name = hashlib.sha1(relative.encode("utf-8")).hexdigest()[:24]
    folder = _undo_folder(store, run_id)
    entry = f"{folder}/{name}.json"
    if store.is_file(entry):
        return  # the first version this run saw is the one to put back
    saved = None
    if store.is_file(target):
        saved = f"{name}.kept"
        store.keep_copy(target, f"{folder}/{saved}")
    if store.local:
        Path(folder).mkdir(parents=True, exist_ok=True)
    store.write_text(entry, json.dumps({"target": relative, "kept": saved}))


def commit(store: Store, run_id: str) -> None:
    """Mark a run done (its ingest log is written), then drop what it kept and its journal."""
    folder = _undo_folder(store, run_id)
    if store.local:
        Path(folder).mkdir(parents=True, exist_ok=True)
    store.write_text(f"{folder}/{COMMITTED}", run_id)
    clear_pending(store)
    store.delete_tree(folder)


def recover(store: Store) -> list[str]:
    """Undo every run that started and did not commit, putting back each file it replaced and
    removing each file it created; returns those runs. Safe to repeat if interrupted itself."""
    undone = []
    runs = sorted({i.path[len(store.path(UNDO)) + 1 :].split("/")[0] for i in store.files(store.path(UNDO))})
    for run_id in runs:
        folder = store.path(UNDO, run_id)
        if not store.is_file(f"{folder}/{COMMITTED}"):
            for info in store.files(folder):
                if not info.path.endswith(".json"):
                    continue
                text = store.read_text(info.path)
                if not text:
                    continue
                entry = json.loads(text)
                target = store.path(entry["target"])
                if entry["kept"]:
                    store.restore(f"{folder}/{entry['kept']}", target)
                else:
                    store.delete(target)
            undone.append(run_id)
            log.warning("run=%s had not committed: its changes to the lake are undone", run_id)
        store.delete_tree(folder)
    clear_pending(store)
    return undone


# --- contributions and deliveries: who delivers what ----------------------------------------------


def contribution_path(store: Store, table: str, month: str) -> str:
    if table not in TABLES:
        raise LakeError(f"{table!r} is not a lake table; use one of {', '.join(TABLES)}.")
    folder = month if month == NO_MONTH else _check_month(month)
    return store.path(CONTRIBUTIONS, table, f"month={folder}", "data.parquet")


def contribution_months(store: Store, table: str) -> list[str]:
    """Months (and `none`) holding contributions of `table`, sorted."""
    found = []
    for info in store.files(store.path(CONTRIBUTIONS, table)):
        parent, _, name = info.path.rpartition("/")
        folder = parent.rpartition("/")[2]
        if (
            name == "data.parquet"
            and folder.startswith("month=")
            and (folder[6:] == NO_MONTH or _MONTH.match(folder[6:]))
        ):
            found.append(folder[6:])
    return sorted(found)


def read_contributions(
    store: Store, table: str, wanted: Iterable[str], columns: Sequence[str] | None = None
) -> pa.Table:
    """Contributions of several months, with their `month` (null for `none`)."""
    schema = contribution(table)
    parts = []
    for month in sorted(set(wanted)):
        path = contribution_path(store, table, month)
        part = (
            store.read_parquet(path, columns=columns, schema=schema)
            if store.is_file(path)
            else schema.empty_table().select(list(columns or schema.names))
        )
        value = None if month == NO_MONTH else month
        parts.append(part.append_column("month", pa.array([value] * part.num_rows, pa.string())))
    if not parts:
        empty = schema.empty_table().select(list(columns or schema.names))
        return empty.append_column("month", pa.array([], pa.string()))
    return pa.concat_tables(parts)


def write_contributions(store: Store, table: str, month: str, rows: pa.Table, *, undo: str | None) -> None:
    """Replace one month's contributions (sorted by file, line and id, so the file does not depend on
    the order rows came in); no rows removes the file."""
    target = contribution_path(store, table, month)
    keep(store, undo, target)
    if rows.num_rows == 0:
        store.delete(target)
        return
    ordered = conform(rows.select(contribution(table).names), contribution(table), what=f"{table} contributions")
    keys = [("source_file", "ascending"), ("source_line", "ascending"), (TABLES[table].id_column, "ascending")]
    store.write_parquet(ordered.sort_by(keys), target, unique=hash_columns(table))


def hash_columns(table: str) -> tuple[str, str]:
    """A table's columns of hashes: its id and the content hash."""
    return (TABLES[table].id_column, "content_hash")


def read_deliveries(store: Store) -> pa.Table:
    path = store.path("deliveries", "data.parquet")
    if not store.is_file(path):
        return DELIVERIES.empty_table()
    return store.read_parquet(path, columns=None, schema=DELIVERIES)


def write_deliveries(store: Store, rows: pa.Table, *, undo: str | None) -> None:
    target = store.path("deliveries", "data.parquet")
    keep(store, undo, target)
    store.write_parquet(conform(rows, DELIVERIES, what="deliveries").sort_by([("path", "ascending")]), target)


def next_delivery(store: Store) -> int:
    """The delivery rank of the next run: one more than any so far."""
    deliveries = read_deliveries(store).column("delivery").to_pylist()
    return max(deliveries, default=0) + 1


def clean_staging(store: Store) -> int:
    """Remove leftovers of a crashed run; returns how many."""
    return store.clean_staging()


def work_folder(run_id: str) -> str:
    """Where a run spills parsed rows (relative to the lake root)."""
    if not _RUN_ID.match(run_id):
        raise LakeError(f"{run_id!r} is not a valid run id.")
    return f"{WORK}/{run_id}"


def clear_work(store: Store, run_id: str | None = None) -> None:
    """Remove one run's spilled rows, or every run's (leftovers of interrupted runs) for None."""
    store.delete_tree(store.path(work_folder(run_id)) if run_id else store.path(WORK))
    if store.local:
        with contextlib.suppress(OSError):  # the folder goes once no run's spill is left in it
            Path(store.path(WORK)).rmdir()


def check_format(store: Store) -> bool:
    """Make the lake one of FORMAT_VERSION: a lake written in another format (or before formats
    were recorded) is emptied, so the run rebuilds it from raw/ (the lake is derived state).
    Returns True when it was emptied."""
    text = store.read_text(store.path(FORMAT))
    try:
        version = json.loads(text).get("version") if text else None
    except (ValueError, AttributeError):
        version = None  # unreadable: rebuilt like a lake of no recorded format
    if version == FORMAT_VERSION:
        return False
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise LakeError(
            f"The lake at {store.url} is in format {version}, written by a newer balloons than this one "
            f"(format {FORMAT_VERSION}); upgrade balloons, or point BALLOONS_LAKE_URL at another lake."
        )
    held = [info for info in store.entries(store.root) if info.base_name != FORMAT]
    if held:
        log.warning(
            "the lake is in format %s, this balloons writes format %s: rebuilding it from raw/ (once)",
            version if version is not None else "1 (unversioned)",
            FORMAT_VERSION,
        )
        for info in held:
            store.delete_tree(info.path) if info.type == pafs.FileType.Directory else store.fs.delete_file(info.path)
    store.write_text(store.path(FORMAT), json.dumps({"version": FORMAT_VERSION}) + "\n")
    return bool(held)
