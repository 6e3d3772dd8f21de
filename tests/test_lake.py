"""The lake (lake.py): partition paths, sorted idempotent writes, the undo journal, commit and recover."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balloons import lake
from balloons.errors import LakeError
from balloons.lake import storage
from balloons.schema import INCURSIONS, INGEST_LOG, QUARANTINE, contribution

T = datetime(2025, 10, 4, 19, 0, tzinfo=UTC)
RUN_AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def incursions(*rows: tuple[str, int, int]) -> pa.Table:
    """(event_id, minute of 2025-10-04 19:xx UTC, balloons) rows in the lake contract."""
    return pa.Table.from_pylist(
        [
            {
                "event_id": event_id,
                "detected_at": T.replace(minute=minute),
                "balloons": count,
                "kind": "balloon",
                "content_hash": f"h-{event_id}-{count}",
                "source_file": "incursions/a.csv",
                "source_line": line,
                "run_id": "r0",
                "ingested_at": RUN_AT,
            }
            for line, (event_id, minute, count) in enumerate(rows, start=2)
        ],
        schema=INCURSIONS,
    )


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_partition_paths_are_exact_and_refuse_other_names(tmp_path: Path) -> None:
    assert (
        lake.partition_path(storage.local(tmp_path), "flights", "2025-10")
        == f"{tmp_path.as_posix()}/flights/month=2025-10/data.parquet"
    )
    assert lake.contribution_path(storage.local(tmp_path), "closures", lake.NO_MONTH).endswith(
        "contributions/closures/month=none/data.parquet"
    )
    for month in ("2025-1", "2025-00", "25-10", "none"):
        with pytest.raises(LakeError, match="YYYY-MM"):
            lake.partition_path(storage.local(tmp_path), "flights", month)
    with pytest.raises(LakeError, match="not a lake table"):
        lake.partition_path(storage.local(tmp_path), "quarantine", "2025-10")
    for run_id in ("../x", "a b", ""):
        with pytest.raises(LakeError, match="not a valid run id"):
            lake.work_folder(run_id)


def test_a_partition_is_written_sorted_by_time_then_id_and_read_back(tmp_path: Path) -> None:
    assert lake.write_partition(
        storage.local(tmp_path), "incursions", "2025-10", incursions(("b", 5, 1), ("c", 1, 2), ("a", 5, 3))
    )
    path = tmp_path / "incursions" / "month=2025-10" / "data.parquet"
    assert files(tmp_path) == {"incursions/month=2025-10/data.parquet"}  # no staging left behind
    assert pq.read_table(path).column("event_id").to_pylist() == ["c", "a", "b"]
    back = lake.read_partition(storage.local(tmp_path), "incursions", "2025-10", ["event_id", "balloons"])
    assert back.to_pylist() == [
        {"event_id": "c", "balloons": 2},
        {"event_id": "a", "balloons": 3},
        {"event_id": "b", "balloons": 1},
    ]
    assert lake.months(storage.local(tmp_path), "incursions") == ["2025-10"]


def test_writing_the_same_rows_again_writes_nothing(tmp_path: Path) -> None:
    rows = incursions(("a", 1, 1), ("b", 2, 2))
    assert lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", rows) is True
    path = tmp_path / "incursions" / "month=2025-10" / "data.parquet"
    before = path.stat().st_mtime_ns, path.stat().st_ino
    assert (
        lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", rows.take([1, 0])) is False
    )  # order does not matter
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == before
    assert (
        lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", incursions(("a", 1, 1), ("b", 2, 5)))
        is True
    )


def test_no_rows_removes_the_partition_and_its_folder(tmp_path: Path) -> None:
    lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", incursions(("a", 1, 1)))
    lake.write_partition(storage.local(tmp_path), "incursions", "2025-11", incursions(("b", 1, 1)))
    assert lake.months(storage.local(tmp_path), "incursions") == ["2025-10", "2025-11"]
    assert lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", INCURSIONS.empty_table()) is True
    assert lake.write_partition(storage.local(tmp_path), "incursions", "2025-09", INCURSIONS.empty_table()) is False
    assert lake.months(storage.local(tmp_path), "incursions") == ["2025-11"]
    assert not (tmp_path / "incursions" / "month=2025-10").exists()


def test_missing_things_read_as_empty_tables_with_their_schema(tmp_path: Path) -> None:
    assert lake.read_partition(storage.local(tmp_path), "incursions", "2025-10").schema == INCURSIONS
    assert lake.read_partition(storage.local(tmp_path), "incursions", "2025-10", ["event_id"]).column_names == [
        "event_id"
    ]
    assert lake.read_quarantine(storage.local(tmp_path)).schema == QUARANTINE
    assert lake.read_ingest_log(storage.local(tmp_path)).schema == INGEST_LOG
    assert lake.months(storage.local(tmp_path), "flights") == []
    assert lake.read_pending(storage.local(tmp_path)) == []
    assert lake.next_delivery(storage.local(tmp_path)) == 1
    months = lake.read_months(storage.local(tmp_path), "incursions", [], ["event_id"])
    assert months.num_rows == 0 and months.column_names == ["event_id", "month"]


def test_read_months_adds_the_month_of_each_partition(tmp_path: Path) -> None:
    lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", incursions(("a", 1, 1)))
    lake.write_partition(storage.local(tmp_path), "incursions", "2025-11", incursions(("b", 1, 2), ("c", 2, 3)))
    got = lake.read_months(storage.local(tmp_path), "incursions", ["2025-11", "2025-10", "2025-12"], ["event_id"])
    assert got.to_pylist() == [
        {"event_id": "a", "month": "2025-10"},
        {"event_id": "b", "month": "2025-11"},
        {"event_id": "c", "month": "2025-11"},
    ]


def test_pending_paths_round_trip_and_clear(tmp_path: Path) -> None:
    lake.write_pending(storage.local(tmp_path), ["b.csv", "a.csv"], run_id="r1")
    assert lake.read_pending(storage.local(tmp_path)) == ["a.csv", "b.csv"]
    lake.clear_pending(storage.local(tmp_path))
    assert lake.read_pending(storage.local(tmp_path)) == [] and not (tmp_path / lake.PENDING).exists()


# --- all or nothing ---------------------------------------------------------------------------------


def lake_state(root: Path) -> dict[str, list[dict]]:
    """Every partition's rows, keyed by month."""
    store = storage.local(root)
    return {m: lake.read_partition(store, "incursions", m).to_pylist() for m in lake.months(store, "incursions")}


