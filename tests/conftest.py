"""Shared fixtures: a validation context with a fixed clock, and small raw trees in tmp dirs.

`make test` runs the suite in two pytest-xdist workers (`--dist loadgroup`). Session fixtures start
once per worker, so the modules that need the Prefect server or the sample run through Prefect are
marked `xdist_group("prefect")` and all run in one worker: one server and one sample run per suite.
Modules with an expensive module fixture (rendered reports) are each a group of their own. Mark
whole modules only: xdist names a test marked in two places after both groups (a group of its own).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import airportsdata
import pytest

from flows.cli import prefect_defaults  # noqa: E402 - before anything imports Prefect

prefect_defaults(os.environ)  # what the CLI sets at its edge, for flows the tests call directly

from balloons.ingest.validate import Context  # noqa: E402
from balloons.lake.storage import local  # noqa: E402

VILNIUS = ZoneInfo("Europe/Vilnius")
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
AIRPORTS = airportsdata.load("ICAO")


_LIBRARY = logging.getLogger("balloons")
_PRISTINE = (_LIBRARY.level, _LIBRARY.propagate)


@pytest.fixture(autouse=True)
def library_logger_as_it_was() -> Iterator[None]:
    """The CLI, called in-process, gives the library's logger a console handler and stops it
    propagating; each test starts and ends without them, so its caplog sees the library's records
    whatever ran first (a session fixture that ran the CLI, such as `sample_run`, is set up before
    this fixture, so the state at its start is no guide). Prefect's handlers stay: it adds them once
    per process (PREFECT_LOGGING_EXTRA_LOGGERS) and the runs' logs need them."""
    from flows.cli import CONSOLE

    def reset() -> None:
        _LIBRARY.handlers[:] = [h for h in _LIBRARY.handlers if not getattr(h, CONSOLE, False)]
        _LIBRARY.level, _LIBRARY.propagate = _PRISTINE

    reset()
    yield
    reset()


@pytest.fixture(autouse=True)
def not_stopping() -> Iterator[None]:
    """A test that stops a flow or the command in-process (a KeyboardInterrupt through it) leaves
    the process stopping: `STOPPING` set, SIGINT and SIGTERM ignored. The next test starts as a new
    command would."""
    import signal
    import threading

    from balloons.stopping import STOPPING
    from flows import interrupts

    handlers = {stop: signal.getsignal(stop) for stop in (signal.SIGINT, signal.SIGTERM)}
    yield
    STOPPING.clear()
    interrupts._RAISED.clear()
    if threading.current_thread() is threading.main_thread():
        for stop, handler in handlers.items():
            if handler is not None:
                signal.signal(stop, handler)


@pytest.fixture(scope="session")
def ctx() -> Context:
    return Context(zone=VILNIUS, airports=AIRPORTS, now=NOW)


def write(root: Path, relative: str, content: str | bytes) -> Path:
    path = root / "raw" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


# --- one real Prefect server for the whole session -------------------------------------------------

BIN = Path(sys.executable).parent


def assert_accounted(root: Path) -> None:
    """Every file's rows of every run under `root/lake` are accounted for in its ingest-log row:
    read = landed + quarantined + duplicate + superseded + skipped."""
    from balloons import lake
    from balloons.lake.storage import local

    for row in lake.read_ingest_log(local(root / "lake")).to_pylist():
        assert row["rows_read"] == (
            row["rows_landed"]
            + row["rows_quarantined"]
            + row["rows_duplicate"]
            + row["rows_superseded"]
            + row["rows_skipped"]
        ), row


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop(process: subprocess.Popen[Any], sig: int = signal.SIGTERM, timeout: float = 20) -> int | None:
    """Signal the process group; kill it if it outlives the timeout. Returns the exit code."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    return process.returncode


class Child:
    """A process started in its own group whose output (stdout and stderr) a thread copies into a
    log file line by line; `wait_for_line` blocks on that thread's notifications, no polling."""

    def __init__(self, args: Sequence[str], log: Path, **popen: Any) -> None:
        self.log = log
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            text=True,
            errors="replace",
            **popen,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with open(self.log, "w", encoding="utf-8") as copy:
            for line in self.process.stdout:
                copy.write(line)
                copy.flush()
                with self._changed:
                    self.lines.append(line)
                    self._changed.notify_all()
        with self._changed:
            self.lines.append("")  # end of output: the process closed it (it exited)
            self._changed.notify_all()

    def wait_for_line(self, needle: str, timeout: float) -> str:
        """The first output line containing `needle`; fails when the output ends or time is up."""
        checked = 0
        with self._changed:
            while True:
                for line in self.lines[checked:]:
                    if needle in line:
                        return line
                    if line == "":
                        raise AssertionError(f"exited without printing {needle!r}:\n{self.text()}")
                checked = len(self.lines)
                if not self._changed.wait(timeout):
                    raise AssertionError(f"no line with {needle!r} within {timeout:.0f} s:\n{self.text()}")

    def text(self) -> str:
        return "".join(self.lines)

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        code = stop(self.process, sig)
        self._reader.join(10)
        return code


