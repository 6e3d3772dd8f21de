"""Served and deployed nightly runs against the session's real `prefect server start` on 127.0.0.1.

Prefect's test harness runs flows in the test process and so hides what breaks when another
process unpickles a flow and validates its parameters. Here the one real server (its own
PREFECT_HOME, a free port, analytics off; `prefect_server` in conftest.py) takes two real paths:
`balloons serve` + `prefect deployment run` (the end-to-end run, on October's three files), and a
process work pool + `prefect deploy --all` + `prefect worker start` (on one small file). Dask
process workers against the same server are in tests/test_dask.py. Each wait is on a line the
child prints or on `prefect deployment run --watch`, never a fixed sleep (the server stores events
in batches: a check of stored events asks again each second until the run's last event is there);
every subprocess is stopped in teardown.
"""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import pytest
from conftest import BIN, OCTOBER, PrefectServer, october

from balloons import warehouse
from balloons.status import read_run_status

REPO = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("prefect")]  # see conftest.py


def one_small_file(root: Path) -> Path:
    (root / "raw" / "incursions").mkdir(parents=True)
    (root / "raw" / "incursions" / "few.jsonl").write_text(
        '{"detected_at": "2025-10-04T21:10:00+03:00", "balloons": 3, "source": "VSAT", "source_id": "w1"}\n'
        '{"detected_at": "2025-10-05T22:40:00+03:00", "balloons": 1, "source": "VSAT", "source_id": "w2"}\n',
        encoding="utf-8",
    )
    return root


def assert_built(data_dir: Path, first_file: str) -> None:
    records = len((data_dir / "raw" / first_file).read_text(encoding="utf-8").splitlines())
    _, rows = warehouse.query(
        data_dir / "warehouse.duckdb", "select month, incursions from monthly_incursions where incursions > 0"
    )
    assert rows == [("2025-10", records)]
    assert sorted(p.name for p in (data_dir / "reports").glob("*.pdf")) == ["2025-10.pdf", "2025.pdf"]
    record = read_run_status(data_dir)
    assert record["outcome"] == "completed" and record["run_id"] and record["finished_at"]


def run_and_watch(server: PrefectServer, *params: str) -> tuple[str, str]:
    """`prefect deployment run nightly/nightly --watch`: returns the flow run's id and final state."""
    output = server.run(
        str(BIN / "prefect"),
        "deployment",
        "run",
        "nightly/nightly",
        *params,
        "--watch",
        "--watch-interval",
        "1",
        "--watch-timeout",
        "400",
        check=False,
        timeout=450,
    )
    match = re.search(r"UUID: ([0-9a-f-]{36})", output)
    assert match, output
    return match.group(1), server.api("GET", f"/flow_runs/{match.group(1)}")["state"]["type"]


def events_of(server: PrefectServer, name: str, flow_runs: list[str]) -> list[dict]:
    """The stored events named `name` of these flow runs (ids)."""
    wanted = {"event": {"name": [name]}, "resource": {"id": [f"prefect.flow-run.{i}" for i in flow_runs]}}
    return server.api("POST", "/events/filter", json={"filter": wanted, "limit": 50})["events"]


def heartbeats(server: PrefectServer, flow_run_id: str, flow_runs: list[str]) -> set[str]:
    """Which of `flow_runs` sent a heartbeat, once the server holds `flow_run_id`'s Completed event
    (the run's last: events reach the server in order, and it stores them in batches)."""
    for _ in range(60):
        if events_of(server, "prefect.flow-run.Completed", [flow_run_id]):
            break
        time.sleep(1)
    else:
        raise AssertionError(f"the Completed event of {flow_run_id} never reached the server")
    found = events_of(server, "prefect.flow-run.heartbeat", flow_runs)
    return {e["resource"]["prefect.resource.id"].removeprefix("prefect.flow-run.") for e in found}


def delete_nightly(server: PrefectServer) -> None:
    deployment = server.api("GET", "/deployments/name/nightly/nightly")
    server.api("DELETE", f"/deployments/{deployment['id']}")


def test_served_deployment_run_completes(prefect_server: PrefectServer, tmp_path: Path) -> None:
    server = prefect_server
    data = october(tmp_path / "data")
    serve = server.start("serve", str(BIN / "balloons"), "serve", "--data-dir", str(data))
    try:
        serve.wait_for_line("is being served", timeout=180)  # printed once the deployment exists
        deployment = server.api("GET", "/deployments/name/nightly/nightly")
        schedule = deployment["schedules"][0]["schedule"]
        assert (schedule["cron"], schedule["timezone"]) == ("0 2 * * *", "Europe/Vilnius")
        flow_run_id, state = run_and_watch(server)
        assert state == "COMPLETED", serve.text()
        assert_built(data, OCTOBER[0])
        # the nightly run sends heartbeats (Prefect's default), its subflows, in its process, do not
        subflows = server.api(
            "POST", "/flow_runs/filter", json={"flow_runs": {"parent_flow_run_id": {"any_": [flow_run_id]}}}
        )
        flows = server.api("POST", "/flows/filter", json={"flows": {"id": {"any_": [s["flow_id"] for s in subflows]}}})
        assert sorted(f["name"] for f in flows) == ["build-warehouse", "ingest", "report"]
        assert heartbeats(server, flow_run_id, [flow_run_id, *(s["id"] for s in subflows)]) == {flow_run_id}
        assert "Ingest_FlowModel" not in serve.text()
        # what README "Operations" says: SIGTERM stops serve cleanly and pauses the deployment
        assert serve.stop(signal.SIGTERM) == 0, serve.text()
        assert "Traceback" not in serve.text()
        assert server.api("GET", "/deployments/name/nightly/nightly")["paused"] is True
    finally:
        serve.stop()
        delete_nightly(server)


def test_worker_deployment_from_prefect_yaml_run_completes(prefect_server: PrefectServer, tmp_path: Path) -> None:
    server = prefect_server
    data = one_small_file(tmp_path / "data")
    prefect = str(BIN / "prefect")
    server.api("POST", "/work_pools/", json={"name": "balloons", "type": "process"})
    server.run(prefect, "--no-prompt", "deploy", "--all", cwd=REPO)  # prefect.yaml, as README says
    worker = server.start("worker", prefect, "worker", "start", "--pool", "balloons", cwd=tmp_path)
    try:
        _, state = run_and_watch(server, "--param", f"data_dir={data}")
        assert state == "COMPLETED", worker.text()
        assert_built(data, "incursions/few.jsonl")
    finally:
        worker.stop()
        delete_nightly(server)
