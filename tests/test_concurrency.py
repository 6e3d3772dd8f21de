"""A reader process queries the warehouse and the lake in a loop during 10 rebuilds: no errors,
and every answer is the old state or the new one, never a mix. The reader and the test hand over
by lines on its stdin and stdout, so each state is surely read (no sleeps, no timing luck).

The lake is read with pyarrow, which opens each file once per read. DuckDB's `read_parquet` opens a
file by path more than once in one query, so a file replaced in between fails that query with a
decoding error (about 1 in 100 reads of a file replaced in a tight loop; docs/warehouse.md says so)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AIRPORTS, _seats

from balloons import warehouse
from balloons.ingest import ingest
from balloons.lake.storage import local

HEADER = "detected_at,balloons,municipality,lat,lon,source,source_id\n"
VERSIONS = {  # one raw file delivered again and again: October changes between two states
    "old": HEADER + "2025-10-04T22:00,2,Vilniaus r.,54.7,25.5,NKVC,1\n2025-10-05T22:00,1,Trakų r.,54.6,24.9,NKVC,2\n",
    "new": HEADER + "2025-10-04T22:00,2,Vilniaus r.,54.7,25.5,NKVC,1\n2025-10-05T22:00,4,Trakų r.,54.6,24.9,NKVC,2\n"
    "2025-10-06T23:00,3,Varėnos r.,54.2,24.6,NKVC,3\n",
}
STABLE = HEADER + "2025-09-01T22:00,5,Vilniaus r.,54.7,25.5,NKVC,s1\n"

READER = r"""
import json, select, sys, duckdb
import pyarrow.compute as pc, pyarrow.dataset as ds
warehouse, lake_folder = sys.argv[1], sys.argv[2]
answers, errors = [], []

def ask():
    try:
        con = duckdb.connect(warehouse, read_only=True)
        answers.append(["warehouse", *con.execute(
            "select (select count(*) from incursions), (select sum(balloons) from incursions), "
            "(select sum(incursions) from monthly_incursions), (select sum(balloons) from monthly_incursions)"
        ).fetchone()])
        con.close()
        lake = ds.dataset(lake_folder, format="parquet", partitioning="hive").to_table(columns=["balloons"])
        answers.append(["lake", lake.num_rows, pc.sum(lake.column("balloons")).as_py()])
    except Exception as exc:
        errors.append(repr(exc))

ask()
print("ready", flush=True)
while True:
    ask()
    if select.select([sys.stdin], [], [], 0)[0]:
        if not sys.stdin.readline():  # stdin closed: the rebuilds are over
            break
        ask()  # a query that surely started after the rebuild the parent just finished
        print("seen", flush=True)
print(json.dumps({"answers": answers, "errors": errors}))
"""


@pytest.mark.slow
def test_reader_sees_old_or_new_state_during_rebuilds(tmp_path: Path, ctx) -> None:
    raw = tmp_path / "raw" / "incursions"
    raw.mkdir(parents=True)
    (raw / "stable.csv").write_text(STABLE, encoding="utf-8")
    target = tmp_path / "warehouse.duckdb"

    def publish(version: str, run: int) -> None:
        (raw / "feed.csv").write_text(VERSIONS[version], encoding="utf-8")
        ingest(tmp_path / "raw", local(tmp_path / "lake"), ctx=ctx, run_id=f"r{run}")
        warehouse.build(
            local(tmp_path / "lake"), target, params=warehouse.Params(), airports=AIRPORTS, aircraft_seats=_seats()
        )

    publish("old", 0)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(target), str(tmp_path / "lake" / "incursions")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert reader.stdin is not None and reader.stdout is not None
    try:
        assert reader.stdout.readline() == "ready\n"  # reading before the first rebuild starts
        for run in range(1, 11):
            publish("new" if run % 2 else "old", run)
            reader.stdin.write("tick\n")
            reader.stdin.flush()
            assert reader.stdout.readline() == "seen\n"  # and it read this state before the next rebuild
    finally:
        out, err = reader.communicate(timeout=120)
    result = json.loads(out)
    assert result["errors"] == [], result["errors"][:3]
    states = {
        "warehouse": {("warehouse", 3, 8, 3, 8), ("warehouse", 4, 14, 4, 14)},
        "lake": {("lake", 3, 8), ("lake", 4, 14)},
    }
    answers = [tuple(a) for a in result["answers"]]
    assert len(answers) >= 2 * 21, err  # one ask before, and at least one after, each of 10 rebuilds
    mixed = [a for a in answers if a not in states[a[0]]]
    assert mixed == []
    assert {a for a in answers if a[0] == "warehouse"} == states["warehouse"]  # both states were seen
