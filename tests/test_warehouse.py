"""The analysts' warehouse: relations, read-only access from anywhere, atomic rebuilds."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import build_warehouse, write

from balloons import warehouse
from balloons.errors import LakeError, ReadOnlyError, WarehouseError
from balloons.lake.storage import local
from balloons.warehouse import dictionary
from flows.cli import cli

REPO = Path(__file__).resolve().parents[1]
CONTRACT = {
    "incursions": [
        "event_id",
        "detected_at",
        "month",
        "balloons",
        "kind",
        "municipality",
        "lat",
        "lon",
        "altitude_m",
        "source",
        "source_id",
        "notes",
        "source_file",
        "source_line",
        "run_id",
        "ingested_at",
    ],
    "closures": [
        "closure_id",
        "airport",
        "closed_from",
        "closed_until",
        "month",
        "duration_min",
        "reason",
        "notam_id",
        "reported_flights",
        "reported_passengers",
        "source",
    ],
    "flights": [
        "flight_id",
        "airport",
        "direction",
        "flight_number",
        "scheduled_at",
        "month",
        "status",
        "aircraft_type",
        "seats",
        "passengers",
        "other_airport",
        "airline",
    ],
    "monthly_incursions": ["month", "incursions", "balloons"],
    "quarantine": ["table_name", "source_file", "source_line", "reason", "raw_record"],
    "ingest_log": [
        "path",
        "sha256",
        "rows_read",
        "rows_landed",
        "rows_quarantined",
        "rows_duplicate",
        "rows_superseded",
        "run_id",
        "ingested_at",
    ],
}


def columns(path: Path, table: str) -> dict[str, str]:
    con = warehouse.connect_read_only(path)
    try:
        return dict(
            con.execute("select column_name, data_type from duckdb_columns() where table_name = ?", [table]).fetchall()
        )
    finally:
        con.close()


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_relations_carry_the_contract_columns(sample_root: Path, table: str) -> None:
    have = columns(sample_root / "warehouse.duckdb", table)
    assert [c for c in CONTRACT[table] if c not in have] == []


def test_timestamps_are_timestamptz_and_months_are_text(sample_root: Path) -> None:
    have = columns(sample_root / "warehouse.duckdb", "closures")
    assert have["closed_from"] == have["closed_until"] == "TIMESTAMP WITH TIME ZONE"
    assert have["month"] == "VARCHAR"


def test_monthly_incursions_zero_filled_and_in_local_time(tmp_path: Path, ctx) -> None:
    write(
        tmp_path,
        "incursions/a.jsonl",
        '{"detected_at": "2025-06-10T20:00:00Z", "balloons": 2}\n'
        '{"detected_at": "2025-08-31T21:30:00Z", "balloons": 3}\n',
    )  # 00:30 on 1 September locally
    path = build_warehouse(tmp_path, ctx)
    _, rows = warehouse.query(path, "select * from monthly_incursions")
    assert rows == [("2025-06", 1, 2), ("2025-07", 0, 0), ("2025-08", 0, 0), ("2025-09", 1, 3)]


def test_sample_monthly_incursions(sample_root: Path) -> None:
    _, rows = warehouse.query(
        sample_root / "warehouse.duckdb",
        "select incursions, balloons from monthly_incursions where month = ?",
        ["2025-10"],
    )
    assert rows[0][0] == 71
    _, total = warehouse.query(sample_root / "warehouse.duckdb", "select sum(balloons) from monthly_incursions")
    assert total == [(315,)]


def test_the_reported_headline_figures_sit_beside_the_same_figures_computed(sample_root: Path) -> None:
    """Found by a newcomer's trial: the officials' headline figures appeared nowhere beside the
    computed ones. Each is computed over its own local days (the sample: a closure's flights by the
    day it starts, records held from 1 June)."""
    _, rows = warehouse.query(
        sample_root / "warehouse.duckdb",
        "select period, metric, qualifier, reported, computed, records_from is not null from rpt_headline "
        "where source like 'RFE/RL%' order by metric",
    )
    _, impact = warehouse.query(
        sample_root / "warehouse.duckdb",
        "select sum(flights_affected), sum(passengers_affected) from closure_impact where in_headline",
    )
    ((flights, passengers),) = impact
    assert rows == [
        ("June to mid-December 2025", "balloons", None, 315, 315.0, True),
        ("2025", "closures", None, 15, 15.0, True),
        ("2025", "flights_affected", "over", 320, float(flights), True),
        ("October 2025", "incursions", None, 71, 71.0, True),
        ("2025", "passengers_affected", "over", 45000, float(passengers), True),
    ]
    _, week = warehouse.query(
        sample_root / "warehouse.duckdb",
        "select computed from rpt_headline where period = '20 to 26 October 2025' and metric = 'flights_affected'",
    )
    _, by_day = warehouse.query(
        sample_root / "warehouse.duckdb",
        "select sum(flights_affected) from closure_impact where in_headline"
        " and timezone('Europe/Vilnius', closed_from)::date between date '2025-10-20' and date '2025-10-26'",
    )
    assert week == [(float(by_day[0][0]),)]
    _, none = warehouse.query(
        sample_root / "warehouse.duckdb", "select computed, records_from from rpt_headline where period = '2024'"
    )
    assert none == [(None, None)]  # no records held: nothing computed, not zero


def test_closure_figures_are_compared_without_flights_too(tmp_path: Path, ctx) -> None:
    """Found by a fresh-eyes trial: with no flights, the closure count and hours (computed from the
    closures alone) were left off the comparison."""
    write(
        tmp_path,
        "closures/c.csv",
        "airport,closed_from,closed_until\nEYVI,2025-10-04T22:00,2025-10-05T01:00\nEYKA,2025-11-02T21:00,2025-11-02T22:30\n",
    )
    path = build_warehouse(tmp_path, ctx)
    _, rows = warehouse.query(
        path, "select metric, computed, records_from from rpt_headline where period = '2025' and metric = 'closures'"
    )
    assert [(metric, computed) for metric, computed, _ in rows] == [("closures", 2.0)] and rows[0][2] is not None
    _, hidden = warehouse.query(
        path, "select count(*) from rpt_headline where metric = 'flights_affected' and records_from is not null"
    )
    assert hidden == [(0,)]  # no flights held: nothing to compare flights with


def test_a_reported_figure_of_an_unknown_kind_is_refused() -> None:
    from balloons.errors import WarehouseError
    from balloons.warehouse import reported

    header = "period,first_day,last_day,metric,qualifier,value,what,source\n"
    assert reported.figures_table().num_rows >= 5  # the package's own
    with pytest.raises(WarehouseError, match="'drones' / '' is not a known figure"):
        reported.figures_table(header + "2025,2025-01-01,2025-12-31,drones,,3,x,y\n")
    with pytest.raises(WarehouseError, match="'closures' / 'under' is not a known figure"):
        reported.figures_table(header + "2025,2025-01-01,2025-12-31,closures,under,3,x,y\n")


def test_closure_duration_counts_the_repeated_dst_hour(tmp_path: Path, ctx) -> None:
    write(tmp_path, "closures/c.csv", "airport,closed_from,closed_until\nEYVI,2025-10-26T02:00,2025-10-26T04:00\n")
    path = build_warehouse(tmp_path, ctx)
    assert warehouse.query(path, "select duration_min from closures")[1] == [(180.0,)]


def test_writes_are_refused_with_a_clear_error(sample_root: Path) -> None:
    with pytest.raises(ReadOnlyError, match="read-only"):
        warehouse.query(sample_root / "warehouse.duckdb", "drop table flights")
    result = CliRunner().invoke(cli, ["query", "DELETE FROM closures", "--data-dir", str(sample_root)])
    assert result.exit_code == 1 and "read-only" in result.output
    assert warehouse.query(sample_root / "warehouse.duckdb", "select count(*) from closures")[1] == [(15,)]


def test_missing_warehouse_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="balloons build"):
        warehouse.connect_read_only(tmp_path / "warehouse.duckdb")


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_query_formats(sample_root: Path, fmt: str) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "query",
            "select month, incursions from monthly_incursions where month = '2025-10'",
            "--format",
            fmt,
            "--data-dir",
            str(sample_root),
        ],
    )
    assert result.exit_code == 0
    expected = {"csv": "month,incursions\n2025-10,71\n", "json": '"incursions": 71', "table": "71"}[fmt]
    assert expected in result.output
    assert result.output.endswith("\n") and not result.output.endswith("\n\n")  # one line end, no blank line


def test_query_gives_intervals_as_duckdb_writes_them(tmp_path: Path) -> None:
    """Python's timedelta has no months: a year read as '360 days, 0:00:00' (found by a
    fresh-eyes trial). Parameters, a trailing comment and semicolon and shared names still work."""
    duckdb.connect(str(tmp_path / "w.duckdb")).close()
    columns, rows = warehouse.query(
        tmp_path / "w.duckdb",
        "select interval '1 year' as gap, interval '-90 minutes' as gap, ? as n; -- a comment",
        [3],
    )
    assert (columns, rows) == (["gap", "gap", "n"], [("1 year", "-01:30:00", 3)])


def test_query_refuses_more_than_one_statement(sample_root: Path) -> None:
    """DuckDB would run every statement and return only the last one's rows."""
    result = CliRunner().invoke(cli, ["query", "select 1; select 2", "--data-dir", str(sample_root)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["Error: Give one SQL statement at a time; this text holds 2."]


def test_query_says_how_to_read_local_time_when_a_setting_is_refused(sample_root: Path) -> None:
    result = CliRunner().invoke(cli, ["query", "SET TimeZone = 'Europe/Vilnius'", "--data-dir", str(sample_root)])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "timezone('Europe/Vilnius', column)" in line


def test_opens_read_only_from_another_directory_with_the_cli(sample_root: Path, tmp_path: Path) -> None:
    duckdb_cli = Path(sys.executable).parent / "duckdb"
    result = subprocess.run(
        [
            str(duckdb_cli),
            "-readonly",
            "-csv",
            str(sample_root / "warehouse.duckdb"),
            "SELECT incursions FROM monthly_incursions WHERE month = '2025-10'",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["incursions", "71"]


def test_every_relation_and_column_is_described(sample_root: Path) -> None:
    con = warehouse.connect_read_only(sample_root / "warehouse.duckdb")
    try:
        assert dictionary.undocumented(con) == []
    finally:
        con.close()


def test_data_dictionary_is_current(sample_root: Path) -> None:
    con = warehouse.connect_read_only(sample_root / "warehouse.duckdb")
    try:
        text = dictionary.render(con)
    finally:
        con.close()
    assert (REPO / "docs" / "data-dictionary.md").read_text(encoding="utf-8") == text, (
        "docs/data-dictionary.md is stale: run 'balloons dictionary --output docs/data-dictionary.md'"
    )


def test_checks_pass_on_the_sample(sample_root: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--data-dir", str(sample_root)])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output


def test_checks_fail_when_the_lake_and_warehouse_disagree(tmp_path: Path, ctx) -> None:
    write(tmp_path, "incursions/a.jsonl", '{"detected_at": "2025-06-10T20:00:00Z"}\n')
    build_warehouse(tmp_path, ctx)
    write(tmp_path, "incursions/b.jsonl", '{"detected_at": "2025-06-11T20:00:00Z"}\n')
    from balloons.ingest import ingest

    ingest(tmp_path / "raw", local(tmp_path / "lake"), ctx=ctx, run_id="later")  # lake moves on, warehouse not rebuilt
    result = CliRunner().invoke(cli, ["check", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "FAIL every lake row of incursions reachable (1 failing)" in result.output


def test_rebuild_never_fails_or_breaks_an_open_reader(sample_root: Path, tmp_path: Path, ctx) -> None:
    """A reader process holds the file open and queries in a loop while the warehouse is rebuilt."""
    target = sample_root / "warehouse.duckdb"
    reader = textwrap.dedent(f"""
        import duckdb, select, sys
        con = duckdb.connect({str(target)!r}, read_only=True)
        seen = errors = 0
        while True:
            try:
                (n,) = con.execute("select count(*) from flights").fetchone()
                assert n == 19641, n
                fresh = duckdb.connect({str(target)!r}, read_only=True)
                fresh.execute("select sum(incursions) from monthly_incursions").fetchone()
                fresh.close()
                seen += 1
            except Exception as exc:
                errors += 1
                print("ERROR", exc, file=sys.stderr)
            if seen + errors == 1:
                print("ready", flush=True)  # the file is held open before the first rebuild
            if select.select([sys.stdin], [], [], 0)[0]:  # stdin closed: the rebuilds are over
                break
        print(seen, errors)
    """)
    process = subprocess.Popen(
        [sys.executable, "-c", reader],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert process.stdout is not None
    try:
        from balloons.warehouse import aircraft

        assert process.stdout.readline() == "ready\n"
        for _ in range(4):  # force: the lake is unchanged, and an unforced build would skip
            counts = warehouse.build(
                local(sample_root / "lake"),
                target,
                params=warehouse.Params(),
                airports=ctx.airports,
                aircraft_seats=aircraft.seat_table(),
                force=True,
            )
            assert counts["flights"] == 19641
    finally:
        out, err = process.communicate(timeout=120)  # closing its stdin stops the reader
    seen, errors = map(int, out.split())
    assert errors == 0, err
    assert seen > 0
    assert not list(sample_root.glob(".warehouse.duckdb.building-*"))
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("select count(*) from flights").fetchone() == (19641,)
    con.close()


def test_a_stale_wal_of_a_crashed_session_never_alters_a_rebuilt_warehouse(tmp_path: Path, ctx) -> None:
    """An analyst opened the warehouse read-write, deleted rows and was killed, leaving
    `warehouse.duckdb.wal`: the rebuild must not let readers replay it onto the new file (they saw
    1 closure of 2, and `balloons check` failed for good; found by review)."""
    from conftest import AIRPORTS, _seats

    write(
        tmp_path,
        "closures/c.csv",
        "airport,closed_from,closed_until\nEYVI,2025-10-04T22:00,2025-10-05T01:00\nEYKA,2025-10-05T22:00,2025-10-06T01:00\n",
    )
    target = build_warehouse(tmp_path, ctx)
    crash = (
        "import duckdb, os, signal\n"
        f"con = duckdb.connect({str(target)!r})\n"
        "con.execute(\"SET checkpoint_threshold = '1TB'\")\n"
        "con.execute(\"delete from closures where airport = 'EYKA'\")\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", crash], check=False)
    assert Path(f"{target}.wal").exists()
    counts = warehouse.build(
        local(tmp_path / "lake"),
        target,
        params=warehouse.Params(),
        airports=AIRPORTS,
        aircraft_seats=_seats(),
        force=True,
    )
    assert counts["closures"] == 2
    assert warehouse.query(target, "select count(*) from closures")[1] == [(2,)]


def test_a_lake_a_newer_balloons_wrote_is_refused_by_the_build_and_the_checks(tmp_path: Path, ctx) -> None:
    """Ingest refused it, but `build --force` and `check` read it, without what its format adds
    (found by review)."""
    from conftest import AIRPORTS, _seats

    from balloons import lake
    from balloons.warehouse.checks import run_checks

    write(tmp_path, "incursions/a.csv", "detected_at,balloons\n2025-10-04T22:00,2\n")
    target = build_warehouse(tmp_path, ctx)
    (tmp_path / "lake" / lake.FORMAT).write_text('{"version": 99}\n')
    store = local(tmp_path / "lake")
    with pytest.raises(LakeError, match="newer balloons"):
        warehouse.build(
            store, target, params=warehouse.Params(), airports=AIRPORTS, aircraft_seats=_seats(), force=True
        )
    con = warehouse.connect_read_only(target)
    try:
        with pytest.raises(LakeError, match="newer balloons"):
            run_checks(con, store)
    finally:
        con.close()


def test_a_list_of_intervals_stays_a_list(tmp_path: Path) -> None:
    """A second review: INTERVAL[] was cast to text as if it were an interval."""
    duckdb.connect(str(tmp_path / "w.duckdb")).close()
    columns, rows = warehouse.query(tmp_path / "w.duckdb", "select [interval 1 hour] as l")
    assert isinstance(rows[0][0], list)


def test_a_killed_builds_files_are_removed_by_the_next_build(sample_root: Path, tmp_path: Path, ctx) -> None:
    """Found by a fresh-eyes trial: each build killed left its `.building-` file (and `.wal`) for good,
    though the docs said the next build removes them."""
    import shutil

    from balloons.warehouse import aircraft

    shutil.copytree(sample_root / "lake", tmp_path / "lake")
    target = tmp_path / "warehouse.duckdb"
    left = [tmp_path / ".warehouse.duckdb.building-0badc0de", tmp_path / ".warehouse.duckdb.building-0badc0de.wal"]
    for path in left:
        path.write_bytes(b"half a warehouse")
    other = tmp_path / ".other.duckdb.building-0badc0de"
    other.write_bytes(b"not ours")
    params = dict(params=warehouse.Params(), airports=ctx.airports, aircraft_seats=aircraft.seat_table())
    assert warehouse.build(local(tmp_path / "lake"), target, **params)
    assert not any(path.exists() for path in left) and other.exists()
    left[0].write_bytes(b"killed again")
    assert warehouse.build(local(tmp_path / "lake"), target, **params) == {}  # unchanged: cleaned all the same
    assert not left[0].exists()
