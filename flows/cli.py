"""The `balloons` command line: a thin layer over the library and the Prefect flows.

Commands that need Prefect import it lazily, so `balloons query` starts fast, and check what they
can (settings, raw data, the warehouse, the lock) before Prefect starts, so a refusal is quick.
Every failure, usage errors included, is one `Error: …` line on stderr and exit status 1; Prefect's
tracebacks stay in the run logs (`-v` shows a traceback for an unexpected error).
"""

from __future__ import annotations

import logging
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from balloons.errors import BalloonsError, ConfigError, interrupted
from balloons.redact import protect, redact_text, secret_values
from balloons.settings import Settings, load_settings
from flows.interrupts import Terminated, keep_stops, on_ctrl_c, on_sigterm, sigterm_seen

if TYPE_CHECKING:
    from balloons.lake.storage import Store

EARLIEST_SINCE = date(2000, 1, 1)
"""The earliest day `fetch --since` takes: an earlier one is a typo (`0001-01-01`), not a backfill."""

PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # the temporary server's telemetry
    "DO_NOT_TRACK": "1",  # Prefect's client-side usage data and its first-run banner
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "balloons",
    # library calls outside a flow run (query, check, tests) just skip the API log handler
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "PREFECT_UI_ENABLED": "false",
}


def prefect_defaults(environ: Any = os.environ) -> None:
    """Set balloons' Prefect defaults (a value already set wins). Called before Prefect is imported."""
    for name, value in PREFECT_DEFAULTS.items():
        environ.setdefault(name, value)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {_one_line(redact_text(message))}", err=True)
    sys.exit(1)


class _Command(click.Command):
    """Every command resolves the settings once, validating them, and starts redacting secrets
    before its own code runs (so before Prefect starts); the command reads them with
    `current_settings()`. --help still works with bad settings."""

    def invoke(self, ctx: click.Context) -> Any:
        settings = settings_for(ctx.params.get("data_dir"))
        ctx.meta[SETTINGS] = settings
        protect_secrets(settings)
        # serve stops on SIGTERM its own way (it pauses the deployment)
        own = ctx.command.name != "serve" and threading.current_thread() is threading.main_thread()
        before = signal.getsignal(signal.SIGTERM) if own else None
        if own and before is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, on_sigterm)
        try:
            return super().invoke(ctx)
        finally:  # once stopping, a second SIGTERM must not end the process mid-cleanup (DuckDB aborts)
            if own and before is signal.SIG_DFL:
                signal.signal(signal.SIGTERM, signal.SIG_IGN if sigterm_seen() else signal.SIG_DFL)


class _Group(click.Group):
    command_class = _Command

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,  # type: ignore[override]
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Like click's, but a usage error is one line and exit 1 too."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, on_ctrl_c)
        keep_stops()
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # bare `balloons`: the help, not an error
            click.echo(exc.format_message())
            sys.exit(0)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else prog_name or self.name
            message = exc.format_message().rstrip()
            _fail(f"{message}{'' if message.endswith('.') else '.'} See '{where} --help'.")
        except click.ClickException as exc:
            _fail(exc.format_message())
        except click.Abort as exc:
            if threading.current_thread() is threading.main_thread():
                for stop in (signal.SIGINT, signal.SIGTERM):  # ending: a further stop must not cut the
                    signal.signal(stop, signal.SIG_IGN)  # last steps (the temporary server's stop, exit)
            terminated = isinstance(exc.__context__, Terminated) or sigterm_seen()
            if not terminated and sys.stderr.isatty():
                click.echo(err=True)  # past the ^C the terminal shows
            _fail("Stopped by SIGTERM." if terminated else "Aborted.")
        except BrokenPipeError:  # `balloons query … | head`: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:  # as click would, without its blank line (one line for a SIGTERM)
            raise click.Abort() from exc
        except BalloonsError as exc:
            raise click.ClickException(str(exc)) from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort, BrokenPipeError):
            raise
        except OSError as exc:
            if ctx.meta.get("verbose"):
                raise
            raise click.ClickException(
                f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}. "
                f"{_os_error_hint(exc)} and run again; 'balloons status' shows the last run."
            ) from exc
        except Exception as exc:
            if interrupted(exc):  # Ctrl-C as DuckDB reports it
                raise click.Abort() from exc
            if ctx.meta.get("verbose"):
                raise
            raise click.ClickException(
                f"{type(exc).__name__}: {exc}. The run logs (Prefect UI) hold the traceback; -v prints it."
            ) from exc


