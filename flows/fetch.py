"""The fetch flow: every declared source fetched into raw/, each in its own retried task.

A source that still fails after its retries fails only itself: the flow records why and returns;
`nightly` goes on with ingest, build and reports and then exits non-zero naming it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import task_run

from balloons.errors import BalloonsError, ConfigError
from balloons.fetch import http as fetch_http
from balloons.fetch.run import Outcome, fetch_source
from balloons.fetch.sources import Declared, Source, load_sources
from balloons.redact import protect
from balloons.settings import Settings
from flows.interrupts import stopping_work


@dataclass
class FetchReport:
    """Every source's outcome, and the one line that names the failed ones."""

    outcomes: list[Outcome] = field(default_factory=list)
    fetched_at: datetime | None = None

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.outcome == "failed"]

    def failure_line(self) -> str | None:
        if not self.failed:
            return None
        return (
            "Fetching failed for "
            + "; ".join(f"{o.source} ({o.error})" for o in self.failed)
            + ". Everything else was done; check the source and run again."
        )

    def status(self) -> dict[str, object]:
        when = self.fetched_at or datetime.now(UTC)
        return {o.source: o.as_status(when) for o in self.outcomes}


@task(cache_policy=NO_CACHE)
def fetch_one(source: Source, settings: Settings, now: datetime, since: date | None) -> Outcome:
    """Fetch one source into raw/ (I/O). A transient failure is raised while retries are left, so
    Prefect retries it with backoff; the last failure comes back as a `failed` outcome, not raised."""
    # the source's secrets join the settings' in everything this process writes (logs, Prefect
    # states, status.json), whatever process runs the task
    protect(value.get_secret_value() for value in source.secrets())
    try:
        with fetch_http.client(settings.fetch_timeout_s) as client:
            return fetch_source(
                source,
                fetch_http.Http(client, max_bytes=settings.fetch_max_bytes),
                raw_dir=settings.raw_dir,
                cursor_dir=settings.cursor_dir,
                now=now,
                since=since,
            )
    except BalloonsError as exc:
        if fetch_http.transient(exc) and task_run.run_count <= settings.fetch_retries:
            raise
        return Outcome(source.name, source.kind, "failed", error=str(exc))


def sources_of(settings: Settings, only: str | None = None) -> Declared:
    """The declared sources (secrets from this process's environment), or just `only`."""
    declared = load_sources(settings.sources_path, os.environ, required=settings.sources is not None)
    if only is None:
        return declared
    if only not in declared.names():
        known = ", ".join(declared.names()) or "none"
        raise ConfigError(f"No source named {only!r} in {settings.sources_path} (declared: {known}).")
    return declared.only(only)


@flow(name="fetch", log_prints=False)
def fetch_flow(settings: Settings, source: str | None = None, since: date | None = None) -> FetchReport:
    """Fetch every declared source (or one); never raises for a failing source, reports it."""
    logger = get_run_logger()
    now = datetime.now(UTC).replace(microsecond=0)
    report = FetchReport(fetched_at=now)
    declared = sources_of(settings, source)
    chosen = declared.sources
    delays = [3 * 4**i for i in range(settings.fetch_retries)]
    runs = {
        name: fetch_one.with_options(
            retries=settings.fetch_retries, retry_delay_seconds=delays or 0, task_run_name=f"fetch-{name}"
        ).submit(spec, settings, now, since)
        for name, spec in chosen.items()
    }
    for name, why in declared.broken.items():  # a source declared wrongly fails alone
        report.outcomes.append(Outcome(name, "config", "failed", error=why))
    for name, future in runs.items():
        with stopping_work():  # a stop here ends the fetches under way at their next step
            future.wait()
        state = future.state
        if state.is_completed():
            report.outcomes.append(future.result())
            continue
        try:
            future.result()
            error = f"{state.name}"
        except BalloonsError as exc:
            error = str(exc)
        except Exception as exc:  # a bug or an unexpected error class still fails only this source
            error = type(exc).__name__
        report.outcomes.append(Outcome(name, chosen[name].kind, "failed", error=error))
    report.outcomes.sort(key=lambda o: o.source)
    for outcome in report.outcomes:
        logger.info("fetch %s", outcome.line())
    return report


def fetch_step(settings: Settings) -> FetchReport:
    """The head of `nightly`: a broken sources file is reported like a failed source, not raised."""
    if settings.sources is None and not settings.sources_path.is_file():
        return FetchReport()  # nothing declared: the sample and `make run` stay offline
    try:
        return fetch_flow(settings)
    except ConfigError as exc:
        return FetchReport([Outcome("sources", "config", "failed", error=str(exc))], datetime.now(UTC))


def fetch_report(report: FetchReport) -> str:
    """One summary line: what each source did."""
    if not report.outcomes:
        return "no sources declared"
    return ", ".join(o.line() for o in report.outcomes)
