"""Run status records: a fresh record per run, always a final state, never a failed run because of it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from balloons import lake
from balloons.ingest import ingest
from balloons.ingest.validate import Context
from balloons.lake.storage import local
from balloons.lock import pipeline_lock
from balloons.status import finish_run, lake_status, read_run_status, reconcile, start_run

T0 = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
T1 = datetime(2026, 1, 1, 0, 5, tzinfo=UTC)


def test_a_new_run_replaces_the_last_runs_record(tmp_path: Path) -> None:
    start_run(tmp_path, run_id="old", started_at=T0, pid=1)
    finish_run(tmp_path, finished_at=T1, outcome="completed", summary="old summary")
    start_run(tmp_path, run_id="new", started_at=T1, pid=2)
    finish_run(tmp_path, finished_at=T1, outcome="failed", error="OSError: disk full")
    assert read_run_status(tmp_path) == {
        "run_id": "new",
        "started_at": T1.isoformat(),
        "finished_at": T1.isoformat(),
        "outcome": "failed",
        "pid": 2,
        "error": "OSError: disk full",
        "summary": None,
    }


def test_only_final_outcomes_end_a_run(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a final outcome"):
        finish_run(tmp_path, finished_at=T1, outcome="running")


def test_writing_status_never_raises(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    logger = logging.getLogger("balloons.status")  # the CLI stops "balloons" propagating: listen here
    logger.addHandler(caplog.handler)
    try:
        assert start_run(blocker, run_id="r", started_at=T0, pid=1) is False
        assert finish_run(blocker, finished_at=T1, outcome="completed") is False
    finally:
        logger.removeHandler(caplog.handler)
    assert "status not recorded" in caplog.text
    (tmp_path / "status.json").write_text("{not json")
    assert read_run_status(tmp_path) == {}


def test_running_becomes_crashed_only_when_nobody_holds_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / ".balloons.lock"
    start_run(tmp_path, run_id="r1", started_at=T0, pid=99)
    with pipeline_lock(lock):
        assert reconcile(tmp_path, lock)["outcome"] == "running"
    record = reconcile(tmp_path, lock)
    assert record["outcome"] == "crashed" and "(pid 99) stopped without finishing" in record["error"]
    assert read_run_status(tmp_path)["outcome"] == "crashed"
    finish_run(tmp_path, finished_at=T1, outcome="completed")
    assert reconcile(tmp_path, lock)["outcome"] == "completed"


def test_a_killed_ingest_is_reported_crashed_beside_a_completed_run(tmp_path: Path) -> None:
    """A `balloons ingest` killed mid-way left the last ingest before it shown as completed (a final
    read of the change): it records `running` first, and that becomes `crashed` once no process holds
    the lock; the last run's own record stays as it was."""
    from balloons.status import record_ingest

    lock = tmp_path / ".balloons.lock"
    start_run(tmp_path, run_id="r1", started_at=T0, pid=99)
    finish_run(tmp_path, finished_at=T1, outcome="completed")
    record_ingest(tmp_path, {"run_id": "i1", "started_at": T1.isoformat(), "pid": 98, "outcome": "running"})
    with pipeline_lock(lock):
        assert reconcile(tmp_path, lock)["ingest"]["outcome"] == "running"
    record = reconcile(tmp_path, lock)
    assert record["outcome"] == "completed" and record["ingest"]["outcome"] == "crashed"
    assert "(pid 98) stopped without finishing" in record["ingest"]["error"]
    assert read_run_status(tmp_path)["ingest"]["outcome"] == "crashed"


def test_lake_status_lists_again_when_a_run_folds_a_month_while_it_reads(tmp_path: Path, ctx: Context) -> None:
    """`balloons status` during a nightly run: a month's appended file it listed is folded away
    before it reads it; it lists again instead of failing."""
    from conftest import write
    from fakes import Disk, filesystem

    header = "airport,direction,flight_number,scheduled_at,status\n"
    store = local(tmp_path / "lake")
    write(tmp_path, "flights/d1.csv", header + "EYVI,arrival,FR1,2025-10-04T22:30,operated\n")
    ingest(tmp_path / "raw", store, ctx=ctx, run_id="r1")
    write(tmp_path, "flights/d2.csv", header + "EYVI,arrival,FR2,2025-10-05T22:30,operated\n")
    ingest(tmp_path / "raw", store, ctx=ctx, run_id="r2")
    listed = lake.partition_files(store, "flights")
    assert [p.rpartition("/")[2] for p in listed] == ["data.parquet", "add-r2.parquet"]
    write(tmp_path, "flights/d1.csv", header + "EYVI,arrival,FR1,2025-10-04T22:30,cancelled\n")
    folds = []

    class FoldedAfterListing(Disk):
        """The reader's disk: right after its first listing of the flights table, a run folds October."""

        def get_file_info_selector(self, selector):
            found = super().get_file_info_selector(selector)
            if selector.base_dir.endswith("/lake/flights") and not folds:
                folds.append(ingest(tmp_path / "raw", store, ctx=ctx, run_id="r3"))
            return found

    reader = local(tmp_path / "lake", fs=filesystem(FoldedAfterListing()))
    assert lake_status(reader)["tables"]["flights"]["rows"] == 2
    assert folds and not (tmp_path / "lake" / "flights" / "month=2025-10" / "add-r2.parquet").exists()


def test_files_ingested_counts_the_deliveries_the_lake_holds(tmp_path: Path, ctx: Context) -> None:
    """A file `balloons forget` withdrew is no longer counted, though its ingest-log rows stay;
    a file read again counts once."""
    from conftest import write

    from balloons.ingest import forget

    store = local(tmp_path / "lake")
    assert lake_status(store)["files_ingested"] == 0
    write(tmp_path, "incursions/a.csv", "detected_at,balloons\n2025-10-04T22:00,2\n")
    write(tmp_path, "incursions/b.csv", "detected_at,balloons\n2025-10-05T22:00,3\n")
    ingest(tmp_path / "raw", store, ctx=ctx, run_id="r1")
    write(tmp_path, "incursions/a.csv", "detected_at,balloons\n2025-10-04T22:00,4\n")
    ingest(tmp_path / "raw", store, ctx=ctx, run_id="r2")
    assert lake_status(store)["files_ingested"] == 2
    forget(store, ["incursions/b.csv"], run_id="r3", now=T1)
    assert lake.read_ingest_log(store).num_rows == 3
    assert lake_status(store) | {"tables": None} == {
        "tables": None,
        "quarantined": 0,
        "files_ingested": 1,
        "ingest_runs": 2,
        "uncommitted_runs": [],
    }


def test_an_error_a_ctrl_c_caused_is_recorded_as_the_stop_it_was() -> None:
    """Found by a fresh-clone CI run: Ctrl-C while Python created a class during an import made
    `RuntimeError: Error calling __set_name__ …` (cause: KeyboardInterrupt), recorded as a failure."""
    from balloons.errors import interrupted
    from balloons.status import reason

    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as stop:
            raise RuntimeError("Error calling __set_name__ on 'Field' instance 'logger'") from stop
    except RuntimeError as exc:
        wrapped = exc
    assert interrupted(wrapped) and interrupted(RuntimeError("Query interrupted"))
    assert reason(wrapped).startswith("Stopped before finishing by KeyboardInterrupt")
    assert not interrupted(RuntimeError("Error calling __set_name__")) and not interrupted(ValueError("x"))
    assert reason(ValueError("bad value")) == "ValueError: bad value"
