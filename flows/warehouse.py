"""The warehouse flow: lake → a freshly built DuckDB file swapped in atomically."""

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from balloons import lake as lakes
from balloons import warehouse
from balloons.ingest.validate import known_airports as airports
from balloons.settings import Settings
from balloons.warehouse import aircraft
from flows.ingest import lake_of
from flows.interrupts import stopping_work, stops_on_ctrl_c
from flows.retry import worth_retrying


@task(retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE, retry_condition_fn=worth_retrying)
@stops_on_ctrl_c
def build_warehouse(settings: Settings, force: bool) -> dict[str, int]:
    """Build a new warehouse file and rename it over the old one (I/O; a retry starts afresh).
    Returns {} when the lake is unchanged since the last build."""
    lake = lake_of(settings)
    # the caller holds the pipeline lock, so a run that did not commit has stopped: its changes are
    # undone first, never built into the warehouse (a build after a killed ingest showed them)
    lakes.recover(lake)
    lakes.require_zone(lake, settings.timezone)
    params = warehouse.Params.from_settings(settings)
    if not force and warehouse.is_current(lake, settings.warehouse_path, params):
        return {}
    return warehouse.build(
        lake,
        settings.warehouse_path,
        params=params,
        airports=airports(),
        aircraft_seats=aircraft.seat_table(),
        force=True,
    )  # currency was checked above, before loading the reference data


@flow(name="build-warehouse")
def build_flow(settings: Settings, force: bool = False) -> dict[str, int]:
    """Rebuild the analysts' warehouse (including the impact relations) from the lake."""
    with stopping_work():  # the build runs in a worker thread: a stop stays in the main thread, named
        counts = build_warehouse.submit(settings, force).result()  # (DuckDB there made a SIGTERM a Ctrl-C)
    get_run_logger().info("warehouse %s", " ".join(f"{k}={v}" for k, v in counts.items()) or "unchanged")
    return counts
