"""The lake on S3-compatible object storage: a real S3 protocol server (moto) on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import gzip
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner
from conftest import OCTOBER, S3_SECRET, assert_resolved, build_warehouse, october, warehouse_contents
from fakes import Disk, filesystem

from balloons import lake, warehouse
from balloons.lake import storage
from balloons.settings import load_settings
from flows.cli import cli

pytestmark = pytest.mark.xdist_group("prefect")  # see conftest.py


def objects(bucket: str) -> dict[str, tuple[str, int]]:
    client = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
    listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: (o["ETag"], o["Size"]) for o in listing if not o["Key"].endswith("/")}


class Keep(logging.Handler):
    """Keeps every formatted library log line (the CLI's logger does not propagate to pytest's)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.mark.slow
def test_pipeline_with_an_s3_lake(
    tmp_path: Path, s3_env: str, prefect_harness: None, monkeypatch: pytest.MonkeyPatch, ctx
) -> None:
    """`balloons run` with its lake in a bucket, on the sample's October files (and two that make
    rows quarantined, duplicated and superseded): the warehouse the library builds of the same
    files on a local lake, and a rerun that changes no object."""
    monkeypatch.setenv("BALLOONS_LAKE_URL", f"s3://{s3_env}/balloons/lake")
    october(tmp_path, resolving=True)
    keep = Keep()
    logging.getLogger("balloons").addHandler(keep)
    try:
        _run_with_an_s3_lake(tmp_path, s3_env, keep)
    finally:
        logging.getLogger("balloons").removeHandler(keep)
    expected = warehouse_contents(build_warehouse(october(tmp_path / "local", resolving=True), ctx))
    got = warehouse_contents(tmp_path / "warehouse.duckdb")
    assert got.keys() == expected.keys()
    for relation in expected:
        assert got[relation] == expected[relation], relation
    assert_resolved(tmp_path)


