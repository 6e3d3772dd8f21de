"""The ingest flow: raw files → validated, deduplicated, partitioned Parquet lake."""

import os
from datetime import UTC, datetime
from typing import Generic, TypeVar

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from balloons import ingest as core
from balloons import lake
from balloons.ingest.validate import Context
from balloons.lake.storage import Store, lake_store
from balloons.settings import Settings
from flows.interrupts import stopping_work, stops_on_ctrl_c
from flows.retry import worth_retrying

T = TypeVar("T")


_STORES: dict[tuple[object, ...], Store] = {}


def lake_of(settings: Settings) -> Store:
    """The lake the settings point at, with AWS credentials from this process's environment: built
    once per process for the same lake and credentials, so a run's tasks share one Store (a task
    runs where its runner puts it, so each process builds its own; it holds no state but its
    filesystem's connections)."""
    secrets = (settings.s3_access_key_id, settings.s3_secret_access_key)
    key = (
        settings.lake_url,
        str(settings.lake_dir),
        settings.s3_endpoint_url,
        settings.s3_region,
        *(secret.get_secret_value() if secret else None for secret in secrets),
        *sorted((name, value) for name, value in os.environ.items() if name.startswith("AWS_")),
    )
    store = _STORES.get(key)
    if store is None:
        if len(_STORES) >= 8:
            _STORES.clear()
        store = _STORES[key] = lake_store(settings, os.environ)
    return store


class Payload(Generic[T]):
    """Carries a large task input opaquely: Prefect does not walk into plain objects looking for
    futures (it does into lists and dataclasses, which costs seconds for thousands of rows), and
    unlike `quote()` it travels unchanged through every task runner, Dask included."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE, retry_condition_fn=worth_retrying)
@stops_on_ctrl_c
def find_raw_files(settings: Settings, now: datetime) -> tuple[list[core.RawFile], list[core.RawFile]]:
    """Undo an interrupted run (rebuild a lake of another format or rules); scan raw/ and split it
    into files to read and unchanged files (I/O)."""
    return core.prepare(settings.raw_dir, lake_of(settings), context(settings, now).rules())


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE, retry_condition_fn=worth_retrying)
@stops_on_ctrl_c
def parse_raw_files(
    raws: Payload[list[core.RawFile]], settings: Settings, now: datetime, run_id: str
) -> Payload[list[core.Parsed]]:
    """Read one table's raw files and validate their records together (reading can fail
    transiently; parsing cannot). Large files spill their rows to the lake's work folder, which
    every worker can reach."""
    spill = core.Spill(lake_of(settings), lake.work_folder(run_id))
    return Payload(core.parse_files(raws.value, ctx=context(settings, now), spill=spill))


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE, retry_condition_fn=worth_retrying)
@stops_on_ctrl_c
def begin_write(settings: Settings, parsed: Payload[list[core.Parsed]], run_id: str) -> int:
    """Journal the run; its delivery rank (I/O)."""
    return core.begin(lake_of(settings), parsed.value, run_id)


@task(retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE, retry_condition_fn=worth_retrying)
@stops_on_ctrl_c
def merge_table(
    settings: Settings, table: str, parsed: Payload[list[core.Parsed]], run_id: str, now: datetime, delivery: int
) -> core.Merged:
    """Replace one table's contributions and rewrite its changed partitions (I/O; tables are
    independent of each other)."""
    return core.merge_table(lake_of(settings), table, parsed.value, run_id=run_id, now=now, delivery=delivery)


@task(retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE, retry_condition_fn=worth_retrying)
@stops_on_ctrl_c
def finish_write(
    settings: Settings,
    parsed: Payload[list[core.Parsed]],
    merged: Payload[list[core.Merged]],
    run_id: str,
    now: datetime,
    delivery: int,
) -> core.Summary:
    """Quarantine, deliveries, ingest log, commit (I/O)."""
    return core.finish(lake_of(settings), parsed.value, merged.value, run_id=run_id, now=now, delivery=delivery)


def context(settings: Settings, now: datetime) -> Context:
    return Context.of(settings, now)


class TaskSteps:
    """The ingest steps as this flow's tasks (`core.drive` puts them in order): each table's files
    are parsed, and each table merged, as tasks of their own, side by side where the runner
    allows (Dask workers included)."""

    def __init__(self, settings: Settings, now: datetime, run_id: str) -> None:
        self.settings, self.now, self.run_id = settings, now, run_id

    def find(self) -> tuple[list[core.RawFile], list[core.RawFile]]:
        return find_raw_files(self.settings, self.now)

    def parse(self, tables: list[list[core.RawFile]]) -> list[core.Parsed]:
        futures = [parse_raw_files.submit(Payload(raws), self.settings, self.now, self.run_id) for raws in tables]
        return [p for future in futures for p in future.result().value]

    def begin(self, parsed: list[core.Parsed]) -> int:
        return begin_write(self.settings, Payload(parsed), self.run_id)

    def merge(self, tables: dict[str, list[core.Parsed]], delivery: int) -> list[core.Merged]:
        futures = [
            merge_table.submit(self.settings, table, Payload(mine), self.run_id, self.now, delivery)
            for table, mine in tables.items()
        ]
        return [future.result() for future in futures]

    def finish(self, parsed: list[core.Parsed], merged: list[core.Merged], delivery: int) -> core.Summary:
        return finish_write(self.settings, Payload(parsed), Payload(merged), self.run_id, self.now, delivery)


@flow(name="ingest", log_prints=False)
def ingest_flow(settings: Settings, run_id: str | None = None) -> core.Summary:
    """Ingest every new or changed raw file into the lake (run_id: the nightly run's, else a new one).
    Files the engine had no room to read are named in the summary's `deferred`, for the caller to
    fail the run once the rest is done."""
    now = datetime.now(UTC).replace(microsecond=0)
    with stopping_work():
        return core.drive(TaskSteps(settings, now, run_id or core.new_run_id(now)))
