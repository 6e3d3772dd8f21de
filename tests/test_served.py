"""Served and deployed nightly runs against a real `prefect server start` on 127.0.0.1.

Prefect's test harness runs flows in the test process and so hides what breaks when another
process unpickles a flow and validates its parameters. Here one real server (its own PREFECT_HOME,
a free port, analytics off) serves three real paths: `balloons serve` + `prefect deployment run`,
a process work pool + `prefect deploy --all` + `prefect worker start`, and `balloons run --runner
dask` with process workers. Every subprocess is killed in teardown.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from balloons import warehouse
from balloons.samples import shipped as sample
from balloons.status import read_run_status

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, check: Any, timeout: float, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


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


class Server:
    def __init__(self, url: str, env: dict[str, str], logs: Path) -> None:
        self.url, self.env, self.logs = url, env, logs
        self.processes: list[subprocess.Popen[Any]] = []

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.url}{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def start(self, name: str, *args: str, cwd: Path | None = None, **env: str) -> subprocess.Popen[Any]:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - the child writes to it
        process = subprocess.Popen(
            args, cwd=cwd, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        return process

    def run(self, *args: str, cwd: Path | None = None, timeout: float = 120) -> str:
        done = subprocess.run(args, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def deployment(self) -> dict[str, Any] | None:
        try:
            return self.api("GET", "/deployments/name/nightly/nightly")  # type: ignore[no-any-return]
        except httpx.HTTPStatusError:
            return None

    def run_deployment(self, *params: str) -> str:
        """`prefect deployment run nightly/nightly` and the new flow run's id."""
        output = self.run(str(BIN / "prefect"), "deployment", "run", "nightly/nightly", *params)
        match = re.search(r"UUID: ([0-9a-f-]{36})", output)
        assert match, output
        return match.group(1)

    def final_state(self, flow_run_id: str, timeout: float = 240) -> str:
        def state() -> str | None:
            kind = self.api("GET", f"/flow_runs/{flow_run_id}")["state"]["type"]
            return kind if kind in TERMINAL else None

        return str(wait_for(f"flow run {flow_run_id}", state, timeout, every=1))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PREFECT_", "BALLOONS_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_UI_ENABLED="false",
        PREFECT_API_URL=url,
        PREFECT_RUNNER_POLL_FREQUENCY="1",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_LOGGING_EXTRA_LOGGERS="balloons",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    served = Server(url, env, home)
    server_process = served.start(
        "server", str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)
    )

    def healthy() -> bool:
        assert server_process.poll() is None, served.log("server")
        try:
            return httpx.get(f"{url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for("the Prefect server", healthy, timeout=120)
        yield served
    finally:
        for process in reversed(served.processes):
            stop(process)


# October 2025 only (3 of the sample's 20 files): every stage runs, and only two PDFs are rendered
OCTOBER = (
    "incursions/synthetic/vsat/2025-10.jsonl",
    "closures/notam/2025-10.notam",
    "flights/synthetic/EYVI/2025-10.csv.gz",
)


def sample_dir(root: Path) -> Path:
    sample.write(root / "all")
    for name in OCTOBER:
        (root / "raw" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "all" / name).rename(root / "raw" / name)
    return root


def assert_built(data_dir: Path) -> None:
    vsat_records = len((data_dir / "raw" / OCTOBER[0]).read_text(encoding="utf-8").splitlines())
    _, rows = warehouse.query(
        data_dir / "warehouse.duckdb", "select month, incursions from monthly_incursions where incursions > 0"
    )
    assert rows == [("2025-10", vsat_records)]
    assert sorted(p.name for p in (data_dir / "reports").glob("*.pdf")) == ["2025-10.pdf", "2025.pdf"]
    record = read_run_status(data_dir)
    assert record["outcome"] == "completed" and record["run_id"] and record["finished_at"]


def test_served_deployment_run_completes(server: Server, tmp_path: Path) -> None:
    data = sample_dir(tmp_path / "data")
    serve = server.start("serve", str(BIN / "balloons"), "serve", "--data-dir", str(data))
    try:
        deployment = wait_for("the served deployment", server.deployment, timeout=90)
        schedule = deployment["schedules"][0]["schedule"]
        assert (schedule["cron"], schedule["timezone"]) == ("0 2 * * *", "Europe/Vilnius")
        run_id = server.run_deployment()
        assert server.final_state(run_id) == "COMPLETED", server.log("serve")
        assert_built(data)
        assert "Ingest_FlowModel" not in server.log("serve")
        # what README "Operations" says: SIGTERM stops serve cleanly and pauses the deployment
        assert stop(serve, signal.SIGTERM) == 0, server.log("serve")
        assert "Traceback" not in server.log("serve")
        assert server.deployment()["paused"] is True  # type: ignore[index]
    finally:
        stop(serve)
        server.run(str(BIN / "prefect"), "deployment", "delete", "nightly/nightly")


def test_worker_deployment_run_completes(server: Server, tmp_path: Path) -> None:
    data = sample_dir(tmp_path / "data")
    prefect = str(BIN / "prefect")
    server.run(prefect, "work-pool", "create", "balloons", "--type", "process")
    server.run(prefect, "--no-prompt", "deploy", "--all", cwd=REPO)
    worker = server.start("worker", prefect, "worker", "start", "--pool", "balloons", cwd=tmp_path)
    try:
        run_id = server.run_deployment("--param", f"data_dir={data}")
        assert server.final_state(run_id) == "COMPLETED", server.log("worker")
        assert_built(data)
    finally:
        stop(worker)
        server.run(prefect, "deployment", "delete", "nightly/nightly")


def test_dask_process_workers_against_the_server(server: Server, tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.runners import task_runner

    with temporary_settings({PREFECT_API_URL: server.url}):
        assert task_runner("dask").cluster_kwargs["processes"] is True  # real server: process workers
    with temporary_settings({PREFECT_API_URL: None}):
        assert task_runner("dask").cluster_kwargs["processes"] is False  # temporary server: threads
    data = sample_dir(tmp_path / "data")
    out = server.run(str(BIN / "balloons"), "run", "--runner", "dask", "--data-dir", str(data), timeout=300)
    assert "files read 3 (unchanged 0)" in out
    assert_built(data)
    runs = server.api("POST", "/flow_runs/filter", json={"sort": "START_TIME_DESC", "limit": 20})
    flows = {f["id"]: f["name"] for f in server.api("POST", "/flows/filter", json={})}
    nightly = [r for r in runs if flows[r["flow_id"]] == "nightly" and r["deployment_id"] is None]
    assert nightly and nightly[0]["state"]["type"] == "COMPLETED"
    ingest = [r for r in runs if flows[r["flow_id"]] == "ingest"][0]
    tasks = server.api("POST", "/task_runs/filter", json={"flow_runs": {"id": {"any_": [ingest["id"]]}}})
    parsed = [t for t in tasks if t["name"].startswith("parse_raw_file")]
    assert len(parsed) == len(OCTOBER) and {t["state"]["type"] for t in parsed} == {"COMPLETED"}
    assert json.loads((data / "status.json").read_text())["outcome"] == "completed"
