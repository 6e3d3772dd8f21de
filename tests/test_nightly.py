"""Nightly orchestration: the schedule read back from Prefect, incremental runs, locks, failures."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner
from conftest import SampleRun

from balloons import lake, warehouse
from balloons.lake.storage import local
from balloons.lock import pipeline_lock
from balloons.status import read_run_status
from flows.cli import cli
from flows.deploy import NIGHTLY_CRON, NIGHTLY_TIMEZONE, nightly_schedule

pytestmark = pytest.mark.xdist_group("prefect")  # see conftest.py

REPO = Path(__file__).resolve().parents[1]
VILNIUS = ZoneInfo("Europe/Vilnius")


def dates(cron: str, timezone: str, **kwargs: object) -> list[datetime]:
    """Run dates from Prefect's own schedule logic (the server-side schema the scheduler uses)."""
    from prefect.server.schemas.schedules import CronSchedule
    from prefect.utilities.asyncutils import run_coro_as_sync

    return list(run_coro_as_sync(CronSchedule(cron=cron, timezone=timezone).get_dates(**kwargs)))


def test_deployment_schedule_read_back_from_prefect(prefect_harness: None) -> None:
    from prefect.client.orchestration import get_client
    from prefect.utilities.asyncutils import run_coro_as_sync

    from flows.nightly import nightly_flow

    deployment_id = nightly_flow.to_deployment(name="nightly", schedule=nightly_schedule()).apply()

    async def read():  # type: ignore[no-untyped-def]
        async with get_client() as client:
            return await client.read_deployment(deployment_id)

    async def delete() -> None:
        async with get_client() as client:
            await client.delete_deployment(deployment_id)

    deployment = run_coro_as_sync(read())
    run_coro_as_sync(delete())  # the session's server is shared: leave no deployment behind
    (schedule,) = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 2 * * *", "Europe/Vilnius")
    cron, timezone = schedule.schedule.cron, schedule.schedule.timezone
    (next_run,) = dates(cron, timezone, n=1, start=datetime(2026, 1, 14, 12, 0, tzinfo=UTC))
    assert next_run.astimezone(UTC) == datetime(2026, 1, 15, 0, 0, tzinfo=UTC)  # 02:00 EET = 00:00 UTC
    (summer,) = dates(cron, timezone, n=1, start=datetime(2026, 7, 14, 12, 0, tzinfo=UTC))
    assert summer.astimezone(UTC) == datetime(2026, 7, 14, 23, 0, tzinfo=UTC)  # 02:00 EEST


@pytest.mark.parametrize("first_day", [datetime(2026, 3, 27), datetime(2026, 10, 23)])
def test_dst_nights_have_exactly_one_run_each(first_day: datetime) -> None:
    start = first_day.replace(tzinfo=VILNIUS)
    runs = dates(NIGHTLY_CRON, NIGHTLY_TIMEZONE, n=5, start=start, end=start + timedelta(days=5))
    local = [r.astimezone(VILNIUS) for r in runs]
    assert [r.date() for r in local] == [first_day.date() + timedelta(days=i) for i in range(5)]
    assert {(r.hour, r.minute) for r in local} == {(2, 0)}


def test_prefect_yaml_declares_the_same_schedule() -> None:
    config = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    (deployment,) = config["deployments"]
    assert deployment["name"] == "nightly"
    assert deployment["entrypoint"] == "flows/nightly.py:nightly_flow"
    assert deployment["schedules"] == [{"cron": NIGHTLY_CRON, "timezone": NIGHTLY_TIMEZONE, "active": True}]
    assert deployment["work_pool"]["name"] == "balloons"
    assert set(deployment["parameters"]) == {"data_dir", "all_reports", "wait_s"}


@pytest.fixture
def served(sample_run_copy: Path) -> Path:
    """A data directory after one `balloons run` on the sample (a copy per test, mtimes kept)."""
    return sample_run_copy


def lake_files(root: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in (root / "lake").rglob("*.parquet")}


