"""The nightly flow: ingest → build the warehouse (with impact) → reports."""

from __future__ import annotations

from prefect import flow, get_run_logger

from balloons.settings import Settings
from flows.ingest import ingest_flow
from flows.report import report_flow
from flows.warehouse import build_flow


@flow(name="nightly")
def nightly_flow(settings: Settings, all_reports: bool = False) -> str:
    """Run the whole pipeline once: ingest → warehouse (with impact) → reports of the months whose
    data changed (or that have no PDF yet; every month with all_reports). Returns a summary."""
    summary = ingest_flow(settings)
    counts = build_flow(settings)
    changed = sorted({part.split("month=")[1] for part in summary.partitions_written})
    paths = report_flow(settings, changed=changed, everything=all_reports)
    line = (f"ingest: {summary.line()}\nwarehouse: {settings.warehouse_path} "
            + " ".join(f"{k}={counts[k]}" for k in ("incursions", "closures", "flights", "quarantine"))
            + f"\nreports: {len(paths)} written to {settings.reports_dir}")
    get_run_logger().info(line)
    return line