def _os_error_hint(exc: OSError) -> str:
    """What to check for an operating system's or a service's refusal, by what it names."""
    text = str(exc)
    if "AWS Error" in text or " bucket " in text:
        return "Check BALLOONS_LAKE_URL, BALLOONS_S3_ENDPOINT_URL and the AWS_* credentials"
    if "trying to connect to" in text and "://" in text:  # a Dask scheduler out of reach
        return "Check the address given to --runner (is the Dask scheduler up?)"
    return "Fix the cause (disk space, permissions)"


def interactive() -> bool:
    """Progress is shown in a terminal, never in cron or CI."""
    return sys.stderr.isatty() and not os.environ.get("CI")


CONSOLE = "balloons_console"  # marks our console handler, told apart from Prefect's API handler


def _ours(handler: logging.Handler) -> bool:
    return bool(getattr(handler, CONSOLE, False))


def _setup_logging(verbose: bool) -> None:
    """INFO always reaches Prefect's run logs; the console shows it only in a terminal or with -v."""
    if interactive():
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(show_path=False, show_time=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    setattr(handler, CONSOLE, True)
    handler.setLevel(logging.INFO if verbose or interactive() else logging.WARNING)
    library = logging.getLogger("balloons")
    for old in [h for h in library.handlers if _ours(h)]:
        library.removeHandler(old)
    library.addHandler(handler)
    library.setLevel(logging.INFO)
    library.propagate = False


class _NoErrors(logging.Filter):
    """Keeps errors and tracebacks off the console: the CLI prints the one-line reason itself. Also
    Prefect's note, as a command ends, that its event and log workers are still sending items
    ("Still processing items: 2 items remaining..."): a warning of no fault, after a success too."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in ("EventsWorker", "APILogWorker") and str(record.msg).startswith("Still processing items"):
            return False
        return record.levelno < logging.ERROR and not record.exc_info


@contextmanager
def _flows_here(start_temporary_server: Callable[[], None] | None = None) -> Iterator[None]:
    """Where a command runs its flow: Prefect's console quiet (`_quiet_prefect_console`). Under
    Prefect's temporary server (no PREFECT_API_URL) that server is started first, apart from
    Ctrl-C (`_start_temporary_server_apart`, or the given function), and flows send no heartbeats:
    that server stops with this process, so no one could ever see a heartbeat stop, and each flow
    would wait up to a second for its heartbeat thread as it ends. With a real server Prefect's
    default stands."""
    from prefect.settings import get_current_settings, temporary_settings

    _quiet_prefect_console()
    if get_current_settings().api.url:
        _require_prefect_server(get_current_settings().api.url)
        yield
        return
    (start_temporary_server or _start_temporary_server_apart)()
    with temporary_settings({"flows.heartbeat_frequency": None}):
        try:
            yield
        except Exception as exc:
            response = getattr(exc, "response", None)
            if getattr(response, "status_code", 0) < 500:
                raise
            raise _temporary_server_error("failed", f"{type(exc).__name__}: {exc}") from exc


def _require_prefect_server(url: str) -> None:
    """Raise one line now when no Prefect server answers at `url` (PREFECT_API_URL), asked by
    Prefect's own client (its TLS and header settings): before, the first flow failed after
    seconds with advice to read run logs that no server held."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        failed = client.api_healthcheck()
    if failed is not None:
        raise BalloonsError(
            f"No Prefect server answers at PREFECT_API_URL={url} ({type(failed).__name__}: {failed}): start it "
            "('prefect server start --host 127.0.0.1') or unset PREFECT_API_URL to run under a temporary one."
        )


def _temporary_server_error(what: str, cause: str) -> BalloonsError:
    """The one line for Prefect's temporary server that `what` (did not start, failed), naming its log."""
    log_path = _temporary_server_log()
    first = (cause.splitlines() or [""])[0].rstrip(".")
    return BalloonsError(
        f"Prefect's temporary server {what} ({first}); its log {log_path} says why (a full disk under "
        f"{log_path.parent}?)."
    )


def _temporary_server_log() -> Path:
    """Where Prefect's temporary server writes what it prints: its tracebacks (a full disk fills
    hundreds of lines) stay off the terminal, which shows the one-line error."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().home) / "temporary-server.log"


_WITH_PARENT = """
import os, runpy, signal, sys, threading
parent = int(sys.argv[1])
sys.argv = ["uvicorn", *sys.argv[2:]]
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # so in every thread made from here on
def watch():
    while True:
        got = signal.sigtimedwait({signal.SIGTERM}, 1)
        if os.getppid() != parent or (got is not None and got.si_pid == parent):
            break
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    signal.pthread_kill(threading.get_ident(), signal.SIGTERM)  # uvicorn's handler stops the server
threading.Thread(target=watch, daemon=True).start()
runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)
"""
"""`python -m uvicorn …`, that stops (as on SIGTERM) when the process that started it says so, or
once that process is gone; a SIGTERM from anyone else waits for one of those. A service manager
stopping the command signals every process of its service, the server included (systemd's
default): the server then outlived the command's flows recording how they ended, which spent
four minutes retrying it and failed naming a refused connection (found by an operator's trial)."""


class _OwnSession:
    """The `subprocess` module as Prefect's server module sees it while it starts the temporary
    server: that process starts in a session of its own, so a signal to this command's process
    group (`timeout`, `kill -TERM -PGID`, Ctrl-C) does not reach it; it stops when this command
    ends (Prefect stops it at exit), or once this command is gone (killed outright: SIGKILL).
    Before, a group SIGTERM killed it first, and the command spent minutes retrying to record its
    flows' ends to it."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(args: list[str], **kwargs: Any) -> subprocess.Popen[Any]:  # noqa: N802 - subprocess's name
        if list(args[1:3]) == ["-m", "uvicorn"]:
            args = [args[0], "-c", _WITH_PARENT, str(os.getpid()), *args[3:]]
        return subprocess.Popen(args, start_new_session=True, **kwargs)


def _start_temporary_server_apart() -> None:
    """Start Prefect's temporary server now, from a thread that blocks SIGINT: the server process
    inherits the block. A Ctrl-C at a terminal goes to the whole foreground process group; it now
    stops this command, whose flows then record how they ended, and not the server they record it
    to (without it every one of those calls was retried for a minute or more). The server still
    stops with this command: Prefect stops it at exit (SIGTERM). A Ctrl-C while it starts stops
    the command at once; the thread is a daemon."""
    from prefect.server.api.server import SubprocessASGIServer

    class Server(SubprocessASGIServer):
        """The temporary server, its output going to `_temporary_server_log`."""

        def _run_uvicorn_command(self) -> Any:
            import prefect.server.api.server as module

            path = _temporary_server_log()
            path.parent.mkdir(parents=True, exist_ok=True)
            sys.stdout.flush()
            sys.stderr.flush()
            saved = [os.dup(1), os.dup(2)]
            with open(path, "ab") as sink:
                try:  # the server process inherits these two; ours get theirs back at once
                    os.dup2(sink.fileno(), 1)
                    os.dup2(sink.fileno(), 2)
                    module.subprocess = _OwnSession()  # type: ignore[assignment]
                    return super()._run_uvicorn_command()
                finally:
                    module.subprocess = subprocess
                    os.dup2(saved[0], 1)
                    os.dup2(saved[1], 2)
                    os.close(saved[0])
                    os.close(saved[1])

    failed: list[BaseException] = []

    def start() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            Server().start()
        except BaseException as exc:  # reported in the calling thread
            failed.append(exc)

    starter = threading.Thread(target=start, name="prefect-temporary-server", daemon=True)
    starter.start()
    starter.join()
    if failed and isinstance(failed[0], Exception):
        raise _temporary_server_error("did not start", str(failed[0])) from failed[0]
    if failed:
        raise failed[0]


def _quiet_prefect_console() -> None:
    """Prefect's console shows no errors or tracebacks (they stay in the run logs), and outside a
    terminal only warnings: in this process, and in the Dask worker processes a run starts (they
    inherit the environment, and Prefect reads its console level from it)."""
    ours = [h for h in logging.getLogger("balloons").handlers if _ours(h)]
    chatty = interactive() or any(h.level <= logging.INFO for h in ours)
    if not chatty:
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    for logger in [logging.getLogger(), *map(logging.getLogger, list(logging.Logger.manager.loggerDict))]:
        for handler in getattr(logger, "handlers", []):
            if type(handler).__name__ == "PrefectConsoleHandler":
                if not any(isinstance(f, _NoErrors) for f in handler.filters):
                    handler.addFilter(_NoErrors())
                if not chatty:
                    handler.setLevel(logging.WARNING)


class _Folder(click.Path):
    """A folder option: an empty value is a mistake, not the current folder (Path('') is '.')."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("it is empty; leave it out for $BALLOONS_DATA_DIR or ./data, or give a folder", param, ctx)
        return super().convert(value, param, ctx)


def data_dir_option(func: Any) -> Any:
    return click.option(
        "--data-dir",
        type=_Folder(file_okay=False, path_type=Path),
        default=None,
        help="Data directory holding raw/, lake/, warehouse.duckdb and reports/ "
        "[default: $BALLOONS_DATA_DIR or ./data].",
    )(func)


def wait_option(func: Any) -> Any:
    return click.option(
        "--wait",
        type=click.FloatRange(min=0, max=24 * 3600),
        default=0.0,
        show_default=True,
        callback=_not_nan,
        help="Seconds (0 to 86400) to wait for another run's lock before giving up.",
    )(func)


def _not_nan(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if math.isnan(value):  # FloatRange lets nan through: it compares false with both bounds
        raise click.BadParameter("nan is not a number of seconds.", ctx, param)
    return value


SETTINGS = "balloons.settings"
"""Key of the command's resolved Settings in click's context meta."""


def settings_for(data_dir: Path | None) -> Settings:
    return load_settings(data_dir=data_dir)


def current_settings() -> Settings:
    """The Settings the running command resolved before it started (once per command)."""
    settings = click.get_current_context().meta[SETTINGS]
    assert isinstance(settings, Settings)
    return settings


def protect_secrets(settings: Settings) -> None:
    """Mask the settings' secrets and the AWS credentials in everything this process writes."""
    protect(secret_values(settings, os.environ))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log every step, also outside a terminal.")
@click.version_option(package_name="balloons")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """balloons: balloon incursions, airport closures and what they cost.

    \b
    Example:
      balloons run --data-dir ./data
    """
    ctx.meta["verbose"] = verbose
    prefect_defaults()
    _setup_logging(verbose)


@cli.command()
@data_dir_option
@click.option("--seed", type=int, default=None, help="Random seed [default: the shipped sample's].")
@click.option(
    "--scale",
    type=click.IntRange(min=1),
    default=None,
    help="Instead of the sample, write N synthetic flights (20 airports, 24 months) with "
    "proportional closures and incursions under raw/*/scale/, for benchmarks.",
)
def sample(data_dir: Path | None, seed: int | None, scale: int | None) -> None:
    """Regenerate the sample raw data (byte-identical for the same seed).

    \b
    Example:
      balloons sample --data-dir ./data
      balloons sample --scale 5000000 --data-dir /tmp/big
    """
    from balloons.samples import shipped as sample_data

    settings = current_settings()
    if scale is not None:
        from balloons.samples import scale as scale_data

        paths = scale_data.write(settings.raw_dir, scale, seed=seed if seed is not None else 7)
        click.echo(
            f"sample: wrote {scale:,} flights and their closures and incursions: "
            + ", ".join(str(p) for p in paths.values())
        )
        return
    written, held = sample_data.write(settings.raw_dir, seed if seed is not None else sample_data.SEED)
    click.echo(
        f"sample: wrote {len(written)} file{'' if len(written) == 1 else 's'} under {settings.raw_dir}"
        + (f" ({held} there already)" if held else "")
    )


def _run_ingest(settings: Settings) -> str:
    """The ingest engine in this process: one command needs no orchestration (the nightly flow
    runs the same library steps as Prefect tasks), so no Prefect server starts."""
    from datetime import UTC, datetime

    from balloons.errors import StorageFullError
    from balloons.ingest import ingest as ingest_files
    from balloons.ingest import new_run_id
    from balloons.ingest.validate import Context
    from balloons.lake.storage import lake_store
    from balloons.status import COMPLETED, FAILED, RUNNING, reason, record_ingest

    now = datetime.now(UTC).replace(microsecond=0)
    run_id = new_run_id(now)

    def record(outcome: str, summary: str | None, error: str | None) -> None:
        finished = None if outcome == RUNNING else datetime.now(UTC).replace(microsecond=0).isoformat()
        ingest = {"run_id": run_id, "started_at": now.isoformat(), "finished_at": finished, "pid": os.getpid()}
        record_ingest(settings.data_dir, ingest | {"outcome": outcome, "summary": summary, "error": error})

    record(RUNNING, None, None)  # a killed ingest is then reported crashed by `balloons status`
    try:
        summary = ingest_files(
            settings.raw_dir, lake_store(settings, os.environ), ctx=Context.of(settings, now), run_id=run_id
        )
    except BaseException as exc:  # Ctrl-C too: the record must not stay "running"
        record(FAILED, None, reason(KeyboardInterrupt() if interrupted(exc) else exc))
        raise
    failure = summary.failure_line()
    record(FAILED if failure else COMPLETED, summary.line(), failure)
    if failure:  # the rest landed: say what the run did, then the one error line
        click.echo(f"ingest: {summary.line()}")
        raise StorageFullError(failure)
    return f"ingest: {summary.line()}"


@cli.command()
@data_dir_option
@wait_option
def ingest(data_dir: Path | None, wait: float) -> None:
    """Ingest new or changed raw files into the Parquet lake (in this process; `balloons run` and
    the nightly deployment ingest through the Prefect flow).

    \b
    Example:
      balloons ingest --data-dir ./data
    """
    from balloons.lock import pipeline_lock

    settings = current_settings()
    _require_raw(settings)
    with pipeline_lock(settings.lock_path, wait_s=wait):
        click.echo(_run_ingest(settings))


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@data_dir_option
@wait_option
def forget(paths: tuple[str, ...], data_dir: Path | None, wait: float) -> None:
    """Withdraw what raw files (or folders of them) delivered: their records go unless another file
    delivers them, and the version before comes back. Deleting a raw file does not do this.
    PATH is relative to raw/ (as `ingest_log.path` shows it) or a path under the raw folder.

    \b
    Example:
      balloons forget incursions/synthetic/nkvc/incursions-2025.csv && balloons build
    """
    from datetime import UTC, datetime

    from balloons.ingest import forget as forget_files
    from balloons.ingest.run import display_path
    from balloons.lock import pipeline_lock

    settings = current_settings()
    store = _require_lake(settings)
    raw = settings.raw_dir.resolve()
    relative = [  # a file under raw/ by its path identity (escaped as the ingest log shows it)
        display_path(Path(p).resolve().relative_to(raw).as_posix()) if Path(p).resolve().is_relative_to(raw) else p
        for p in paths
    ]
    now = datetime.now(UTC).replace(microsecond=0)
    with pipeline_lock(settings.lock_path, wait_s=wait):
        gone = forget_files(store, relative, run_id=f"{now:%Y%m%dT%H%M%S}Z-forget", now=now)
    click.echo(
        f"forget: withdrew {len(gone)} raw file(s): {', '.join(gone)}; run `balloons build` to update the warehouse"
    )


@cli.command()
@data_dir_option
@wait_option
@click.option("--all-reports", is_flag=True, help="Re-render every month's report, not only changed months.")
@click.option(
    "--runner",
    default="default",
    show_default=True,
    metavar="default|dask[=ADDRESS]",
    help="Where per-file and per-table tasks run: threads here, a local Dask cluster, or an "
    "existing one (dask=tcp://HOST:8786).",
)
def run(data_dir: Path | None, wait: float, all_reports: bool, runner: str) -> None:
    """Run the whole nightly pipeline once: fetch (declared sources), ingest, rebuild the warehouse
    with impact, reports.

    \b
    Example:
      balloons run --data-dir ./data
    """
    from balloons.lock import pipeline_lock

    settings = current_settings()
    if not settings.sources_path.is_file():  # declared sources create raw/ themselves
        _require_raw(settings)
    _require_folder_to_write(settings.reports_dir, "reports")  # the last step's folder, checked first
    from balloons.errors import FetchError, StorageFullError
    from balloons.status import read_run_status

    with pipeline_lock(settings.lock_path, wait_s=wait):  # before Prefect starts: a second run is refused at once
        from flows.nightly import nightly_run_flow
        from flows.runners import task_runner

        task_runner(runner)  # refuse a bad value before Prefect starts

        try:
            with _flows_here():
                click.echo(nightly_run_flow(settings, all_reports=all_reports, wait_s=wait, runner=runner))
        except (FetchError, StorageFullError):  # the rest of the run went on: what it did, then the one error line
            click.echo(read_run_status(settings.data_dir).get("summary") or "")
            raise


@cli.command()
@data_dir_option
@wait_option
@click.option("--force", is_flag=True, help="Rebuild even when the lake is unchanged since the last build.")
def build(data_dir: Path | None, wait: float, force: bool) -> None:
    """Rebuild the warehouse (data/warehouse.duckdb) from the lake, swapping it in atomically.

    \b
    Example:
      balloons build --data-dir ./data
    """
    from balloons.lock import pipeline_lock

    settings = current_settings()
    store = _require_lake(settings)
    from balloons import lake

    with pipeline_lock(settings.lock_path, wait_s=wait):
        lake.require_zone(store, settings.timezone)  # before Prefect starts
        from flows.warehouse import build_flow

        with _flows_here():
            counts = build_flow(settings, force=force)
    click.echo(
        f"warehouse: {settings.warehouse_path} "
        + (" ".join(f"{k}={v}" for k, v in counts.items()) or "unchanged (use --force to rebuild)")
    )


@cli.command()
@data_dir_option
@wait_option
@click.option("--source", "source", default=None, metavar="NAME", help="Fetch only this declared source.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Fetch from this UTC day instead of from each source's cursor (and ignore ETags).",
)
def fetch(data_dir: Path | None, wait: float, source: str | None, since: Any) -> None:
    """Fetch new records from the sources declared in sources.toml into raw/ (no ingest).

    Sources: BALLOONS_SOURCES, default <data dir>/sources.toml (see data/sources.example.toml).
    Exits 1 with one line naming the sources that failed; the others are still fetched.

    \b
    Example:
      balloons fetch --data-dir ./data
      balloons fetch --source opensky --since 2025-10-01  # a source of data/sources.example.toml
    """
    from balloons.lock import pipeline_lock
    from balloons.status import record_fetch
    from flows.fetch import fetch_flow, fetch_report, sources_of

    settings = current_settings()
    if since is not None and not EARLIEST_SINCE <= since.date() <= datetime.now(UTC).date():
        raise ConfigError(
            f"--since {since.date().isoformat()} is not a day from {EARLIEST_SINCE} to today (UTC); "
            "give the first day to fetch."
        )
    if not sources_of(settings, source).names():
        click.echo(f"fetch: no sources declared in {settings.sources_path}")
        return
    with pipeline_lock(settings.lock_path, wait_s=wait), _flows_here():
        report = fetch_flow(settings, source=source, since=since.date() if since else None)
    record_fetch(settings.data_dir, report.status())
    click.echo(f"fetch: {fetch_report(report)}")
    failure = report.failure_line()
    if failure:
        raise BalloonsError(failure)


@cli.command()
@click.argument("sql")
@data_dir_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def query(sql: str, data_dir: Path | None, fmt: str) -> None:
    """Run one read-only SQL statement against the warehouse.

    \b
    Example:
      balloons query "SELECT * FROM monthly_incursions" --format csv
    """
    from balloons import output, warehouse

    settings = current_settings()
    columns, rows = warehouse.query(settings.warehouse_path, sql)
    click.echo(output.render(columns, rows, fmt=fmt, title=None), nl=fmt == "json")  # CSV and the table end in one


@cli.command()
@data_dir_option
def check(data_dir: Path | None) -> None:
    """Run the data checks (keys, nulls, accepted values, reachability, reconciliation).

    Exits 1 when any check fails.

    \b
    Example:
      balloons check --data-dir ./data
    """
    from balloons import warehouse
    from balloons.warehouse import checks

    settings = current_settings()
    con = warehouse.connect_read_only(settings.warehouse_path)
    try:
        from flows.ingest import lake_of

        results = checks.run_checks(con, lake_of(settings))
    finally:
        con.close()
    for result in results:
        click.echo(
            f"{'ok  ' if result.ok else 'FAIL'} {result.name}" + ("" if result.ok else f" ({result.failures} failing)")
        )
    failed = [r for r in results if not r.ok]
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise click.exceptions.Exit(1)


@cli.command()
@data_dir_option
@click.option("--month", "months", multiple=True, metavar="YYYY-MM", help="Month to render, YYYY-MM (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Render every month with data and every year.")
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Render a --month outside the months the warehouse holds (a report of zeros, on purpose).",
)
def report(data_dir: Path | None, months: tuple[str, ...], everything: bool, allow_empty: bool) -> None:
    """Render the PDF reports a --month or --all asks for (data/reports/YYYY-MM.pdf, YYYY.pdf).

    Always also renders every monthly and yearly report that is missing or was drawn from another
    warehouse build. A --month outside the first..last month with data is refused unless
    --allow-empty.

    \b
    Example:
      balloons report --month 2025-10
      balloons report --all
    """
    from balloons import warehouse
    from balloons.report.periods import check_month, check_months_held

    settings = current_settings()
    if months and everything:
        raise BalloonsError("Give --month or --all, not both.")
    if allow_empty and not months:
        raise BalloonsError("--allow-empty goes with --month: it renders a month outside the data on purpose.")
    warehouse.connect_read_only(settings.warehouse_path).close()  # no warehouse: refuse before Prefect starts
    for month in months:
        check_month(month)
    if months and not allow_empty:
        check_months_held(settings.warehouse_path, months)  # before Prefect starts
    _require_folder_to_write(settings.reports_dir, "reports")
    from flows.report import report_flow

    with _flows_here():
        paths = report_flow(settings, months=list(months) or None, everything=everything, allow_empty=allow_empty)
    for path in paths:
        click.echo(f"report: {path}")
    if not paths:
        click.echo(f"report: every report in {settings.reports_dir} is up to date; nothing rendered")


@cli.command()
@data_dir_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the Markdown here instead of standard output.",
)
def dictionary(data_dir: Path | None, output: Path | None) -> None:
    """Print the data dictionary generated from the warehouse's column descriptions.

    \b
    Example:
      balloons dictionary --output docs/data-dictionary.md
    """
    from balloons import warehouse
    from balloons.warehouse import dictionary as data_dictionary

    settings = current_settings()
    con = warehouse.connect_read_only(settings.warehouse_path)
    try:
        text = data_dictionary.render(con)
    finally:
        con.close()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"dictionary: wrote {output}")


