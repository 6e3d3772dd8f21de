"""The Dask runner: process workers against a real Prefect server give the same warehouse as the
library.

With a Prefect server configured (PREFECT_API_URL) `--runner dask` starts a local cluster of
process workers, each reporting to that server; under a temporary server it uses thread workers
(process workers would each start a temporary server of their own). The run here is a real
`balloons run --runner dask` process against the session's `prefect server start` on the sample's
October files, compared with what the library builds of the same files in this process.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BIN, OCTOBER, PrefectServer, assert_resolved, build_warehouse, october, warehouse_contents

from balloons.samples import shipped as sample
from balloons.status import read_run_status
from flows.cli import cli

pytestmark = pytest.mark.xdist_group("prefect")  # see conftest.py


def test_the_cluster_uses_processes_only_with_a_real_server(prefect_server: PrefectServer) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.runners import task_runner

    with temporary_settings({PREFECT_API_URL: prefect_server.url}):
        assert task_runner("dask").cluster_kwargs["processes"] is True  # real server: process workers
    with temporary_settings({PREFECT_API_URL: None}):
        assert task_runner("dask").cluster_kwargs["processes"] is False  # temporary server: threads


@pytest.mark.slow
def test_dask_process_workers_match_the_library(prefect_server: PrefectServer, tmp_path: Path, ctx) -> None:
    """`balloons run --runner dask` on the sample's October files (and two that make rows
    quarantined, duplicated and superseded) gives the warehouse that the library (ingest and build
    in this process, no Prefect) gives on the same files."""
    server = prefect_server
    data = october(tmp_path / "dask", resolving=True)
    out = server.run(str(BIN / "balloons"), "run", "--runner", "dask", "--data-dir", str(data), timeout=600)
    assert f"files read {len(OCTOBER) + 2} (unchanged 0)" in out
    # outside a terminal the workers' Prefect console is quiet too (found by an operator's trial:
    # their "Task run … Finished in state Completed()" lines reached cron's mail)
    assert "Task run" not in out and "| INFO" not in out, out
    assert read_run_status(data)["outcome"] == "completed"

    expected = warehouse_contents(build_warehouse(october(tmp_path / "library", resolving=True), ctx))
    dask = warehouse_contents(data / "warehouse.duckdb")
    assert expected.keys() == dask.keys()
    for relation in expected:
        assert expected[relation] == dask[relation], relation
    assert len(dask["flights"]) > 1000 and len(dask["closures"]) > 0 and len(dask["incursions"]) > 10
    assert_resolved(data)
    assert sorted(p.name for p in (data / "reports").glob("*.pdf")) == ["2025-10.pdf", "2025.pdf"]

    # the server saw this run: the nightly flow completed, every parse task ran on the cluster
    flows = {f["id"]: f["name"] for f in server.api("POST", "/flows/filter", json={})}
    runs = server.api("POST", "/flow_runs/filter", json={"sort": "START_TIME_DESC", "limit": 50})

    def data_dir(run: dict) -> str | None:  # `balloons run` passes its Settings, a deployment its data_dir
        params = run["parameters"]
        return params.get("data_dir") or (params.get("settings") or {}).get("data_dir")

    nightly = [r for r in runs if flows[r["flow_id"]] == "nightly" and data_dir(r) == str(data)]
    assert [r["state"]["type"] for r in nightly] == ["COMPLETED"], [r["parameters"] for r in runs]
    ingest = next(r for r in runs if flows[r["flow_id"]] == "ingest" and r["start_time"] >= nightly[0]["start_time"])
    tasks = server.api("POST", "/task_runs/filter", json={"flow_runs": {"id": {"any_": [ingest["id"]]}}})
    parsed = [t for t in tasks if t["name"].startswith("parse_raw_files")]  # one task per table
    assert len(parsed) == len({name.split("/")[0] for name in OCTOBER}) and {t["state"]["type"] for t in parsed} == {
        "COMPLETED"
    }


def test_unknown_runner_is_refused(tmp_path: Path) -> None:
    sample.write(tmp_path / "raw")
    result = CliRunner().invoke(cli, ["run", "--runner", "spark", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "Unknown runner 'spark'" in result.output


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("tcp://127.0.0.1", "missing port number"),
        ("http://127.0.0.1:8786", "unknown address scheme 'http'"),
        ("127.0.0.1:8786", "Invalid url scheme"),
        ("inproc://x", "unknown address scheme 'inproc'"),
        ("tcp://localhost:99999", "port 99999 is not one from 1 to 65535"),
        ("tcp://127.0.0.1:0", "port 0 is not one from 1 to 65535"),
        ("tcp://:8786", "no host"),
        ("ucx://127.0.0.1:8786", "unknown address scheme 'ucx'"),
        ("tcp://h o:8786", "'h o' is not a host name or address"),
    ],
)
def test_a_scheduler_address_no_scheduler_can_have_is_refused_up_front(address: str, why: str) -> None:
    """Found by an operator's trial: such an address failed only after Prefect had started."""
    from balloons.errors import ConfigError
    from flows.runners import task_runner

    with pytest.raises(ConfigError, match=f"--runner dask={address} is not a Dask scheduler's address .*{why}"):
        task_runner(f"dask={address}")
    assert task_runner("dask=tcp://127.0.0.1:8786").address == "tcp://127.0.0.1:8786"


def test_a_refusal_names_what_to_check() -> None:
    from flows.cli import _os_error_hint

    s3 = OSError("When getting information for key 'a/format.json' in bucket 'lake': AWS Error NETWORK_CONNECTION")
    assert "BALLOONS_LAKE_URL, BALLOONS_S3_ENDPOINT_URL" in _os_error_hint(s3)
    dask = OSError("Timed out trying to connect to tcp://127.0.0.1:8799 after 30 s")
    assert "--runner" in _os_error_hint(dask)
    assert "disk space" in _os_error_hint(OSError(28, "No space left on device"))
