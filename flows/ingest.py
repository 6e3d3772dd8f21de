"""The ingest flow: raw files → validated, deduplicated, partitioned Parquet lake."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import airportsdata
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from balloons import ingest as core
from balloons.settings import Settings
from balloons.storage import Store, lake_store
from balloons.validate import Context


def lake_of(settings: Settings) -> Store:
    """The lake the settings point at, with AWS credentials from this process's environment."""
    return lake_store(settings, os.environ)


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S}Z-{uuid.uuid4().hex[:6]}"


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def find_raw_files(settings: Settings) -> tuple[list[core.RawFile], list[core.RawFile], set[str]]:
    """Scan raw/ and split it into files to read and unchanged files (I/O)."""
    return core.prepare(settings.raw_dir, lake_of(settings))


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def parse_raw_file(raw: core.RawFile, ctx: Context) -> core.Parsed:
    """Read one raw file and validate its records (reading can fail transiently; parsing cannot)."""
    return core.parse_file(raw, raw.location.read_bytes(), ctx=ctx)


@task(retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def write_lake(settings: Settings, parsed: list[core.Parsed], cleanup: set[str], run_id: str,
               now: datetime) -> core.Summary:
    """Write partitions, quarantine and the ingest log (I/O; a retry redoes the pending files)."""
    return core.write_results(lake_of(settings), parsed, cleanup=cleanup, run_id=run_id, now=now)


def context(settings: Settings, now: datetime) -> Context:
    return Context(zone=ZoneInfo(settings.timezone), airports=airportsdata.load("ICAO"), now=now,
                   max_closure_days=settings.max_closure_days)


@flow(name="ingest", log_prints=False)
def ingest_flow(settings: Settings) -> core.Summary:
    """Ingest every new or changed raw file into the lake."""
    logger = get_run_logger()
    now = datetime.now(UTC).replace(microsecond=0)
    run_id = new_run_id(now)
    todo, unchanged, cleanup = find_raw_files(settings)
    ctx = context(settings, now)
    parsed = [parse_raw_file(raw, quote(ctx)) for raw in todo]
    summary = (write_lake(settings, quote(parsed), cleanup, run_id, now)
               if parsed else core.Summary(run_id))
    summary.files_seen = len(todo) + len(unchanged)
    summary.files_unchanged = len(unchanged)
    logger.info("run=%s %s", run_id, summary.line())
    return summary
