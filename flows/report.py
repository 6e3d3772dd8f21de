"""The report flow: reconcile monthly and yearly PDFs with the warehouse, with Prefect artifacts."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from balloons import report, warehouse
from balloons.redact import MASK, redact
from balloons.report import periods, reconcile
from balloons.settings import Settings
from flows.interrupts import stops_on_ctrl_c
from flows.retry import worth_retrying


@task(retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE, retry_condition_fn=worth_retrying)
@stops_on_ctrl_c
def reconcile_reports(settings: Settings, forced: list[str], everything: bool) -> list[Path]:
    """Render the forced months and every missing or stale report; remove partial files (I/O)."""
    return reconcile.reconcile(
        settings.warehouse_path,
        settings.reports_dir,
        forced=[("month", m) for m in forced],
        everything=everything,
        timezone=settings.timezone,
        radius_km=settings.trigger_radius_km,
        workers=settings.report_workers,
    )


def publish(create: Callable[..., Any], key: str, **fields: Any) -> None:
    """Create an artifact with every text in it redacted; a key keeps Prefect's alphabet."""
    create(key=redact(key).replace(MASK, "redacted"), **redact(fields))


@task(cache_policy=NO_CACHE)
def publish_artifacts(settings: Settings, months: list[str], paths: list[Path]) -> None:
    """A markdown summary per month, quarantine counts per file, and a link to each PDF."""
    con = warehouse.connect_read_only(settings.warehouse_path)
    try:
        for month in months:
            m = report.metrics(con, month, month)
            publish(
                create_markdown_artifact,
                f"report-summary-{month}",
                markdown=(
                    f"# balloons, {month}\n\n| figure | value |\n|---|---|\n"
                    f"| incursion records | {m['incursions']:,} |\n| balloons | {m['balloons']:,} |\n"
                    f"| airport closures | {m['closures']:,} |\n"
                    f"| hours closed | {m['closed_minutes'] / 60:,.1f} |\n"
                    f"| flights affected | {m['flights']:,} |\n"
                    f"| passengers affected (band) | {m['passengers']:,} "
                    f"({m['passengers_low']:,}-{m['passengers_high']:,}) |\n"
                ),
                description=f"Monthly figures for {month} from the warehouse",
            )
        rows = con.execute(
            "select source_file, table_name, count(*) as quarantined from quarantine group by all order by source_file"
        ).fetchall()
        publish(
            create_table_artifact,
            "quarantine-per-file",
            table=[{"source_file": f, "table_name": t, "quarantined": n} for f, t, n in rows],
            description="Quarantined records per raw file (see the quarantine relation for reasons)",
        )
    finally:
        con.close()
    for path in paths:
        publish(
            create_link_artifact,
            f"report-{path.stem}",
            link=path.resolve().as_uri(),
            link_text=path.name,
            description=f"PDF report {path.stem}",
        )


@flow(name="report")
def report_flow(
    settings: Settings, months: list[str] | None = None, everything: bool = False, allow_empty: bool = False
) -> list[Path]:
    """Reconcile reports/ with the warehouse: render the given months (refused outside the months
    the warehouse holds unless `allow_empty`), every report that is missing or was rendered from
    another warehouse, or with `everything` all of them."""
    wanted = [periods.check_month(m) for m in months or []]
    if wanted and not allow_empty:
        periods.check_months_held(settings.warehouse_path, wanted)
    paths = reconcile_reports(settings, wanted, everything)
    rendered = [p.stem for p in paths if len(p.stem) == len("YYYY-MM")]
    if rendered:
        publish_artifacts(settings, rendered, paths)
    get_run_logger().info("reports=%d rendered=%s", len(paths), ",".join(p.stem for p in paths) or "none")
    return paths