def _run_with_an_s3_lake(tmp_path: Path, s3_env: str, keep: Keep) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["-v", "run", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    keys = objects(s3_env)
    assert "balloons/lake/incursions/month=2025-10/data.parquet" in keys
    assert "balloons/lake/flights/month=2025-10/data.parquet" in keys
    assert "balloons/lake/quarantine/data.parquet" in keys
    assert not (tmp_path / "lake").exists()  # raw, warehouse and reports stay under the data dir
    assert (tmp_path / "warehouse.duckdb").is_file() and (tmp_path / "reports" / "2025-10.pdf").is_file()
    flights = len(gzip.decompress((tmp_path / "raw" / OCTOBER[2]).read_bytes()).splitlines()) - 1  # less the header
    query = runner.invoke(
        cli, ["query", "select count(*) as n from flights", "--format", "csv", "--data-dir", str(tmp_path)]
    )
    assert query.output.split() == ["n", str(flights)]  # the file holds no bad or repeated flight

    again = runner.invoke(cli, ["run", "--data-dir", str(tmp_path)])
    assert again.exit_code == 0 and "files read 0" in again.output and "unchanged" in again.output
    assert objects(s3_env) == keys  # a rerun is a no-op on the bucket

    check = runner.invoke(cli, ["check", "--data-dir", str(tmp_path)])
    assert check.exit_code == 0, check.output
    status = runner.invoke(cli, ["status", "--format", "json", "--data-dir", str(tmp_path)])
    assert any(f"s3://{s3_env}/balloons/lake/incursions/month=2025-10/data.parquet" in line for line in keep.lines)
    everything = "\n".join([first.output, again.output, check.output, status.output, *keep.lines])
    assert S3_SECRET not in everything
    assert S3_SECRET not in repr(load_settings(s3_secret_access_key=S3_SECRET))


UPLOAD = r"""
import os, signal, sys
from balloons.lake import storage

store = storage.s3(sys.argv[1], env=os.environ)
stream = store.fs.open_output_stream(store.path("incursions", "month=2025-10", "data.parquet"))
stream.write(os.urandom(12 * 1024 * 1024))  # several multipart parts are on their way
stream.flush()
os.kill(os.getpid(), signal.SIGKILL)  # before the upload completes
"""


def test_interrupted_upload_leaves_no_partial_object(s3_env: str) -> None:
    url = f"s3://{s3_env}/lake"
    killed = subprocess.run([sys.executable, "-c", UPLOAD, url], capture_output=True, text=True, env=os.environ.copy())
    assert killed.returncode == -9, killed.stderr
    assert objects(s3_env) == {}
    store = storage.s3(url, env=os.environ)
    assert lake.months(store, "incursions") == []


def test_store_from_settings_uses_aws_variables_and_overrides(s3_env: str, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, lake_url=f"s3://{s3_env}/x")
    store = storage.lake_store(settings, os.environ)
    assert (store.local, store.url, store.root) == (False, f"s3://{s3_env}/x", f"{s3_env}/x")
    local = storage.lake_store(load_settings(data_dir=tmp_path), os.environ)
    assert local.local and local.root == (tmp_path / "lake").as_posix()
    with pytest.raises(Exception, match="s3://bucket/prefix"):
        storage.s3("s3:///nobucket", env=os.environ)


FLT = "airport,direction,flight_number,scheduled_at,status\n"


class Uncommitted(Disk):
    """The bucket, refusing the mark of a run's commit: the run stops right there, as if killed."""

    def open_output_stream(self, path: str, metadata: Any) -> Any:
        if path.endswith(f"/{lake.COMMITTED}"):
            raise RuntimeError("killed before its commit")
        return super().open_output_stream(path, metadata)


def test_appended_months_fold_and_recover_on_s3(s3_env: str, tmp_path: Path, ctx) -> None:
    """On S3, a run's new flight keys are an add-<run>.parquet object in both datasets; the warehouse
    and its "every lake row reachable" checks read them; a change folds them away (deleted objects);
    an uncommitted append is undone by the next run; the lake equals the same history on a folder."""
    from conftest import AIRPORTS, _seats, write

    from balloons.ingest import forget, ingest
    from balloons.warehouse import checks

    prefix = "lake"
    s3 = storage.s3(f"s3://{s3_env}/{prefix}", env=os.environ)
    folder = storage.local(tmp_path / "lake")
    october = "flights/month=2025-10"

    def run(run_id: str, *, store: storage.Store = s3) -> None:
        ingest(tmp_path / "raw", store, ctx=ctx, run_id=run_id)

    def held() -> list[str]:
        return sorted(k.removeprefix(f"{prefix}/") for k in objects(s3_env) if f"/{october}/" in f"/{k}")

    def rows(store: storage.Store) -> list[tuple]:
        return sorted(
            (r["flight_number"], r["status"], r["source_file"])
            for m in lake.months(store, "flights")
            for r in lake.read_partition(store, "flights", m).to_pylist()
        )

    write(tmp_path, "flights/d1.csv", FLT + "EYVI,arrival,FR1,2025-10-04T22:30,operated\n")
    run("r1")
    write(tmp_path, "flights/d2.csv", FLT + "EYVI,arrival,FR2,2025-10-05T22:30,operated\n")
    run("r2")
    assert held() == [
        f"contributions/{october}/add-r2.parquet",
        f"contributions/{october}/data.parquet",
        f"{october}/add-r2.parquet",
        f"{october}/data.parquet",
    ]
    target = tmp_path / "warehouse.duckdb"
    warehouse.build(s3, target, params=warehouse.Params(), airports=AIRPORTS, aircraft_seats=_seats())
    con = warehouse.connect_read_only(target)
    try:
        assert con.execute("select count(*) from flights").fetchone() == (2,)
        assert [r for r in checks.run_checks(con, s3) if not r.ok] == []
    finally:
        con.close()

    write(tmp_path, "flights/d3.csv", FLT + "EYVI,arrival,FR3,2025-10-06T22:30,operated\n")
    with pytest.raises(RuntimeError, match="killed before its commit"):
        run("r3", store=dataclasses.replace(s3, fs=filesystem(Uncommitted(s3.fs))))
    assert f"{october}/add-r3.parquet" in held()  # written, not committed
    write(tmp_path, "flights/d1.csv", FLT + "EYVI,arrival,FR1,2025-10-04T22:30,cancelled\n")
    run("r4")  # undoes r3, then folds: a key the month holds
    assert held() == [f"contributions/{october}/data.parquet", f"{october}/data.parquet"]
    forget(s3, ["flights/d2.csv"], run_id="f5", now=ctx.now)
    assert rows(s3) == [("FR1", "cancelled", "flights/d1.csv"), ("FR3", "operated", "flights/d3.csv")]
    for path in ("d1", "d3"):  # the same end state on a folder, in one run
        (tmp_path / "raw" / "flights" / f"{path}.csv").touch()
    (tmp_path / "raw" / "flights" / "d2.csv").unlink()
    run("fresh", store=folder)
    assert rows(folder) == rows(s3)