@pytest.mark.slow
def test_incremental_run_touches_only_the_new_month(served: Path) -> None:
    before = lake_files(served)
    warehouse_before = (served / "warehouse.duckdb").stat().st_mtime_ns
    reports_before = {p: p.stat().st_mtime_ns for p in (served / "reports").glob("*.pdf")}

    quiet = CliRunner().invoke(cli, ["run", "--data-dir", str(served)])
    assert "files read 0" in quiet.output and "unchanged" in quiet.output
    assert lake_files(served) == before
    assert (served / "warehouse.duckdb").stat().st_mtime_ns == warehouse_before

    (served / "raw" / "incursions" / "new").mkdir()
    (served / "raw" / "incursions" / "new" / "2026-01-05.jsonl").write_text(
        '{"detected_at": "2026-01-05T21:10:00+02:00", "balloons": 3, "source": "VSAT", "source_id": "new-1"}\n'
    )
    result = CliRunner().invoke(cli, ["run", "--data-dir", str(served)])
    assert result.exit_code == 0, result.output
    after = lake_files(served)
    changed = {p for p in after if before.get(p) != after[p]}
    relative = {p.relative_to(served / "lake").as_posix().rsplit("/", 1)[0] for p in changed}
    assert {r for r in relative if not r.startswith(("ingest_log", "quarantine", "deliveries"))} == {
        "incursions/month=2026-01",
        "contributions/incursions/month=2026-01",
    }  # the month's records and who gave them
    assert all(after[p] == before[p] for p in before if "flights" in p.parts or "closures" in p.parts)
    reports_after = {p: p.stat().st_mtime_ns for p in (served / "reports").glob("*.pdf")}
    # a new warehouse build: every report is re-rendered from it, and the new month and year added
    assert set(reports_after) == set(reports_before) | {
        served / "reports" / "2026-01.pdf",
        served / "reports" / "2026.pdf",
    }
    assert all(reports_before[p] != reports_after[p] for p in reports_before)
    _, rows = warehouse.query(
        served / "warehouse.duckdb", "select incursions, balloons from monthly_incursions where month = '2026-01'"
    )
    assert rows == [(1, 3)]


@pytest.mark.slow
def test_second_run_refuses_while_the_lock_is_held(served: Path) -> None:
    held, done = threading.Event(), threading.Event()

    def hold() -> None:  # another run: a lock held in this thread would be this run's own
        with pipeline_lock(served / ".balloons.lock"):
            held.set()
            done.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        result = CliRunner().invoke(cli, ["run", "--data-dir", str(served)])
    finally:
        done.set()
        holder.join()
    assert result.exit_code == 1
    assert "Another balloons run" in result.output and "--wait" in result.output
    ok = CliRunner().invoke(cli, ["run", "--data-dir", str(served)])
    assert ok.exit_code == 0, ok.output


@pytest.mark.slow
def test_failed_build_leaves_old_state_and_rerun_completes(tmp_path: Path, prefect_harness: None) -> None:
    """Three runs on a small data directory: a built one; one whose build meets a damaged lake
    file (a real failure, nothing patched); the rerun once the file is gone."""
    served = tmp_path
    (served / "raw" / "incursions").mkdir(parents=True)
    (served / "raw" / "incursions" / "first.jsonl").write_text(
        '{"detected_at": "2025-10-04T21:10:00+03:00", "source": "VSAT", "source_id": "f-1"}\n'
        '{"detected_at": "2025-10-05T22:40:00+03:00", "source": "VSAT", "source_id": "f-2"}\n'
    )
    assert CliRunner().invoke(cli, ["run", "--data-dir", str(served)]).exit_code == 0
    _, before = warehouse.query(served / "warehouse.duckdb", "select count(*) from incursions")
    assert before == [(2,)]
    shutil.copy(served / "raw" / "incursions" / "first.jsonl", served / "raw" / "incursions" / "copy.jsonl")
    # all duplicates: lake gets a log file
    (served / "raw" / "incursions" / "late.jsonl").write_text(
        '{"detected_at": "2025-12-20T22:00:00+02:00", "source": "VSAT", "source_id": "late-1"}\n'
    )

    damaged = served / "lake" / "ingest_log" / "zz-damaged.parquet"
    damaged.write_bytes(b"not parquet at all " * 20)  # ingest never reads the log; the build does

    previous = read_run_status(served)
    failed = CliRunner().invoke(cli, ["run", "--data-dir", str(served)])
    assert failed.exit_code == 1
    (line,) = failed.stderr.splitlines()
    assert line.startswith(f"Error: Cannot read {damaged}: ")  # one line naming the file at fault
    assert read_run_status(served)["outcome"] == "failed"
    assert str(damaged) in read_run_status(served)["error"]
    assert read_run_status(served)["run_id"] not in (None, previous["run_id"])  # this run's id, not the last's
    assert read_run_status(served)["summary"] is None  # nor the last run's summary
    assert warehouse.query(served / "warehouse.duckdb", "select count(*) from incursions")[1] == before
    damaged.unlink()

    rerun = CliRunner().invoke(cli, ["run", "--data-dir", str(served)])
    assert rerun.exit_code == 0, rerun.output
    assert read_run_status(served)["outcome"] == "completed"
    assert warehouse.query(served / "warehouse.duckdb", "select count(*) from incursions")[1] == [(before[0][0] + 1,)]
    assert lake.read_pending(local(served / "lake")) == []