@cli.command()
@data_dir_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(data_dir: Path | None, fmt: str) -> None:
    """Show the last run (time, outcome), the last `balloons ingest`, files ingested, rows and
    newest data per table, quarantine.

    \b
    Example:
      balloons status --data-dir ./data
    """
    import json

    from balloons.lock import lock_holder
    from balloons.status import lake_status, reconcile

    settings = current_settings()
    if not settings.data_dir.is_dir():  # a mistyped folder would look like an empty, healthy one
        raise BalloonsError(
            f"No data folder at {settings.data_dir}: give --data-dir (or BALLOONS_DATA_DIR) of a folder "
            "balloons has run in."
        )
    from balloons.lake.storage import lake_store

    last_run = reconcile(settings.data_dir, settings.lock_path)
    try:
        held: dict[str, Any] = lake_status(lake_store(settings, os.environ))
    except OSError as exc:  # an object store out of reach: the last run is still worth showing
        held = {"lake_error": " ".join(str(exc).split())[:300]}
    state = {
        "last_run": last_run,
        **held,
        "warehouse": str(settings.warehouse_path) if settings.warehouse_path.is_file() else None,
    }
    if fmt == "json":
        click.echo(json.dumps(state, indent=1, sort_keys=True))
        if "lake_error" in state:
            raise BalloonsError("The lake cannot be read (lake_error); check BALLOONS_LAKE_URL and the S3 settings.")
        return
    run_state = state["last_run"]
    click.echo(
        f"last run:   {run_state.get('outcome', 'never')} "
        f"(started {run_state.get('started_at') or '-'}, finished {run_state.get('finished_at') or '-'}"
        + (f", run {run_state['run_id']})" if run_state.get("run_id") else ")")
    )
    if run_state.get("error"):
        click.echo(f"error:      {run_state['error']}")
    ingested = run_state.get("ingest")
    if ingested:  # the last `balloons ingest` outside a run
        click.echo(
            f"last ingest: {ingested.get('outcome')} (finished {ingested.get('finished_at') or '-'}, "
            f"run {ingested.get('run_id') or '-'})" + (f": {ingested['error']}" if ingested.get("error") else "")
        )
    for name, fetched in sorted((run_state.get("fetch") or {}).items()):
        click.echo(
            f"fetch:      {name} {fetched.get('outcome')}"
            + (f" ({fetched['error']})" if fetched.get("error") else "")
            + f" at {fetched.get('fetched_at', '-')}"
        )
    if "lake_error" in state:
        click.echo(f"lake:       cannot be read: {state['lake_error']}")
        click.echo(f"warehouse:  {state['warehouse'] or 'not built'}")
        raise BalloonsError("The lake cannot be read (see above); check BALLOONS_LAKE_URL and the S3 settings.")
    files, runs = state["files_ingested"], state["ingest_runs"]
    click.echo(
        f"ingested:   {files} raw file{'' if files == 1 else 's'} in {runs} run{'' if runs == 1 else 's'}; "
        f"quarantined records: {state['quarantined']}"
    )
    for table, info in state["tables"].items():
        click.echo(f"{table + ':':11} {info['rows']:>9,} rows, newest {info['newest'] or '-'}")
    if state["uncommitted_runs"]:
        runs = ", ".join(state["uncommitted_runs"])
        if lock_holder(settings.lock_path) is not None:
            click.echo(f"lake:       run {runs} is writing to it: the rows above may include what it wrote so far")
        else:
            click.echo(
                f"lake:       run {runs} stopped before it committed: the rows above include what it wrote, "
                "which the next ingest, build or run undoes"
            )
    click.echo(f"warehouse:  {state['warehouse'] or 'not built'}")


