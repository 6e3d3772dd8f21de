"""The Dask runner: process workers against a real Prefect server give the same warehouse as the
default runner.

With a Prefect server configured (PREFECT_API_URL) `--runner dask` starts a local cluster of
process workers, each reporting to that server; under a temporary server it uses thread workers
(process workers would each start a temporary server of their own). The run here is a real
`balloons run --runner dask` process against the session's `prefect server start`, compared with
the session's default-runner run of the same sample (`sample_run` in conftest.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BIN, PrefectServer, SampleRun

from balloons import warehouse
from balloons.samples import shipped as sample
from balloons.status import read_run_status
from flows.cli import cli

pytestmark = pytest.mark.xdist_group("prefect")  # see conftest.py

LINEAGE = {"run_id", "ingested_at", "last_ingest", "fingerprint", "lake_files"}


def contents(path: Path) -> dict[str, list[tuple]]:
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


def test_the_cluster_uses_processes_only_with_a_real_server(prefect_server: PrefectServer) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.runners import task_runner

    with temporary_settings({PREFECT_API_URL: prefect_server.url}):
        assert task_runner("dask").cluster_kwargs["processes"] is True  # real server: process workers
    with temporary_settings({PREFECT_API_URL: None}):
        assert task_runner("dask").cluster_kwargs["processes"] is False  # temporary server: threads


@pytest.mark.slow
def test_dask_process_workers_match_the_default_runner(
    prefect_server: PrefectServer, sample_run: SampleRun, tmp_path: Path
) -> None:
    server = prefect_server
    data = tmp_path / "dask"
    shutil.copytree(sample_run.root / "raw", data / "raw")
    out = server.run(str(BIN / "balloons"), "run", "--runner", "dask", "--data-dir", str(data), timeout=600)
    files = len(sample.generate())
    tables = {path.split("/")[0] for path in sample.generate()}
    assert f"files read {files} (unchanged 0)" in out
    assert read_run_status(data)["outcome"] == "completed"

    default, dask = contents(sample_run.root / "warehouse.duckdb"), contents(data / "warehouse.duckdb")
    assert default.keys() == dask.keys()
    for relation in default:
        assert default[relation] == dask[relation], relation
    assert len(dask["flights"]) == 19641
    assert sorted(p.name for p in (data / "reports").glob("*.pdf")) == sorted(
        p.name for p in (sample_run.root / "reports").glob("*.pdf")
    )

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
    assert len(parsed) == len(tables) and {t["state"]["type"] for t in parsed} == {"COMPLETED"}


def test_unknown_runner_is_refused(tmp_path: Path) -> None:
    sample.write(tmp_path / "raw")
    result = CliRunner().invoke(cli, ["run", "--runner", "spark", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "Unknown runner 'spark'" in result.output
