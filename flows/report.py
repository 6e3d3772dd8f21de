"""The report flow: monthly (and yearly) PDFs from the warehouse, with Prefect artifacts."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from balloons import report, warehouse
from balloons.redact import MASK, redact
from balloons.settings import Settings


@task(retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def render(settings: Settings, months: list[str], years: list[str]) -> list[Path]:
    """Render the given months and years into reports/ (I/O: reads the warehouse, writes PDFs)."""
    return report.render_all(settings.warehouse_path, months, years, settings.reports_dir,
                             timezone=settings.timezone, radius_km=settings.trigger_radius_km,
                             workers=settings.report_workers)


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
                create_markdown_artifact, f"report-summary-{month}",
                markdown=(f"# balloons, {month}\n\n| figure | value |\n|---|---|\n"
                          f"| incursion records | {m['incursions']:,} |\n| balloons | {m['balloons']:,} |\n"
                          f"| airport closures | {m['closures']:,} |\n"
                          f"| hours closed | {m['closed_minutes'] / 60:,.1f} |\n"
                          f"| flights affected | {m['flights']:,} |\n"
                          f"| passengers affected (band) | {m['passengers']:,} "
                          f"({m['passengers_low']:,}-{m['passengers_high']:,}) |\n"),
                description=f"Monthly figures for {month} from the warehouse")
        rows = con.execute("select source_file, table_name, count(*) as quarantined from quarantine "
                           "group by all order by source_file").fetchall()
        publish(
            create_table_artifact, "quarantine-per-file",
            table=[{"source_file": f, "table_name": t, "quarantined": n} for f, t, n in rows],
            description="Quarantined records per raw file (see the quarantine relation for reasons)")
    finally:
        con.close()
    for path in paths:
        publish(create_link_artifact, f"report-{path.stem}", link=path.resolve().as_uri(),
                             link_text=path.name, description=f"PDF report {path.stem}")


def months_to_render(settings: Settings, changed: set[str], everything: bool) -> tuple[list[str], list[str]]:
    """Months whose data changed or whose PDF is missing (or all), and their years."""
    con = warehouse.connect_read_only(settings.warehouse_path)
    try:
        available = report.data_months(con)
    finally:
        con.close()
    wanted = [m for m in available if everything or m in changed
              or not (settings.reports_dir / f"{m}.pdf").is_file()]
    years = sorted({m[:4] for m in wanted})
    return wanted, years


@flow(name="report")
def report_flow(settings: Settings, months: list[str] | None = None, changed: list[str] | None = None,
                everything: bool = False) -> list[Path]:
    """Render PDFs: the given months, else those whose data changed or that lack a PDF."""
    if months:
        wanted, years = [report.check_month(m) for m in months], []
    else:
        wanted, years = months_to_render(settings, set(changed or []), everything)
    paths = render(settings, wanted, years) if wanted or years else []
    if wanted:
        publish_artifacts(settings, wanted, paths)
    get_run_logger().info("reports=%d months=%s", len(paths), ",".join(wanted) or "none")
    return paths