def test_recover_puts_back_what_an_uncommitted_run_replaced_and_removes_what_it_created(tmp_path: Path) -> None:
    lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", incursions(("a", 1, 1)))
    lake.write_quarantine(storage.local(tmp_path), QUARANTINE.empty_table())
    before, before_files = lake_state(tmp_path), files(tmp_path)

    lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", incursions(("a", 1, 9)), undo="r2")
    lake.write_partition(
        storage.local(tmp_path), "incursions", "2025-10", incursions(("a", 1, 7)), undo="r2"
    )  # twice in one run
    lake.write_partition(storage.local(tmp_path), "incursions", "2025-11", incursions(("n", 1, 1)), undo="r2")
    lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", INCURSIONS.empty_table(), undo="r2")
    lake.write_pending(storage.local(tmp_path), ["incursions/a.csv"], run_id="r2")
    assert lake_state(tmp_path) == {"2025-11": lake_state(tmp_path)["2025-11"]}
    assert (tmp_path / lake.UNDO / "r2").is_dir()

    assert lake.recover(storage.local(tmp_path)) == ["r2"]
    assert lake_state(tmp_path) == before  # the first version the run saw, not the one in between
    assert files(tmp_path) == before_files  # journal, pending mark and created partition gone
    assert lake.recover(storage.local(tmp_path)) == []  # a second recover has nothing to do


