"""The Parquet lake on disk: hive-partitioned tables written atomically.

Layout under the lake directory:
    <table>/month=YYYY-MM/data.parquet     incursions, closures, flights (one file a partition)
    quarantine/data.parquet                every quarantined record, with its reason
    ingest_log/<run_id>.parquet            one file per ingest run
    _pending.json                          the files a run is writing (present only mid-run)
Every file is written beside the lake in `.staging/` and moved into place with os.replace, so a
reader sees the old file or the new one, never a partial one. Paths are built from our own table
names and months only; raw file names are never used as paths here.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from balloons.errors import LakeError
from balloons.schema import INGEST_LOG, QUARANTINE, TABLES, conform

log = logging.getLogger(__name__)

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_RUN_ID = re.compile(r"^[0-9A-Za-z_-]+$")
STAGING = ".staging"
PENDING = "_pending.json"


def _check_month(month: str) -> str:
    if not _MONTH.match(month):
        raise LakeError(f"{month!r} is not a month in the form YYYY-MM.")
    return month


def partition_path(lake_dir: Path, table: str, month: str) -> Path:
    if table not in TABLES:
        raise LakeError(f"{table!r} is not a lake table; use one of {', '.join(TABLES)}.")
    return lake_dir / table / f"month={_check_month(month)}" / "data.parquet"


def months(lake_dir: Path, table: str) -> list[str]:
    """The months that have a partition file, sorted."""
    found = []
    folder = lake_dir / table
    if folder.is_dir():
        for child in folder.iterdir():
            if child.name.startswith("month=") and (child / "data.parquet").is_file():
                found.append(child.name.removeprefix("month="))
    return sorted(found)


def write_atomic(table: pa.Table, target: Path, lake_dir: Path) -> None:
    """Write Parquet to `target` so readers never see a partial file."""
    staging = lake_dir / STAGING
    staging.mkdir(parents=True, exist_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = staging / f"{uuid.uuid4().hex}.parquet"
    try:
        pq.write_table(table, temporary, compression="zstd", row_group_size=1_000_000)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def write_partition(lake_dir: Path, table: str, month: str, rows: pa.Table) -> None:
    """Replace one partition with `rows` (sorted by time then id); no rows removes it."""
    spec = TABLES[table]
    target = partition_path(lake_dir, table, month)
    if rows.num_rows == 0:
        target.unlink(missing_ok=True)
        try:
            target.parent.rmdir()
        except OSError:
            pass
        log.info("table=%s month=%s rows=0 removed partition", table, month)
        return
    ordered = conform(rows, spec.schema, what=table).sort_by(
        [(spec.time_column, "ascending"), (spec.id_column, "ascending")]
    )
    write_atomic(ordered, target, lake_dir)
    log.info("table=%s month=%s rows=%d path=%s", table, month, ordered.num_rows, target)


def read_partition(lake_dir: Path, table: str, month: str, columns: Sequence[str] | None = None) -> pa.Table:
    """One partition (empty with the right schema when it does not exist)."""
    spec = TABLES[table]
    path = partition_path(lake_dir, table, month)
    if not path.is_file():
        empty = spec.schema.empty_table()
        return empty.select(list(columns)) if columns else empty
    try:
        return pq.read_table(path, columns=list(columns) if columns else None, schema=spec.schema)
    except (OSError, pa.ArrowException) as exc:
        raise LakeError(f"Cannot read {path}: {exc}. Rebuild the lake with 'balloons ingest --rebuild'.") from exc


def read_months(lake_dir: Path, table: str, wanted: Iterable[str], columns: Sequence[str]) -> pa.Table:
    """Selected columns of several partitions, with a `month` column added."""
    parts = []
    for month in sorted(set(wanted)):
        part = read_partition(lake_dir, table, month, columns)
        parts.append(part.append_column("month", pa.array([month] * part.num_rows, pa.string())))
    if not parts:
        empty = TABLES[table].schema.empty_table().select(list(columns))
        return empty.append_column("month", pa.array([], pa.string()))
    return pa.concat_tables(parts)


def read_quarantine(lake_dir: Path) -> pa.Table:
    path = lake_dir / "quarantine" / "data.parquet"
    return pq.read_table(path, schema=QUARANTINE) if path.is_file() else QUARANTINE.empty_table()


def write_quarantine(lake_dir: Path, rows: pa.Table) -> None:
    ordered = conform(rows, QUARANTINE, what="quarantine").sort_by(
        [("source_file", "ascending"), ("source_line", "ascending"), ("reason", "ascending")]
    )
    write_atomic(ordered, lake_dir / "quarantine" / "data.parquet", lake_dir)


def read_ingest_log(lake_dir: Path) -> pa.Table:
    folder = lake_dir / "ingest_log"
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        return INGEST_LOG.empty_table()
    return pa.concat_tables(pq.read_table(path, schema=INGEST_LOG) for path in files)


def write_ingest_log(lake_dir: Path, run_id: str, rows: pa.Table) -> None:
    if not _RUN_ID.match(run_id):
        raise LakeError(f"{run_id!r} is not a valid run id.")
    ordered = conform(rows, INGEST_LOG, what="ingest_log").sort_by([("path", "ascending")])
    write_atomic(ordered, lake_dir / "ingest_log" / f"{run_id}.parquet", lake_dir)


def read_pending(lake_dir: Path) -> list[str]:
    """Raw paths a crashed run was writing; their old contributions must be cleaned up."""
    path = lake_dir / PENDING
    if not path.is_file():
        return []
    return list(json.loads(path.read_text(encoding="utf-8")))


def write_pending(lake_dir: Path, paths: Sequence[str]) -> None:
    lake_dir.mkdir(parents=True, exist_ok=True)
    staging = lake_dir / STAGING
    staging.mkdir(exist_ok=True)
    temporary = staging / f"{uuid.uuid4().hex}.json"
    temporary.write_text(json.dumps(sorted(paths), ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, lake_dir / PENDING)


def clear_pending(lake_dir: Path) -> None:
    (lake_dir / PENDING).unlink(missing_ok=True)


def clean_staging(lake_dir: Path) -> int:
    """Remove leftovers of a crashed run from `.staging/`; returns how many."""
    staging = lake_dir / STAGING
    removed = 0
    if staging.is_dir():
        for leftover in staging.iterdir():
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed
