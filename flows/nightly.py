"""The nightly flow: ingest → build the warehouse (with impact) → reports."""

from __future__ import annotations

from prefect import flow, get_run_logger

from balloons.settings import Settings
from flows.ingest import ingest_flow
from flows.warehouse import build_flow


@flow(name="nightly")
def nightly_flow(settings: Settings) -> str:
    """Run the whole pipeline once; returns the one-line summary."""
    summary = ingest_flow(settings)
    counts = build_flow(settings)
    line = (f"ingest: {summary.line()}\nwarehouse: {settings.warehouse_path} "
            + " ".join(f"{k}={counts[k]}" for k in ("incursions", "closures", "flights", "quarantine")))
    get_run_logger().info(line)
    return line