class PrefectServer:
    """A `prefect server start` on 127.0.0.1 (free port, own PREFECT_HOME, analytics off) and the
    environment that points subprocesses at it."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BALLOONS_"))}
        env.update(
            PREFECT_HOME=str(home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            DO_NOT_TRACK="1",
            PREFECT_UI_ENABLED="false",
            PREFECT_API_URL=self.url,
            PREFECT_RUNNER_POLL_FREQUENCY="1",
            PREFECT_WORKER_QUERY_SECONDS="1",
            PREFECT_LOGGING_EXTRA_LOGGERS="balloons",
            PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        )
        self.env = env
        self.children: list[Child] = []

    def start(self, name: str, *args: str, cwd: Path | None = None, **env: str) -> Child:
        child = Child(args, self.home / f"{name}.log", cwd=cwd, env={**self.env, **env})
        self.children.append(child)
        return child

    def run(self, *args: str, cwd: Path | None = None, timeout: float = 300, check: bool = True) -> str:
        done = subprocess.run(args, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check:
            assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        response = httpx.request(method, f"{self.url}{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def database(self) -> Path:
        (path,) = self.home.glob("prefect.db")
        return path

    def close(self) -> None:
        for child in reversed(self.children):
            child.stop()


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """One real Prefect server for the session: served and worker runs, Dask process workers, and
    the flows tests run in this process all report to it."""
    server = PrefectServer(tmp_path_factory.mktemp("prefect-home"))
    process = server.start(
        "server",
        str(BIN / "prefect"),
        "server",
        "start",
        "--host",
        "127.0.0.1",
        "--port",
        str(server.port),
        "--log-level",
        "INFO",  # uvicorn then says "Application startup complete" once it serves
    )
    try:
        process.wait_for_line("Application startup complete", timeout=180)
        assert server.api("GET", "/health") is True
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def prefect_harness(prefect_server: PrefectServer) -> Iterator[None]:
    """Flows called in this process (CLI runner) report to the session's real server.

    Without flow-run heartbeats: Prefect's heartbeat thread sleeps in one-second steps and every
    flow joins it on exit, so each of a run's 4-5 (sub)flows waited up to a second for nothing
    (nothing here watches heartbeats; served and worker runs in subprocesses keep Prefect's default)."""
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: prefect_server.url, "flows.heartbeat_frequency": None}):
        yield
        APILogWorker.drain_all(timeout=5)  # the last run logs reach the server before it stops


def build_warehouse(root: Path, ctx: Context, **params: object) -> Path:
    """Ingest root/raw and build root/warehouse.duckdb with the library (no Prefect)."""
    from balloons import warehouse
    from balloons.ingest import ingest

    ingest(root / "raw", local(root / "lake"), ctx=ctx, run_id="test")
    target = root / "warehouse.duckdb"
    warehouse.build(
        local(root / "lake"), target, params=warehouse.Params(**params), airports=AIRPORTS, aircraft_seats=_seats()
    )
    return target


_SEATS = None


def _seats():
    global _SEATS
    if _SEATS is None:
        from balloons.warehouse import aircraft

        _SEATS = aircraft.seat_table()
    return _SEATS


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory: pytest.TempPathFactory, ctx: Context) -> Path:
    """A data directory with the shipped sample ingested and the warehouse built."""
    from balloons.samples import shipped as sample

    root = tmp_path_factory.mktemp("sample-data")
    sample.write(root / "raw")
    build_warehouse(root, ctx)
    return root


# October 2025 only (3 of the sample's 20 files): every stage runs, and only two PDFs are rendered
OCTOBER = (
    "incursions/synthetic/vsat/2025-10.jsonl",
    "closures/notam/2025-10.notam",
    "flights/synthetic/EYVI/2025-10.csv.gz",
)


@functools.cache
def _sample_files() -> dict[str, bytes]:
    from balloons.samples import shipped as sample

    return sample.generate()


def october(root: Path, *, resolving: bool = False) -> Path:
    """Write the sample's October files (`OCTOBER`) under root/raw; returns root. `resolving` adds
    two small files, so that rows are also quarantined, duplicated and superseded: the sample's
    reported closures of October (they replace the NOTAM ones) and a re-send of VSAT records (one
    the same, one changed, one impossible)."""
    files = _sample_files()
    written = {name: files[name] for name in OCTOBER}
    if resolving:
        reported = files["closures/reported/closures-2025.csv"].decode().splitlines(keepends=True)
        header, rows = reported[0], [row for row in reported[1:] if row[5:12] == "2025-10"]
        same, changed = files[OCTOBER[0]].decode().splitlines(keepends=True)[:2]
        written["closures/reported/closures-2025-10.csv"] = (header + "".join(rows)).encode()
        written["incursions/synthetic/vsat/resend-2025-10.jsonl"] = (
            same
            + changed.replace('"balloons": ', '"balloons": 1')
            + '{"detected_at": "2025-02-30T10:00:00Z", "source": "VSAT", "source_id": "VSAT-bad"}\n'
        ).encode()
    for name, content in written.items():
        (root / "raw" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "raw" / name).write_bytes(content)
    return root


