"""Run status: what the last pipeline run did, and what the data holds now.

The last run's outcome lives in `<data dir>/status.json`. A run replaces the record when it starts
(`running`, with its run id and pid) and ends it `completed` or `failed` (with the reason). A run
whose process died leaves `running` behind; `reconcile` turns that into `crashed` once the
pipeline lock shows nobody holds it. Recording status is best effort: a status file that cannot
be written is logged and never fails the run it describes. The rest is read from the lake.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from balloons import lake
from balloons.errors import interrupted
from balloons.lake.storage import Store
from balloons.lock import lock_holder
from balloons.redact import redact
from balloons.schema import RECORD_TABLES, TABLES

log = logging.getLogger(__name__)

STATUS_FILE = "status.json"
RUNNING, COMPLETED, FAILED, CRASHED = "running", "completed", "failed", "crashed"
FINAL = (COMPLETED, FAILED, CRASHED)


def start_run(data_dir: Path, *, run_id: str, started_at: datetime, pid: int) -> bool:
    """Replace the record with a fresh `running` one for this run (nothing of the last run kept)."""
    return _write(
        data_dir,
        {
            "run_id": run_id,
            "started_at": started_at.isoformat(),
            "finished_at": None,
            "outcome": RUNNING,
            "pid": pid,
            "error": None,
            "summary": None,
        },
    )


def finish_run(
    data_dir: Path,
    *,
    finished_at: datetime,
    outcome: str,
    error: str | None = None,
    summary: str | None = None,
    fetch: dict[str, Any] | None = None,
) -> bool:
    """End the current record in a final state: completed (with the summary) or failed (with the reason);
    `fetch` holds each source's outcome when the run fetched."""
    if outcome not in FINAL:
        raise ValueError(f"not a final outcome: {outcome!r}")
    record = read_run_status(data_dir)
    record.update(finished_at=finished_at.isoformat(), outcome=outcome, error=error, summary=summary)
    if fetch is not None:
        record["fetch"] = fetch
    return _write(data_dir, record)


def record_fetch(data_dir: Path, fetch: dict[str, Any]) -> bool:
    """Merge each source's latest fetch outcome into the record (a `balloons fetch` outside a run)."""
    record = read_run_status(data_dir)
    record["fetch"] = {**(record.get("fetch") or {}), **fetch}
    return _write(data_dir, record)


def record_ingest(data_dir: Path, ingest: dict[str, Any]) -> bool:
    """Keep the last `balloons ingest` run outside a pipeline run (its outcome, summary or error)
    beside the last run's record, which it leaves as it is."""
    record = read_run_status(data_dir)
    record["ingest"] = ingest
    return _write(data_dir, record)


def reconcile(data_dir: Path, lock_path: Path) -> dict[str, Any]:
    """The last run's record; a `running` record (of a run, or of the last `balloons ingest` in it)
    whose process no longer holds the lock becomes `crashed`."""
    record = read_run_status(data_dir)
    if lock_holder(lock_path) is not None:
        return record
    crashed = False
    for entry in (record, record.get("ingest")):
        if isinstance(entry, dict) and entry.get("outcome") == RUNNING:
            entry.update(
                outcome=CRASHED,
                error=(
                    f"The run started at {entry.get('started_at', '?')} (pid {entry.get('pid', '?')}) stopped "
                    "without finishing: its process was killed or the machine went down. The warehouse "
                    "shows the last build that finished; what the stopped run had written to the lake "
                    "without committing it is undone by the next ingest, build or run, which redoes its "
                    "work (an ingest it had committed stays: then only the warehouse is behind, until "
                    "the next build or run)."
                ),
            )
            crashed = True
    if crashed:
        _write(data_dir, record)
    return record


def _write(data_dir: Path, record: dict[str, Any]) -> bool:
    """Write atomically; on any OS error log it and return False (status never fails a run)."""
    path = data_dir / STATUS_FILE
    temporary = data_dir / f".{STATUS_FILE}.{uuid.uuid4().hex[:8]}"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(redact(record), indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        log.warning("status not recorded path=%s error=%s", path, exc)
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        return False
    return True


def read_run_status(data_dir: Path) -> dict[str, Any]:
    """The record of the last run, {} when there is none or it is unreadable."""
    path = data_dir / STATUS_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("status unreadable path=%s error=%s", path, exc)
        return {}
    return dict(record) if isinstance(record, dict) else {}


def _table_status(store: Store, table: str) -> dict[str, Any]:
    spec = TABLES[table]
    column = spec.schema.get_field_index(spec.time_column)
    rows, newest = 0, None
    for meta in lake.partition_metadata(store, table):
        rows += meta.num_rows
        for group in range(meta.num_row_groups):
            stats = meta.row_group(group).column(column).statistics
            if stats is not None and stats.has_min_max and (newest is None or stats.max > newest):
                newest = stats.max
    return {"rows": rows, "newest": newest.isoformat() if newest else None}


def lake_status(store: Store) -> dict[str, Any]:
    """Rows and newest data instant per lake table, quarantine count, files ingested (the raw
    files whose delivery the lake holds: a file `balloons forget` withdrew no longer counts), and
    the runs whose changes are in the lake uncommitted (under way, or stopped: counted above until
    the next run undoes them)."""
    tables = {table: _table_status(store, table) for table in RECORD_TABLES}
    log_table = lake.read_ingest_log(store)
    deliveries = lake.read_deliveries(store)
    return {
        "tables": tables,
        "quarantined": lake.read_quarantine(store).num_rows,
        "files_ingested": deliveries.num_rows - (pc.sum(deliveries.column("forgotten")).as_py() or 0),
        "ingest_runs": len(set(log_table.column("run_id").to_pylist())),
        "uncommitted_runs": lake.uncommitted(store),
    }


def reason(exc: BaseException) -> str:
    """One line for status.json: the error, or that a signal (Ctrl-C, SIGTERM, a cancel) stopped the run."""
    if not isinstance(exc, Exception) or interrupted(exc):
        return (
            f"Stopped before finishing by {'KeyboardInterrupt' if interrupted(exc) else type(exc).__name__} "
            "(Ctrl-C, SIGTERM or a cancelled run); "
            "what it finished stands (an ingest it committed, a warehouse it built), and the next run "
            "undoes what it left unfinished in the lake and redoes the rest."
        )
    return " ".join(f"{type(exc).__name__}: {exc}".split())