def test_appended_files_are_read_with_the_base_folded_by_a_rewrite_and_undone_by_recover(tmp_path: Path) -> None:
    store = storage.local(tmp_path)
    lake.write_partition(store, "incursions", "2025-10", incursions(("a", 1, 1)))
    assert lake.append_partition(store, "incursions", "2025-10", incursions(("b", 2, 2)), undo="r2")
    assert not lake.append_partition(store, "incursions", "2025-10", INCURSIONS.empty_table(), undo="r2")
    lake.commit(store, "r2")
    assert files(tmp_path) == {"incursions/month=2025-10/data.parquet", "incursions/month=2025-10/add-r2.parquet"}
    assert lake.months(store, "incursions") == ["2025-10"]
    assert [p.rpartition("/")[2] for p in lake.partition_files(store, "incursions")] == [
        "data.parquet",
        "add-r2.parquet",
    ]
    assert sorted(lake.read_partition(store, "incursions", "2025-10").column("event_id").to_pylist()) == ["a", "b"]

    lake.append_partition(store, "incursions", "2025-10", incursions(("c", 3, 3)), undo="r3")
    assert lake.recover(store) == ["r3"]  # an appended file of a run that did not commit goes
    assert sorted(lake.read_partition(store, "incursions", "2025-10").column("event_id").to_pylist()) == ["a", "b"]

    assert lake.write_partition(store, "incursions", "2025-10", incursions(("a", 1, 1), ("b", 2, 2)), undo="r4")
    assert files(tmp_path) - {f for f in files(tmp_path) if f.startswith(lake.UNDO)} == {
        "incursions/month=2025-10/data.parquet"
    }  # a rewrite folds the appended files into the base file
    assert lake.recover(store) == ["r4"]  # and undoing it brings them back
    assert files(tmp_path) == {"incursions/month=2025-10/data.parquet", "incursions/month=2025-10/add-r2.parquet"}


def test_a_committed_run_stands_and_leaves_no_journal(tmp_path: Path) -> None:
    lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", incursions(("a", 1, 1)))
    lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", incursions(("a", 1, 2)), undo="r2")
    lake.write_ingest_log(storage.local(tmp_path), "r2", INGEST_LOG.empty_table())
    lake.write_pending(storage.local(tmp_path), ["x"], run_id="r2")
    lake.commit(storage.local(tmp_path), "r2")
    after = lake_state(tmp_path)
    assert after["2025-10"][0]["balloons"] == 2
    assert not (tmp_path / lake.UNDO / "r2").exists() and lake.read_pending(storage.local(tmp_path)) == []
    assert lake.recover(storage.local(tmp_path)) == [] and lake_state(tmp_path) == after


def test_a_commit_mark_left_by_a_commit_cut_short_is_honoured(tmp_path: Path) -> None:
    """Killed after writing COMMITTED but before the journal was dropped: recover keeps the run."""
    lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", incursions(("a", 1, 1)))
    lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", incursions(("a", 1, 2)), undo="r2")
    (tmp_path / lake.UNDO / "r2" / lake.COMMITTED).write_text("r2")
    assert lake.recover(storage.local(tmp_path)) == []
    assert lake_state(tmp_path)["2025-10"][0]["balloons"] == 2
    assert not (tmp_path / lake.UNDO).exists() or not any((tmp_path / lake.UNDO).iterdir())


def test_kept_versions_cost_no_copy_on_a_local_lake(tmp_path: Path) -> None:
    lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", incursions(("a", 1, 1)))
    original = tmp_path / "incursions" / "month=2025-10" / "data.parquet"
    inode = original.stat().st_ino
    lake.write_partition(storage.local(tmp_path), "incursions", "2025-10", incursions(("a", 1, 2)), undo="r2")
    (kept,) = (tmp_path / lake.UNDO / "r2").glob("*.kept")
    assert kept.stat().st_ino == inode  # a hard link to the replaced file


def test_ingest_log_files_are_named_for_their_run_and_journaled(tmp_path: Path) -> None:
    row = {
        "path": "incursions/a.csv",
        "table_name": "incursions",
        "sha256": "0" * 64,
        "size_bytes": 10,
        "mtime_ns": 1,
        "rows_read": 3,
        "rows_landed": 1,
        "rows_quarantined": 1,
        "rows_duplicate": 1,
        "rows_superseded": 0,
        "rows_skipped": 0,
        "run_id": "r1",
        "ingested_at": RUN_AT,
    }
    lake.write_ingest_log(storage.local(tmp_path), "r1", pa.Table.from_pylist([row], schema=INGEST_LOG))
    assert {f for f in files(tmp_path) if not f.startswith(lake.UNDO)} == {"ingest_log/r1.parquet"}
    assert lake.read_ingest_log(storage.local(tmp_path)).to_pylist() == [row]
    assert lake.recover(storage.local(tmp_path)) == ["r1"]  # a log without its commit mark is undone too
    assert files(tmp_path) == set()
    with pytest.raises(LakeError):
        lake.write_ingest_log(storage.local(tmp_path), "../r1", INGEST_LOG.empty_table())


