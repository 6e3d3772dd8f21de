"""Shared fixtures: a validation context with a fixed clock, and small raw trees in tmp dirs."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import airportsdata
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

from balloons.validate import Context  # noqa: E402

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
    from balloons import aircraft, warehouse
    from balloons.ingest import ingest

    ingest(root / "raw", root / "lake", ctx=ctx, run_id="test")
    target = root / "warehouse.duckdb"
    warehouse.build(root / "lake", target, params=warehouse.Params(**params), airports=AIRPORTS,
                    aircraft_seats=_seats())
    return target


_SEATS = None


def _seats():
    global _SEATS
    if _SEATS is None:
        from balloons import aircraft

        _SEATS = aircraft.seat_table()
    return _SEATS


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory: pytest.TempPathFactory, ctx: Context) -> Path:
    """A data directory with the shipped sample ingested and the warehouse built."""
    from balloons import sample

    root = tmp_path_factory.mktemp("sample-data")
    sample.write(root / "raw")
    build_warehouse(root, ctx)
    return root
