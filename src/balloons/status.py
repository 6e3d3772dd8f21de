"""Run status: what the last pipeline run did, and what the data holds now.

The last run's outcome lives in `<data dir>/status.json`, written atomically at the start and end of
every nightly run; the rest is read from the lake and the warehouse.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from balloons import lake
from balloons.lake import Lake
from balloons.redact import redact
from balloons.schema import RECORD_TABLES, TABLES
from balloons.storage import as_store

STATUS_FILE = "status.json"


def write_run_status(data_dir: Path, **fields: Any) -> None:
    """Record the current run's state (merged into the previous record)."""
    path = data_dir / STATUS_FILE
    record = read_run_status(data_dir)
    record.update({k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in fields.items()})
    data_dir.mkdir(parents=True, exist_ok=True)
    temporary = data_dir / f".{STATUS_FILE}.{uuid.uuid4().hex[:8]}"
    temporary.write_text(json.dumps(redact(record), indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def read_run_status(data_dir: Path) -> dict[str, Any]:
    path = data_dir / STATUS_FILE
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def lake_status(lake_dir: Lake) -> dict[str, Any]:
    """Rows and newest data instant per lake table, quarantine count, files ingested."""
    tables: dict[str, Any] = {}
    for table in RECORD_TABLES:
        spec = TABLES[table]
        rows, newest = 0, None
        store = as_store(lake_dir)
        for path in lake.partition_files(store, table):
            meta = store.parquet_metadata(path)
            rows += meta.num_rows
            column = spec.schema.get_field_index(spec.time_column)
            for group in range(meta.num_row_groups):
                stats = meta.row_group(group).column(column).statistics
                if stats is not None and stats.has_min_max and (newest is None or stats.max > newest):
                    newest = stats.max
        tables[table] = {"rows": rows, "newest": newest.isoformat() if newest else None}
    log_table = lake.read_ingest_log(lake_dir)
    return {
        "tables": tables,
        "quarantined": lake.read_quarantine(lake_dir).num_rows,
        "files_ingested": len(set(log_table.column("path").to_pylist())),
        "ingest_runs": len(set(log_table.column("run_id").to_pylist())),
    }
