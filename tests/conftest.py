"""Shared fixtures: a validation context with a fixed clock, and small raw trees in tmp dirs."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import airportsdata
import pytest

from flows.cli import prefect_defaults  # noqa: E402 - before anything imports Prefect

prefect_defaults(os.environ)  # what the CLI sets at its edge, for flows the tests call directly

from balloons.ingest.validate import Context  # noqa: E402

VILNIUS = ZoneInfo("Europe/Vilnius")
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
AIRPORTS = airportsdata.load("ICAO")


@pytest.fixture(scope="session")
def ctx() -> Context:
    return Context(zone=VILNIUS, airports=AIRPORTS, now=NOW)


def write(root: Path, relative: str, content: str | bytes) -> Path:
    path = root / "raw" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server for the whole session (flows only; task logic is tested plainly)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def build_warehouse(root: Path, ctx: Context, **params: object) -> Path:
    """Ingest root/raw and build root/warehouse.duckdb with the library (no Prefect)."""
    from balloons import warehouse
    from balloons.ingest import ingest

    ingest(root / "raw", root / "lake", ctx=ctx, run_id="test")
    target = root / "warehouse.duckdb"
    warehouse.build(
        root / "lake", target, params=warehouse.Params(**params), airports=AIRPORTS, aircraft_seats=_seats()
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
