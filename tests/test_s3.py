"""The lake on S3-compatible object storage: a real S3 protocol server (moto) on 127.0.0.1."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner
from conftest import S3_SECRET

from balloons import lake, warehouse
from balloons.lake import storage
from balloons.samples import shipped as sample
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
    tmp_path: Path, s3_env: str, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BALLOONS_LAKE_URL", f"s3://{s3_env}/balloons/lake")
    sample.write(tmp_path / "raw")
    keep = Keep()
    logging.getLogger("balloons").addHandler(keep)
    try:
        _run_with_an_s3_lake(tmp_path, s3_env, keep)
    finally:
        logging.getLogger("balloons").removeHandler(keep)


def _run_with_an_s3_lake(tmp_path: Path, s3_env: str, keep: Keep) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["-v", "run", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    keys = objects(s3_env)
    assert "balloons/lake/incursions/month=2025-10/data.parquet" in keys
    assert "balloons/lake/quarantine/data.parquet" in keys
    assert not (tmp_path / "lake").exists()  # raw, warehouse and reports stay under the data dir
    assert (tmp_path / "warehouse.duckdb").is_file() and (tmp_path / "reports" / "2025-10.pdf").is_file()
    _, rows = warehouse.query(
        tmp_path / "warehouse.duckdb", "select incursions from monthly_incursions where month = '2025-10'"
    )
    assert rows == [(71,)]
    query = runner.invoke(
        cli, ["query", "select count(*) as n from flights", "--format", "csv", "--data-dir", str(tmp_path)]
    )
    assert query.output.split() == ["n", "19641"]

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