@cli.command()
@data_dir_option
def serve(data_dir: Path | None) -> None:
    """Serve the nightly deployment from this process: a run every night at 02:00 Europe/Vilnius.

    Needs a Prefect server (PREFECT_API_URL), e.g. `prefect server start` on 127.0.0.1. Stop it
    with Ctrl-C or SIGTERM (also when started in the background): the deployment is then paused (no
    runs pile up while nobody serves) and resumes when `balloons serve` starts again.

    \b
    Example:
      PREFECT_API_URL=http://127.0.0.1:4200/api balloons serve --data-dir ./data
    """
    settings = current_settings()
    _require_raw(settings)
    # A shell starts background jobs (`nohup balloons serve &`) with SIGINT ignored; take it back so
    # `kill -INT` stops serve the way Ctrl-C does.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    from prefect.settings import get_current_settings

    if not get_current_settings().api.url:
        raise BalloonsError(
            "balloons serve needs a Prefect server: start one ('prefect server start --host "
            "127.0.0.1') and set PREFECT_API_URL=http://127.0.0.1:4200/api."
        )
    _require_prefect_server(get_current_settings().api.url)
    from flows.deploy import DEPLOYMENT_NAME, nightly_schedule
    from flows.nightly import nightly_flow

    nightly_flow.serve(
        name=DEPLOYMENT_NAME,
        schedule=nightly_schedule(),
        parameters={"data_dir": str(settings.data_dir), "all_reports": False, "wait_s": 1800.0},
        global_limit=1,
        pause_on_shutdown=True,
        description="Nightly balloons run (fetch, ingest, warehouse, impact, reports).",
    )


