"""The benchmark's own parts: the issue's flight files, the gap count the quarantine is checked
against, and the watcher that times commands and their memory."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from balloons.ingest.columns import COLUMNS
from bench import generate, measure

GAP_START = (datetime(2024, 3, 31, 3, 0) - generate.START).total_seconds() // generate.STEP_S


@pytest.mark.parametrize(
    ("rows", "in_gap"),
    [
        (200_000, 0),
        (int(GAP_START), 0),  # the last row is 02:59:54 local, just before the clocks jump
        (int(GAP_START) + 300, 300),
        (int(GAP_START) + 600, 600),  # 03:00:00-03:59:54 local never happened in Vilnius
        (int(GAP_START) + 700, 600),
        (5_000_000, 600),  # the issue's file: one spring-forward in 2024-01-01 .. 2024-12-12
    ],
)
def test_rows_in_the_spring_forward_gap(rows: int, in_gap: int) -> None:
    assert generate.nonexistent_rows(rows) == in_gap


def test_files_follow_the_issue(tmp_path: Path) -> None:
    local = generate.write(tmp_path / "local.csv", 10_000, utc=False)
    utc = generate.write(tmp_path / "utc.csv", 10_000, utc=True)
    lines = local.read_text().splitlines()
    assert lines[:3] == [
        "airport,direction,flight_number,scheduled_at,status,seats,passengers,other_airport,airline",
        "EYVI,arrival,BT100,2024-01-01T00:00:00,operated,180,100,EVRA,airBaltic",
        "EYKA,departure,FR100,2024-01-01T00:00:06,cancelled,180,101,EETN,Ryanair",
    ]
    assert set(lines[0].split(",")) <= set(COLUMNS["flights"])
    assert [line.split(",")[3] + "Z" for line in lines[1:]] == [
        line.split(",")[3] for line in utc.read_text().splitlines()[1:]
    ]
    facts = duckdb.sql(
        f"""select count(*), count(distinct (airport, direction, flight_number, scheduled_at)),
                   min(passengers), max(passengers), list_sort(list(distinct status)), list_sort(list(distinct airport)),
                   max(scheduled_at)
            from read_csv('{local}', all_varchar = false)"""
    ).fetchone()
    assert facts is not None
    assert facts[:6] == (
        10_000,
        10_000,
        100,
        179,
        ["cancelled", "delayed", "diverted", "operated"],
        ["EYKA", "EYPA", "EYVI"],
    )
    assert str(facts[6]) == "2024-01-01 16:39:54"  # row 9,999 at 6 s a row


def test_a_later_slice_continues_the_same_rows(tmp_path: Path) -> None:
    whole = generate.write(tmp_path / "whole.csv", 30, utc=False).read_text().splitlines()
    tail = generate.write(tmp_path / "tail.csv", 10, utc=False, first=20).read_text().splitlines()
    assert tail == [whole[0], *whole[21:]]


def test_the_watcher_sees_memory_of_the_whole_tree(tmp_path: Path) -> None:
    code = "x = bytearray(200 << 20); import subprocess, sys; subprocess.run([sys.executable, '-c', 'y = bytearray(100 << 20); import time; time.sleep(1)']); sys.exit(3)"
    got = measure.run([sys.executable, "-c", code], env={}, cwd=tmp_path, logs=tmp_path / "logs" / "t")
    assert got.returncode == 3
    assert got.tree_peak_bytes >= 300 << 20  # parent and child held at once
    assert 200 << 20 <= got.largest_process_bytes < 300 << 20  # the largest single process
    assert got.seconds >= 1


def test_the_impact_benchmark_runs_the_warehouse_models_on_its_own_tables() -> None:
    """The impact row runs the warehouse's own models on tables of its own: a model that comes to
    read one more relation must find it there too (one did, build_info, and the row failed)."""
    from bench.__main__ import IMPACT_SETUP, impact_models

    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(IMPACT_SETUP.format(n=2_000, c=20))
        for text in impact_models():
            con.execute(text)
        (hit,) = con.execute("select sum(flights_affected) from closure_impact").fetchone()  # type: ignore[misc]
    finally:
        con.close()
    assert hit > 0
