"""Data checks (checks.py): all pass on the sample, and each one fails on the fault it names.

The sample warehouse's relations are copied into an in-memory database, a fault is planted in
that copy, and `run_checks` must report exactly the checks the fault breaks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from balloons import lake, warehouse
from balloons.lake.storage import local
from balloons.schema import RECORD_TABLES
from balloons.warehouse import checks

RELATIONS = (
    "incursions",
    "closures",
    "flights",
    "closure_impact",
    "monthly_impact",
    "monthly_incursions",
    "quarantine",
    "ingest_log",
    *warehouse.REPORT_RELATIONS,
)


@pytest.fixture
def copy(sample_root: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    source = duckdb.connect(str(sample_root / "warehouse.duckdb"), read_only=True)
    con = duckdb.connect()
    try:
        for name in RELATIONS:  # our own constant names only
            rows = source.execute(f'select * from "{name}"').arrow()  # noqa: F841 - read by name below
            con.execute(f'create table "{name}" as select * from rows')
    finally:
        source.close()
    yield con
    con.close()


def failing(con: duckdb.DuckDBPyConnection, lake_dir: Path) -> dict[str, int]:
    return {r.name: r.failures for r in checks.run_checks(con, lake_dir) if not r.ok}


def test_every_check_passes_on_the_sample(copy: duckdb.DuckDBPyConnection, sample_root: Path) -> None:
    results = checks.run_checks(copy, local(sample_root / "lake"))
    names = [r.name for r in results]
    assert len(names) == len(set(names)) > 30
    assert "unique incursions.event_id" in names and "accepted values flights.status" in names
    assert [f"every lake row of {t} reachable" for t in RECORD_TABLES] == [n for n in names if "reachable" in n]
    assert failing(copy, local(sample_root / "lake")) == {}


def test_a_duplicate_key_fails_the_unique_check(copy: duckdb.DuckDBPyConnection, sample_root: Path) -> None:
    copy.execute("insert into closures select * from closures limit 2")
    assert failing(copy, local(sample_root / "lake")) == {
        "unique closures.closure_id": 2,
        "every lake row of closures reachable": 2,
    }


def test_a_null_and_an_unknown_value_fail_their_checks(copy: duckdb.DuckDBPyConnection, sample_root: Path) -> None:
    copy.execute("update flights set status = 'teleported' where flight_id in (select flight_id from flights limit 3)")
    copy.execute("update incursions set kind = null where event_id in (select event_id from incursions limit 1)")
    assert failing(copy, local(sample_root / "lake")) == {
        "accepted values flights.status": 3,
        "not null incursions.kind": 1,
    }


def test_an_unreconciled_ingest_log_fails(copy: duckdb.DuckDBPyConnection, sample_root: Path) -> None:
    copy.execute("update ingest_log set rows_read = rows_read + 1 where path like 'incursions/%'")
    files = copy.execute("select count(*) from ingest_log where path like 'incursions/%'").fetchone()[0]
    got = failing(copy, local(sample_root / "lake"))
    assert got == {"ingest_log reconciles (rows_read = landed + quarantined + duplicate + superseded + skipped)": files}


def test_quarantine_must_hold_what_the_latest_ingest_of_each_file_quarantined(
    copy: duckdb.DuckDBPyConnection, sample_root: Path
) -> None:
    (path,) = copy.execute("select source_file from quarantine limit 1").fetchone()
    copy.execute("delete from quarantine where source_file = ?", [path])
    got = failing(copy, local(sample_root / "lake"))
    assert got == {"quarantine holds what the latest ingest of each file quarantined": 1}


def test_a_forgotten_file_holds_no_quarantine_and_passes(tmp_path: Path) -> None:
    """Found by a re-check: `balloons forget` takes a file's quarantine rows away, but its last
    ingest_log row still counted them, so `balloons check` failed after every forget."""
    from datetime import UTC, datetime

    from balloons.ingest import forget, ingest
    from balloons.ingest.validate import Context
    from balloons.settings import load_settings
    from flows.warehouse import build_warehouse

    root = tmp_path / "data"
    (root / "raw" / "incursions").mkdir(parents=True)
    (root / "raw" / "incursions" / "a.csv").write_text(
        "detected_at,balloons,source,source_id\n2025-10-01T22:00,2,a,a1\n2025-10-01T22:05,x,a,a2\n"
    )
    (root / "raw" / "incursions" / "b.csv").write_text(
        "detected_at,balloons,source,source_id\n2025-10-02T22:00,1,b,b1\n"
    )
    settings = load_settings(data_dir=root)
    store = local(root / "lake")
    ctx = Context.of(settings, datetime.now(UTC).replace(microsecond=0))
    ingest(root / "raw", store, ctx=ctx, run_id="r1")
    forget(store, ["incursions/a.csv"], run_id="r2", now=ctx.now)
    build_warehouse.fn(settings, True)
    built = warehouse.connect_read_only(root / "warehouse.duckdb")
    try:
        assert _count(built, "select count(*) from quarantine") == 0
        assert {r.name: r.failures for r in checks.run_checks(built, store) if not r.ok} == {}
    finally:
        built.close()


def test_checks_run_when_the_lakes_deliveries_cannot_be_read(
    copy: duckdb.DuckDBPyConnection, sample_root: Path, tmp_path: Path
) -> None:
    """Found by a re-check: reading the forgotten files stopped every check on a garbled file."""
    import shutil

    shutil.copytree(sample_root / "lake", tmp_path / "lake")
    for part in (tmp_path / "lake" / "deliveries").glob("*.parquet"):
        part.write_bytes(b"garbage")
    assert failing(copy, local(tmp_path / "lake")) == {"the lake's deliveries can be read": 1}


def test_impact_and_closure_order_faults(copy: duckdb.DuckDBPyConnection, sample_root: Path) -> None:
    copy.execute("update monthly_impact set flights_affected = flights_affected + 1 where month = '2025-10'")
    copy.execute(
        "update closures set closed_until = closed_from where closure_id in (select closure_id from closures limit 1)"
    )
    copy.execute(
        "update closure_impact set passengers_low = passengers_affected + 1"
        " where closure_id in (select closure_id from closure_impact where passengers_affected > 0 limit 1)"
    )
    assert failing(copy, local(sample_root / "lake")) == {
        "closure_impact adds up to monthly_impact": 1,
        "closed_until after closed_from": 1,
        "passenger bands are ordered (low <= best <= high)": 1,
    }


def test_no_headline_closure_at_all_adds_up(copy: duckdb.DuckDBPyConnection, sample_root: Path) -> None:
    """Found by a fresh-eyes trial: every warehouse of `balloons sample --scale N` (whose closures
    are none of them headline ones) failed this check, null sums against monthly_impact's zeros."""
    copy.execute("update closure_impact set in_headline = false")
    copy.execute("update monthly_impact set flights_affected = 0, passengers_affected = 0")
    assert "closure_impact adds up to monthly_impact" not in failing(copy, local(sample_root / "lake"))
    copy.execute("update monthly_impact set flights_affected = 1 where month = '2025-10'")
    assert "closure_impact adds up to monthly_impact" in failing(copy, local(sample_root / "lake"))