def assert_resolved(root: Path) -> None:
    """root's warehouse holds what `october(resolving=True)` makes: quarantined, duplicate and
    superseded rows (so comparing two warehouses of it compares more than the happy path)."""
    from balloons import warehouse

    _, rows = warehouse.query(
        root / "warehouse.duckdb",
        "select sum(rows_quarantined), sum(rows_duplicate), sum(rows_superseded) from ingest_log",
    )
    assert rows == [(1, 1, 8)], rows


LINEAGE = {"run_id", "ingested_at", "last_ingest", "fingerprint", "lake_files"}


def warehouse_contents(path: Path) -> dict[str, list[tuple]]:
    """Every public relation's rows (sorted), lineage of the run that built it left out: two
    warehouses of the same raw files built in different ways compare equal."""
    from balloons import warehouse

    out = {}
    con = warehouse.connect_read_only(path)
    try:
        for relation in warehouse.PUBLIC_RELATIONS:
            if relation == "build_info":
                continue
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where table_name = ? order by column_index", [relation]
                ).fetchall()
                if c not in LINEAGE
            ]
            listed = ", ".join(f'"{c}"' for c in columns)  # names read from the catalogue of our own tables
            out[relation] = con.execute(f'select {listed} from "{relation}" order by all').fetchall()
    finally:
        con.close()
    return out


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 protocol server (moto) on 127.0.0.1, for the whole session; yields its endpoint URL."""
    import logging
    import socket

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


S3_SECRET = "s3cr3t-never-logged-0123456789"


@pytest.fixture
def s3_env(s3_server: str, monkeypatch: pytest.MonkeyPatch):
    """Standard AWS variables pointing at the local server, and a fresh bucket; yields the bucket name."""
    import uuid

    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "balloons-test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    bucket = f"lake-{uuid.uuid4().hex[:8]}"
    boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="balloons-test-key",
        aws_secret_access_key=S3_SECRET,
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    return bucket


@dataclass(frozen=True)
class SampleRun:
    """A data directory after one `balloons run` (default runner) on the shipped sample."""

    root: Path
    output: str
    started: datetime
    finished: datetime


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> SampleRun:
    """One real `balloons run` through Prefect on the sample, shared by the tests that need one
    (each works on a copy: `sample_run_copy`)."""
    from click.testing import CliRunner

    from balloons.samples import shipped as sample
    from flows.cli import cli

    root = tmp_path_factory.mktemp("sample-run")
    sample.write(root / "raw")
    started = datetime.now(UTC)
    result = CliRunner().invoke(cli, ["run", "--data-dir", str(root)])
    assert result.exit_code == 0, result.output
    return SampleRun(root, result.output, started, datetime.now(UTC))


@pytest.fixture
def sample_run_copy(sample_run: SampleRun, tmp_path: Path) -> Path:
    """A copy of the sample run's data directory (mtimes kept) that a test may change."""
    shutil.copytree(sample_run.root, tmp_path / "data")
    return tmp_path / "data"


def at_a_terminal() -> None:
    """A child's SIGINT as a terminal's command has it (a `preexec_fn`): default action, not
    blocked (a test runner may leave it ignored or blocked for its children)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


# --- loopback servers ---------------------------------------------------------------------------------


@dataclass
class Drip:
    """A loopback server answering every GET with a body sent one byte every `pause_s` seconds."""

    url: str
    asked: threading.Event


@contextlib.contextmanager
def drip_server(pause_s: float, size: int = 100_000) -> Iterator[Drip]:
    """A server that drips its answer (`size` bytes, Content-Length set), for fetch timeouts and Ctrl-C."""
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    asked = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.set()
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            try:
                for _ in range(size):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(pause_s)
            except OSError:
                pass  # the client gave up, as it should

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Drip(f"http://127.0.0.1:{server.server_port}", asked)
    finally:
        server.shutdown()


# --- the real CLI in a fresh process ----------------------------------------------------------------

PROBE = """
import atexit, os, resource, sys
atexit.register(lambda: open(os.environ["PROBE"], "w").write(str("prefect" in sys.modules)))
if os.environ.get("FILE_SIZE_LIMIT"):
    limit = int(os.environ["FILE_SIZE_LIMIT"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv[0] = "balloons"
from flows.cli import main
main()
"""


def cli_process(
    tmp_path: Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 300,
    file_size_limit: int | None = None,
) -> tuple[subprocess.CompletedProcess[str], bool]:
    """Run the real CLI in a fresh process; returns the result and whether Prefect was imported.
    With `file_size_limit` the operating system refuses (EFBIG) any write that would make a file
    of the process larger than that many bytes, as a full disk refuses it (Python ignores SIGXFSZ;
    the process writes no bytecode, which a refused write would leave truncated in the venv)."""
    import os

    probe = tmp_path / "prefect-imported"
    environment = {**os.environ, **(env or {}), "PROBE": str(probe)}
    if file_size_limit is not None:
        environment |= {"FILE_SIZE_LIMIT": str(file_size_limit), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done, probe.read_text() == "True"
