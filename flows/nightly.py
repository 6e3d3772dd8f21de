"""The nightly flow: ingest → build the warehouse (with impact) → reconcile the reports with it.

Deployed by `prefect.yaml` (a worker) or `balloons serve` (one process); `balloons run` calls it
once. It holds the pipeline lock for the whole run and records its outcome in status.json.
"""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, get_run_logger

from balloons.lock import pipeline_lock
from balloons.settings import load_settings
from balloons.status import write_run_status
from flows.ingest import ingest_flow
from flows.report import report_flow
from flows.runners import task_runner
from flows.warehouse import build_flow


@flow(name="nightly")
def nightly_flow(data_dir: str | None = None, all_reports: bool = False, wait_s: float = 0.0,
                 runner: str = "default") -> str:
    """Run the whole pipeline once.

    Args:
        data_dir: the data directory (default: BALLOONS_DATA_DIR, else ./data).
        all_reports: re-render every report, not only the missing ones and those drawn from another
            warehouse.
        wait_s: seconds to wait for another run's lock before refusing.
        runner: where per-file and per-table tasks run: default (threads), dask (a local thread
            cluster) or dask=tcp://HOST:PORT (an existing Dask cluster).
    """
    settings = load_settings(data_dir=data_dir)
    with pipeline_lock(settings.lock_path, wait_s=wait_s):
        started = datetime.now(UTC)
        write_run_status(settings.data_dir, started_at=started, finished_at=None, outcome="running", error=None)
        try:
            summary = ingest_flow.with_options(task_runner=task_runner(runner))(settings)
            counts = build_flow(settings)
            paths = report_flow(settings, everything=all_reports)
        except Exception as exc:
            write_run_status(settings.data_dir, finished_at=datetime.now(UTC), outcome="failed",
                             error=f"{type(exc).__name__}: {exc}")
            raise
        line = (f"ingest: {summary.line()}\nwarehouse: {settings.warehouse_path} "
                + (" ".join(f"{k}={counts[k]}" for k in ("incursions", "closures", "flights", "quarantine"))
                   if counts else "unchanged (lake unchanged since the last build)")
                + f"\nreports: {len(paths)} written to {settings.reports_dir}")
        write_run_status(settings.data_dir, finished_at=datetime.now(UTC), outcome="succeeded",
                         run_id=summary.run_id, summary=line)
    get_run_logger().info(line)
    return line