def test_monthly_incursions_must_add_up(copy: duckdb.DuckDBPyConnection, sample_root: Path) -> None:
    copy.execute("update monthly_incursions set incursions = incursions + 1 where month = '2025-10'")
    assert failing(copy, local(sample_root / "lake")) == {
        "monthly_incursions adds up to incursions": 1,
        "rpt_months adds up to monthly_incursions and monthly_impact": 1,
    }


def test_lake_rows_missing_from_the_warehouse_are_counted(
    copy: duckdb.DuckDBPyConnection, sample_root: Path, tmp_path: Path
) -> None:
    in_lake = sum(lake.read_partition(local(sample_root / "lake"), "incursions", m).num_rows for m in ["2025-10"])
    copy.execute("delete from incursions where month = '2025-10'")
    copy.execute("delete from monthly_incursions where month = '2025-10'")
    assert failing(copy, local(sample_root / "lake")) == {
        "every lake row of incursions reachable": in_lake,
        "rpt_months adds up to monthly_incursions and monthly_impact": 1,  # the report still counts them
    }


def test_a_run_that_did_not_commit_fails_the_check_and_is_undone_before_a_build(
    copy: duckdb.DuckDBPyConnection, sample_root: Path, tmp_path: Path
) -> None:
    """Found by a fresh-eyes trial: after a killed ingest, `balloons build` built the warehouse from
    the half-written lake and `balloons check` passed."""
    import shutil

    from balloons.settings import load_settings
    from flows.warehouse import build_warehouse

    root = tmp_path / "data"
    shutil.copytree(sample_root / "lake", root / "lake")
    store = local(root / "lake")
    month = lake.months(store, "incursions")[0]
    held = lake.read_partition(store, "incursions", month)
    lake.write_partition(store, "incursions", month, held.slice(0, 1), undo="r9")  # a killed run's half
    assert failing(copy, store) == {
        "no run left uncommitted in the lake": 1,
        "every lake row of incursions reachable": held.num_rows - 1,
    }

    counts = build_warehouse.fn(load_settings(data_dir=root), True)
    assert lake.uncommitted(store) == [] and lake.read_partition(store, "incursions", month).equals(held)
    built = warehouse.connect_read_only(root / "warehouse.duckdb")
    try:
        assert counts["incursions"] == _count(built, "select count(*) from incursions")
        assert counts["incursions"] == copy.execute("select count(*) from incursions").fetchone()[0]  # type: ignore[index]
    finally:
        built.close()


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_ctrl_c_during_a_build_is_an_interrupt_not_a_failure_to_retry(tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: Ctrl-C while the warehouse was built became DuckDB's
    RuntimeError('Query interrupted'); Prefect retried the task and the run ended 'completed'. In a
    process of its own, as a command is: a real SIGINT arrives in the middle of a DuckDB query that
    stands for the build's."""
    import os
    import subprocess
    import sys

    script = """
import faulthandler, os, signal, sys, threading, duckdb
faulthandler.dump_traceback_later(60, exit=True)  # a hang shows where it hangs
import flows.warehouse

def endless_query(settings):  # the build's first step, here a query that never ends
    con = duckdb.connect()
    threading.Timer(2.0, os.kill, (os.getpid(), signal.SIGINT)).start()  # the query is under way by then
    con.execute("select count(*) from range(10000000000000) t(x) where x % 7 = 3").fetchall()

flows.warehouse.lake_of = endless_query
signal.signal(signal.SIGINT, signal.default_int_handler)  # as at a terminal (a test runner may ignore it,
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # or leave it blocked for its children)
try:
    flows.warehouse.build_warehouse.fn(None, True)
except KeyboardInterrupt as exc:
    print("interrupted by", repr(exc.__cause__), flush=True)
    os._exit(0)  # before `exc` goes: freeing the interrupted endless query's connection can take minutes
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BALLOONS_"))}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert done.stdout.strip() == "interrupted by RuntimeError('Query interrupted')", done.stderr[-3000:]