def _require_folder_to_write(folder: Path, what: str) -> None:
    """Refuse at once, before Prefect starts, a folder `what` goes to that cannot be made or written."""
    if folder.exists() and not folder.is_dir():
        raise BalloonsError(f"Cannot write {what} to {folder}: it is a file, not a folder.")
    if folder.is_symlink() and not folder.exists():
        raise BalloonsError(
            f"Cannot write {what} to {folder}: it is a link to {os.readlink(folder)}, which does not exist."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".balloons-write-check-"):
            pass
    except OSError as exc:
        raise BalloonsError(f"Cannot write {what} to {folder}: {exc.strerror or exc}.") from None


def _require_lake(settings: Settings) -> Store:
    """The lake of `settings`, refused at once, before the pipeline lock (whose file would be left
    behind) and before Prefect starts, when the data folder does not exist or nothing was ingested
    into it: a mistyped folder would otherwise become an empty warehouse, or an empty lake."""
    from balloons import lake
    from balloons.lake.storage import lake_store

    if not settings.data_dir.is_dir():
        raise BalloonsError(
            f"No data folder at {settings.data_dir}: give --data-dir (or BALLOONS_DATA_DIR) of a folder "
            "balloons has ingested into."
        )
    store = lake_store(settings, os.environ)
    if not store.is_file(store.path(lake.FORMAT)):
        raise BalloonsError(
            f"No lake at {store.url_of(store.path())}: nothing was ingested into this data folder yet "
            "(run 'balloons ingest' or 'balloons run' first)."
        )
    return store


def _require_raw(settings: Settings) -> None:
    if not settings.raw_dir.is_dir():
        raise BalloonsError(
            f"No raw data at {settings.raw_dir}; put files under raw/incursions, raw/closures, "
            "raw/flights or create the sample with 'balloons sample'."
        )


def main() -> None:
    cli(prog_name="balloons")
