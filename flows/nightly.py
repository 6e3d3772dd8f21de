"""The nightly flow: fetch → ingest → build the warehouse (with impact) → reconcile the reports with it.

Deployed by `prefect.yaml` (a worker) or `balloons serve` (one process) as `nightly_flow`, whose
parameters are plain values: it resolves Settings once, in the process that runs it. `balloons run`
has resolved them already and calls `nightly_run_flow` with them (the same flow name, "nightly").
Either way Settings are resolved once per run. A run holds the pipeline lock for the whole run and
records its outcome in status.json.
The nightly flow's subflows send no Prefect flow-run heartbeats of their own: they run in its
process, so its heartbeat already says whether they are alive, and a flow with heartbeats waits up
to a second for its heartbeat thread as it ends (about 3 s of every run for nothing).
A source that fails to fetch fails only itself: the run goes on, records it, then fails with one
line naming the source(s).
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from prefect import flow, get_run_logger
from prefect.settings import temporary_settings
from prefect.states import Failed

from balloons.errors import FetchError, StorageFullError
from balloons.ingest import new_run_id
from balloons.lock import pipeline_lock
from balloons.redact import protect, secret_values
from balloons.settings import Settings, load_settings
from balloons.status import COMPLETED, FAILED, finish_run, reason, start_run
from flows.fetch import fetch_report, fetch_step
from flows.ingest import ingest_flow
from flows.interrupts import keep_stops
from flows.report import report_flow
from flows.runners import task_runner
from flows.warehouse import build_flow


@flow(name="nightly")
def nightly_flow(
    data_dir: str | None = None, all_reports: bool = False, wait_s: float = 0.0, runner: str = "default"
) -> str:
    """Run the whole pipeline once.

    Args:
        data_dir: the data directory (default: BALLOONS_DATA_DIR, else ./data).
        all_reports: re-render every report, not only the missing ones and those drawn from another
            warehouse.
        wait_s: seconds to wait for another run's lock before refusing.
        runner: where per-file and per-table tasks run: default (threads), dask (a local
            cluster) or dask=tcp://HOST:PORT (an existing Dask cluster).
    """
    settings = load_settings(data_dir=data_dir)
    protect(secret_values(settings, os.environ))  # a served or worker run is its own process
    keep_stops()  # a cancel (SIGTERM) landing in a finalizer is not lost there either
    return nightly(settings, all_reports=all_reports, wait_s=wait_s, runner=runner)


@flow(name="nightly")
def nightly_run_flow(
    settings: Settings, all_reports: bool = False, wait_s: float = 0.0, runner: str = "default"
) -> str:
    """The nightly run for a caller that has resolved Settings already (`balloons run`); the
    arguments are nightly_flow's."""
    return nightly(settings, all_reports=all_reports, wait_s=wait_s, runner=runner)


def nightly(settings: Settings, *, all_reports: bool, wait_s: float, runner: str) -> str:
    """The body of both nightly flows: lock, fetch, ingest, build, reports, status.json."""
    with pipeline_lock(settings.lock_path, wait_s=wait_s):
        started = datetime.now(UTC).replace(microsecond=0)
        run_id = new_run_id(started)
        start_run(settings.data_dir, run_id=run_id, started_at=started, pid=os.getpid())
        try:
            with _subflows():
                fetched = fetch_step(settings)
                summary = ingest_flow.with_options(task_runner=task_runner(runner))(settings, run_id=run_id)
                counts = build_flow(settings)
                paths = report_flow(settings, everything=all_reports)
        except BaseException as exc:  # interrupts too: the record must not stay "running"
            finish_run(settings.data_dir, finished_at=datetime.now(UTC), outcome=FAILED, error=reason(exc))
            raise
        line = (
            f"fetch: {fetch_report(fetched)}\ningest: {summary.line()}\nwarehouse: {settings.warehouse_path} "
            + (
                " ".join(f"{k}={counts[k]}" for k in ("incursions", "closures", "flights", "quarantine"))
                if counts
                else "unchanged (lake unchanged since the last build)"
            )
            + f"\nreports: {len(paths)} written to {settings.reports_dir}"
        )
        failure = "; ".join(f for f in (fetched.failure_line(), summary.failure_line()) if f) or None
        finish_run(
            settings.data_dir,
            finished_at=datetime.now(UTC),
            outcome=FAILED if failure else COMPLETED,
            error=failure,
            summary=line,
            fetch=fetched.status(),
        )
    get_run_logger().info(line)
    if failure:  # a failed state, not a raise: one line, no traceback, and the run shows Failed in Prefect
        error = FetchError(failure) if fetched.failure_line() else StorageFullError(failure)
        return Failed(message=failure, data=error)  # type: ignore[return-value]
    return line


@contextmanager
def _subflows() -> Iterator[None]:
    """Flows started here send no heartbeats of their own (see the module's docstring)."""
    with temporary_settings({"flows.heartbeat_frequency": None}):
        yield