@pytest.mark.slow
def test_status_command(served: Path) -> None:
    result = CliRunner().invoke(cli, ["status", "--data-dir", str(served)])
    assert result.exit_code == 0
    assert "last run:   completed" in result.output
    assert "incursions:       240 rows, newest 2025-12-16" in result.output
    assert "quarantined records: 3" in result.output


@pytest.mark.slow
def test_run_logs_carry_library_lines_and_reports_publish_artifacts(sample_run: SampleRun) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterTimestamp
    from prefect.utilities.asyncutils import run_coro_as_sync

    during = LogFilter(timestamp=LogFilterTimestamp(after_=sample_run.started, before_=sample_run.finished))

    async def read():  # type: ignore[no-untyped-def]
        async with get_client() as client:
            logs: list = []
            while page := await client.read_logs(log_filter=during, limit=200, offset=len(logs)):
                logs += page
            return await client.read_artifacts(), logs

    artifacts, logs = run_coro_as_sync(read())
    keys = {a.key for a in artifacts}
    assert {"report-summary-2025-10", "quarantine-per-file", "report-2025-10", "report-2025"} <= keys
    # the session's server holds other tests' runs too: one summary is this sample's
    summaries = [a.data for a in artifacts if a.key == "report-summary-2025-10"]
    assert any("| incursion records | 71 |" in data for data in summaries), summaries
    link = next(a for a in artifacts if a.key == "report-2025-10")
    assert str(link.data).startswith("[2025-10.pdf](file://")
    messages = [entry.message for entry in logs]
    assert any("table=incursions month=2025-10 rows=71" in m for m in messages)  # balloons.lake, in run logs
    assert any(m.startswith("file=incursions/synthetic/nkvc/incursions-2025.csv rows=200") for m in messages)


@pytest.mark.slow
def test_an_unwritable_status_file_never_fails_the_run(tmp_path: Path, prefect_harness: None) -> None:
    """A whole run on one small file (the sample's size is not what is tested here)."""
    (tmp_path / "status.json").mkdir()  # os.replace onto a directory fails: the run must not
    (tmp_path / "raw" / "incursions").mkdir(parents=True)
    (tmp_path / "raw" / "incursions" / "late.jsonl").write_text(
        '{"detected_at": "2025-12-20T22:00:00+02:00", "source": "VSAT", "source_id": "late-2"}\n'
    )
    result = CliRunner().invoke(cli, ["run", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "files read 1 (unchanged 0)" in result.output and "reports: 2 written" in result.output
    assert read_run_status(tmp_path) == {}


UNPICKLE_AND_VALIDATE = """
import sys
from prefect.bundles import _deserialize_bundle_object

flow = _deserialize_bundle_object(open(sys.argv[1]).read())
ingest = flow.fn.__globals__["ingest_flow"]
build = flow.fn.__globals__["build_flow"]
settings = flow.fn.__globals__["load_settings"](data_dir=sys.argv[2])  # the pickled copy, as the flow calls it
for sub in (ingest, build):
    sub.validate_parameters({"settings": settings})  # what a served run does in its own process
flow.validate_parameters({"data_dir": sys.argv[2]})
print("ok")
"""


def test_flow_parameters_validate_after_the_pickling_a_served_run_does(tmp_path: Path) -> None:
    """`balloons serve` pickles the flow (its local modules by value) and a subprocess validates the
    parameters of every (sub)flow it calls; string annotations cannot be resolved there."""
    import subprocess
    import sys

    from prefect.bundles import _pickle_local_modules_by_value, _serialize_bundle_object

    from flows.nightly import nightly_flow

    with _pickle_local_modules_by_value(nightly_flow):
        (tmp_path / "bundle").write_text(_serialize_bundle_object(nightly_flow))
    done = subprocess.run(
        [sys.executable, "-c", UNPICKLE_AND_VALIDATE, str(tmp_path / "bundle"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