def test_contributions_round_trip_with_their_month_and_none_for_notam_cancels(tmp_path: Path) -> None:
    schema = contribution("closures")
    base = {name: None for name in schema.names}

    def rows(*items: dict) -> pa.Table:
        return pa.Table.from_pylist([{**base, **item} for item in items], schema=schema)

    lake.write_contributions(
        storage.local(tmp_path),
        "closures",
        "2025-10",
        rows({"closure_id": "c1", "source_file": "b", "source_line": 2}),
        undo=None,
    )
    lake.write_contributions(
        storage.local(tmp_path),
        "closures",
        lake.NO_MONTH,
        rows({"_op": "C", "_ref": "A1/25", "source_file": "a"}),
        undo=None,
    )
    assert lake.contribution_months(storage.local(tmp_path), "closures") == ["2025-10", "none"]
    got = lake.read_contributions(storage.local(tmp_path), "closures", ["none", "2025-10"], ["source_file", "_op"])
    assert got.to_pylist() == [
        {"source_file": "b", "_op": None, "month": "2025-10"},
        {"source_file": "a", "_op": "C", "month": None},
    ]
    lake.write_contributions(storage.local(tmp_path), "closures", "2025-10", schema.empty_table(), undo=None)
    assert lake.contribution_months(storage.local(tmp_path), "closures") == ["none"]


def test_clean_staging_removes_a_crashed_writes_leftovers(tmp_path: Path) -> None:
    staging = tmp_path / storage.STAGING
    staging.mkdir()
    (staging / "0123.parquet").write_bytes(b"PAR1 half")
    assert lake.clean_staging(storage.local(tmp_path)) == 1 and list(staging.iterdir()) == []
    assert lake.months(storage.local(tmp_path), "incursions") == []


def test_a_lake_of_a_newer_format_is_refused_and_a_garbled_mark_rebuilds(tmp_path: Path) -> None:
    store = storage.local(tmp_path)
    lake.write_partition(store, "incursions", "2025-10", incursions(("a", 1, 1)))
    (tmp_path / lake.FORMAT).write_text('{"version": 99}')
    with pytest.raises(LakeError, match="newer balloons"):
        lake.check_format(store)
    assert lake.months(store, "incursions") == ["2025-10"]  # nothing was touched
    (tmp_path / lake.FORMAT).write_text("garbage{")
    assert lake.check_format(store) is True
    assert lake.months(store, "incursions") == [] and lake.check_format(store) is False


def test_a_lake_of_format_2_is_rebuilt_and_marked_3_so_an_older_balloons_refuses_appended_files(
    tmp_path: Path,
) -> None:
    """Format 2 (before appended files) is rebuilt like any other format; the mark becomes 3, which a
    balloons of format 2 refuses ("newer balloons") instead of reading months without their
    add-<run>.parquet files."""
    store = storage.local(tmp_path)
    lake.write_partition(store, "incursions", "2025-10", incursions(("a", 1, 1)))
    (tmp_path / lake.FORMAT).write_text('{"version": 2}\n')
    assert lake.check_format(store) is True
    assert lake.months(store, "incursions") == []  # emptied: the next run rebuilds it from raw/
    assert json.loads((tmp_path / lake.FORMAT).read_text()) == {"version": lake.FORMAT_VERSION} == {"version": 3}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "a", "b", "c", None]), st.integers(0, 3) | st.none(), st.sampled_from(["x", "y"])
        ),
        max_size=6,
    )
)
def test_sort_by_equals_arrows_sort_whether_or_not_rows_come_sorted(rows: list[tuple]) -> None:
    table = pa.table({"f": [r[0] for r in rows], "n": [r[1] for r in rows], "i": [r[2] for r in rows]})
    for candidate in (table, table.sort_by([("f", "ascending"), ("n", "ascending"), ("i", "ascending")])):
        expected = candidate.sort_by([("f", "ascending"), ("n", "ascending"), ("i", "ascending")])
        assert lake.sort_by(candidate, ["f", "n", "i"]).equals(expected)
