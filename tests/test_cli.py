"""The command line: help with examples, one-line errors, and a real run through Prefect."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BIN, Child, SampleRun, at_a_terminal
from conftest import cli_process as balloons
from pypdf import PdfReader
from pytest_httpserver import HTTPServer

from balloons import lake
from balloons.lake.storage import local
from balloons.samples import shipped as sample
from balloons.status import STATUS_FILE, read_run_status
from flows.cli import cli
from flows.interrupts import AT_ONCE

pytestmark = pytest.mark.xdist_group("prefect")  # see conftest.py

COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and f"balloons {command}" in result.output
    assert "--data-dir" in result.output or command not in {"run", "ingest", "sample"}


def test_missing_raw_data_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", "--data-dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: No raw data at")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("since", ["0001-01-01", "2999-01-01"])
def test_fetch_since_a_day_no_backfill_means_is_one_line(tmp_path: Path, since: str) -> None:
    """Found by an operator's trial: `--since 0001-01-01` was sent to the provider as a year-1 time."""
    result = CliRunner().invoke(cli, ["fetch", "--since", since, "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: --since {since} is not a day from 2000-01-01 to today")


def test_invalid_setting_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BALLOONS_LOAD_FACTOR", "2")
    result = CliRunner().invoke(cli, ["ingest", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert "BALLOONS_LOAD_FACTOR" in result.output


def test_sample_is_reproducible(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["sample", "--data-dir", str(tmp_path / "a")]).exit_code == 0
    assert runner.invoke(cli, ["sample", "--data-dir", str(tmp_path / "b")]).exit_code == 0
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert a == b and len(a) == len(sample.generate())


def test_an_empty_data_dir_option_is_refused_not_taken_for_the_current_folder(tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: `balloons sample --data-dir ""` wrote the sample into the
    current folder."""
    result = CliRunner().invoke(cli, ["sample", "--data-dir", ""])
    assert result.exit_code == 1 and "--data-dir': it is empty" in result.output
    assert CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path)]).exit_code == 0


def test_sample_never_overwrites_an_edited_raw_file(tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: `balloons sample` reverted an edited raw file without a word."""
    runner = CliRunner()
    assert runner.invoke(cli, ["sample", "--data-dir", str(tmp_path)]).exit_code == 0
    assert runner.invoke(cli, ["sample", "--data-dir", str(tmp_path)]).exit_code == 0  # the same files: fine
    relative = sorted(sample.generate())[0]
    edited = tmp_path / "raw" / relative
    edited.write_bytes(edited.read_bytes() + b"\n")
    again = runner.invoke(cli, ["sample", "--data-dir", str(tmp_path)])
    assert again.exit_code == 1 and again.output.startswith("Error: 1 raw file(s) under "), again.output
    assert relative in again.output and len(again.output.strip().splitlines()) == 1
    assert edited.read_bytes() == sample.generate()[relative] + b"\n"  # the edit is kept
    edited.unlink()
    again = runner.invoke(cli, ["sample", "--data-dir", str(tmp_path)])
    assert again.exit_code == 0 and again.output.strip().endswith(
        f"wrote 1 file under {tmp_path / 'raw'} (19 there already)"
    )
    outside = tmp_path / "outside.txt"
    edited.unlink()
    edited.symlink_to(outside)  # a link at a sample path is never written through
    assert runner.invoke(cli, ["sample", "--data-dir", str(tmp_path)]).exit_code == 1 and not outside.exists()


def test_a_run_through_the_cli_says_what_it_did(sample_run: SampleRun) -> None:
    """`balloons run` through Prefect on the sample (the session's one default run)."""
    assert "landed 19896, quarantined 3, duplicates 4, superseded 8" in sample_run.output
    assert lake.read_ingest_log(local(sample_run.root / "lake")).num_rows == len(sample.generate())


@pytest.mark.slow
def test_runs_through_the_cli_while_an_analyst_reads(sample_run_copy: Path) -> None:
    """Rebuilds through `balloons run` while a reader process holds the warehouse file open."""
    data = sample_run_copy
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(data / "warehouse.duckdb")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None and reader.stdin is not None
    try:
        assert reader.stdout.readline() == "ready\n", reader.stderr.read() if reader.stderr else ""
        for night in (1,):  # the run brings a new file, so the warehouse really is rebuilt (more: test_concurrency)
            (data / "raw" / "incursions" / f"2026-01-0{night}.jsonl").write_text(
                f'{{"detected_at": "2026-01-0{night}T21:00:00+02:00", "source": "VSAT", "source_id": "n{night}"}}\n'
            )
            again = CliRunner().invoke(cli, ["run", "--data-dir", str(data)])
            assert again.exit_code == 0, again.output
            assert "files read 1 (unchanged" in again.output
            assert f"warehouse: {data / 'warehouse.duckdb'} incursions={240 + night} " in again.output
    finally:
        out, err = reader.communicate(timeout=120)  # closing its stdin tells the reader to stop
    queries, errors = map(int, out.split())
    assert (errors, queries > 0) == (0, True), err


READER = """
import select, sys, duckdb

path = sys.argv[1]
held = duckdb.connect(path, read_only=True)
queries = errors = 0
while True:
    try:
        assert held.execute("select incursions from monthly_incursions where month = '2025-10'").fetchone() == (71,)
        fresh = duckdb.connect(path, read_only=True)
        assert fresh.execute("select count(*) from closures").fetchone() == (15,)
        fresh.close()
        queries += 1
    except Exception as exc:
        errors += 1
        print(repr(exc), file=sys.stderr)
    if queries + errors == 1:
        print("ready", flush=True)  # the file is held open before the first rebuild starts
    if select.select([sys.stdin], [], [], 0.02)[0]:  # stdin closed: the runs are over
        break  # (the short wait leaves the runs some CPU on a small machine)
print(queries, errors)
"""


@pytest.mark.slow
def test_cli_allow_empty_renders_the_empty_month(sample_run_copy: Path) -> None:
    """Through the report flow (the session's Prefect server), on a copy of the sample run whose
    reports are all current: the empty month is rendered, and nothing else is touched."""
    data = sample_run_copy
    before = {p.name: p.stat().st_mtime_ns for p in (data / "reports").glob("*.pdf")}
    result = CliRunner().invoke(cli, ["report", "--month", "2024-01", "--allow-empty", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    after = {p.name: p.stat().st_mtime_ns for p in (data / "reports").glob("*.pdf")}
    assert {name for name in after if before.get(name) != after[name]} == {"2024-01.pdf"}
    texts = [page.extract_text() for page in PdfReader(data / "reports" / "2024-01.pdf").pages]
    assert "No incursions recorded in January 2024" in texts[1]


# --- one-line errors, refused before Prefect starts ------------------------------------------


def one_error_line(done: subprocess.CompletedProcess[str], starts: str) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.splitlines() == [done.stderr.strip()], done.stderr
    assert done.stderr.startswith(f"Error: {starts}"), done.stderr


def test_report_without_a_warehouse_is_refused_before_prefect_starts(tmp_path: Path) -> None:
    done, prefect = balloons(tmp_path, "report", "--data-dir", str(tmp_path / "empty"))
    one_error_line(done, "No warehouse at")
    assert not prefect


def test_report_to_a_folder_it_cannot_write_is_refused_before_prefect_starts(tmp_path: Path) -> None:
    import duckdb

    data = tmp_path / "data"
    data.mkdir()
    duckdb.connect(str(data / "warehouse.duckdb")).close()
    (data / "reports").write_text("a file where the reports folder should be")
    done, prefect = balloons(tmp_path, "report", "--month", "2025-10", "--allow-empty", "--data-dir", str(data))
    one_error_line(done, f"Cannot write reports to {data / 'reports'}: it is a file, not a folder.")
    assert not prefect


def test_report_to_a_dangling_link_is_refused_naming_its_target(tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: a reports link to a removed folder said only 'File exists'."""
    import duckdb

    data = tmp_path / "data"
    data.mkdir()
    duckdb.connect(str(data / "warehouse.duckdb")).close()
    (data / "reports").symlink_to(tmp_path / "gone")
    done, prefect = balloons(tmp_path, "report", "--month", "2025-10", "--allow-empty", "--data-dir", str(data))
    one_error_line(done, f"Cannot write reports to {data / 'reports'}: it is a link to {tmp_path / 'gone'}, which")
    assert not prefect


def test_build_in_another_zone_than_the_lake_was_ingested_in_is_refused_before_prefect_starts(tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: the report's advice, 'balloons build --force' in the new zone,
    built a warehouse whose local months came from the lake's old zone and its local times from the
    new one. The report now advises 'balloons run', and build refuses such a lake."""
    data = tmp_path / "data"
    raw = data / "raw" / "incursions"
    raw.mkdir(parents=True)
    (raw / "a.jsonl").write_text('{"detected_at": "2025-10-31T23:30:00Z", "source": "V", "source_id": "1"}\n')
    done, _ = balloons(tmp_path, "ingest", "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    done, prefect = balloons(tmp_path, "build", "--data-dir", str(data), env={"BALLOONS_TIMEZONE": "Asia/Tokyo"})
    one_error_line(done, "The lake was ingested with BALLOONS_TIMEZONE=Europe/Vilnius, not Asia/Tokyo: run 'balloons")
    assert not prefect and not (data / "warehouse.duckdb").exists()


def test_build_of_a_folder_with_nothing_ingested_is_refused(tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: a mistyped --data-dir became an empty warehouse, exit 0, which
    `report` and `check` then took as a healthy one."""
    result = CliRunner().invoke(cli, ["build", "--data-dir", str(tmp_path / "nosuch")])
    assert (result.exit_code, result.output.splitlines()) == (
        1,
        [
            f"Error: No data folder at {tmp_path / 'nosuch'}: give --data-dir (or BALLOONS_DATA_DIR) of a folder "
            "balloons has ingested into."
        ],
    )
    assert not (tmp_path / "nosuch").exists()
    result = CliRunner().invoke(cli, ["build", "--data-dir", str(tmp_path)])
    assert (result.exit_code, result.output.splitlines()) == (
        1,
        [
            f"Error: No lake at {tmp_path / 'lake'}: nothing was ingested into this data folder yet (run 'balloons "
            "ingest' or 'balloons run' first)."
        ],
    )
    assert not (tmp_path / "warehouse.duckdb").exists() and not (tmp_path / ".balloons.lock").exists()


def test_forget_in_a_folder_with_nothing_ingested_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: `forget` in a mistyped folder made an empty lake there, which
    `build` then took as one to build from."""
    result = CliRunner().invoke(cli, ["forget", "incursions", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and result.output.startswith(f"Error: No lake at {tmp_path / 'lake'}")
    assert list(tmp_path.iterdir()) == []


def test_status_of_a_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: a mistyped --data-dir showed 'never' and zero rows, exit 0."""
    result = CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path / "nosuch")])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: No data folder at {tmp_path / 'nosuch'}: give --data-dir (or BALLOONS_DATA_DIR) of a folder "
        "balloons has run in."
    ]


def test_second_run_is_refused_in_one_line_before_prefect_starts(tmp_path: Path) -> None:
    from balloons.lock import pipeline_lock

    sample.write(tmp_path / "raw")
    with pipeline_lock(tmp_path / ".balloons.lock"):
        done, prefect = balloons(tmp_path, "run", "--data-dir", str(tmp_path))
    one_error_line(done, "Another balloons run (pid ")
    assert "--wait" in done.stderr and not prefect
    assert not (tmp_path / "status.json").exists()  # a refused run does not touch the running one's record


def test_a_run_holds_the_lock_before_prefect_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a fresh-eyes trial: the lock was taken inside the flow, once Prefect's temporary
    server was up (about 10 s), so a second run started meanwhile was refused only after 20-35 s."""
    from contextlib import contextmanager

    import flows.cli
    from balloons.errors import BalloonsError
    from balloons.lock import lock_holder

    sample.write(tmp_path / "raw")
    seen: list[str | None] = []

    @contextmanager
    def prefect_would_start_here():  # type: ignore[no-untyped-def]
        seen.append(lock_holder(tmp_path / ".balloons.lock"))
        raise BalloonsError("stopped where Prefect would start")
        yield

    monkeypatch.setattr(flows.cli, "_flows_here", prefect_would_start_here)
    result = CliRunner().invoke(cli, ["run", "--data-dir", str(tmp_path)])
    assert "stopped where Prefect would start" in result.output
    assert seen == [str(os.getpid())]
    assert lock_holder(tmp_path / ".balloons.lock") is None  # and let go once the command ends


def test_invalid_setting_is_refused_before_prefect_starts(tmp_path: Path) -> None:
    sample.write(tmp_path / "raw")
    done, prefect = balloons(tmp_path, "run", "--data-dir", str(tmp_path), env={"BALLOONS_TIMEZONE": "Mars/Base"})
    one_error_line(done, "Invalid setting BALLOONS_TIMEZONE")
    assert not prefect


@pytest.mark.parametrize(
    "args", [["run", "--bogus"], ["query"], ["report", "--month"], ["nosuch"], ["query", "select 1", "--format", "xml"]]
)
def test_usage_errors_are_one_line_and_exit_1(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ") and "--help" in line


def test_help_and_version_still_exit_0() -> None:
    assert CliRunner().invoke(cli, ["--help"]).exit_code == 0
    assert CliRunner().invoke(cli, ["--version"]).exit_code == 0
    bare = CliRunner().invoke(cli, [])
    assert bare.exit_code == 0 and bare.stdout.startswith("Usage: ") and bare.stderr == ""


@pytest.mark.parametrize("sql", ["", " ", ";", "/* nothing */"])
def test_empty_query_is_one_line(sample_root: Path, sql: str) -> None:
    result = CliRunner().invoke(cli, ["query", sql, "--data-dir", str(sample_root)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        'Error: No SQL statement given; pass one, e.g. "SELECT * FROM monthly_incursions".'
    ]


@pytest.mark.slow
def test_files_the_disk_has_no_room_for_are_left_for_the_next_run_and_the_rest_lands(tmp_path: Path) -> None:
    """`balloons ingest` in a process that may write no file over 100 kB, refused by the operating
    system (EFBIG) as a full disk refuses (ENOSPC): the engine cannot inflate the seven EYVI flight
    files (166 kB each). No fault of theirs: they are not quarantined but left for the next run,
    the other 13 files land, and the command says so in one error line. Then the next ingest, with
    room, reads the seven and nothing else."""
    sample.write(tmp_path / "raw")
    done, _ = balloons(tmp_path, "ingest", "--data-dir", str(tmp_path), file_size_limit=100_000)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    *warnings, error = done.stderr.strip().splitlines()
    assert len(warnings) == 7 and all("not read this run: no room" in w for w in warnings)
    assert error.startswith("Error: The engine could not keep its work files (no room, or their folder removed)")
    assert error.count("flights/synthetic/EYVI/") == 7 and error.count("([Errno 27] File too large)") == 7
    assert error.endswith("the next run reads them (free disk space or memory, or lift the limit, if room was short).")
    assert "files read 13 (unchanged 0)" in done.stdout and "left for the next run 7" in done.stdout
    store = local(tmp_path / "lake")
    logged = lake.read_ingest_log(store).column("path").to_pylist()
    assert len(logged) == 13 and not [p for p in logged if "/EYVI/" in p]
    assert lake.read_quarantine(store).num_rows == 3  # the sample's own bad records, none for the seven
    shown = CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path)]).output.splitlines()
    assert shown[0].startswith("last run:   never")  # no pipeline run; the ingest has a line of its own
    assert shown[1].startswith("last ingest: failed (finished 20") and shown[1].endswith(error.removeprefix("Error: "))

    done, _ = balloons(tmp_path, "ingest", "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "files read 7 (unchanged 13)" in done.stdout
    assert lake.read_ingest_log(store).num_rows == len(sample.generate())
    assert lake.read_quarantine(store).num_rows == 3
    (ingested,) = [
        line
        for line in CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path)]).output.splitlines()
        if line.startswith("last ingest")
    ]
    assert ingested.startswith("last ingest: completed (finished 20") and ingested.endswith(")")


def _temporary_servers(prefect_home: Path) -> list[int]:
    """The pids of Prefect temporary servers living under `prefect_home` (their own session)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes()
            environment = (proc / "environ").read_bytes().split(b"\0")
        except OSError:  # gone, or not a process
            continue
        if b"prefect.server.api.server" in command and f"PREFECT_HOME={prefect_home}".encode() in environment:
            found.append(int(proc.name))
    return found


@pytest.mark.slow
@pytest.mark.parametrize(
    "stop", [signal.SIGINT, signal.SIGTERM, "service", signal.SIGKILL], ids=["ctrl-c", "sigterm", "service", "kill"]
)
def test_ctrl_c_or_sigterm_stops_a_run_under_the_temporary_server_at_once(tmp_path: Path, stop: int | str) -> None:
    """Ctrl-C at a terminal signals the whole foreground process group, and so does `timeout`'s or
    `kill -TERM -PGID`'s SIGTERM. Prefect's temporary server, a child of the command, must not die
    of it: the run's flows record how they ended on it (when it died first, each such call was
    retried for a minute or more and the run hung). The run stops, says so in status.json, and
    leaves no process behind (found by a fresh-eyes trial: after a SIGTERM the server lived on).
    A service manager signals the server too ("service", as systemd does): it waits for the
    command (found by an operator's trial: it took 4 minutes and failed naming a refused
    connection). Killed outright (SIGKILL), the command leaves its server, which ends once it sees
    it gone."""
    raw = tmp_path / "data" / "raw" / "incursions"
    raw.mkdir(parents=True)
    (raw / "a.jsonl").write_text(
        '{"detected_at": "2025-10-04T21:10:00+03:00", "balloons": 3, "source": "VSAT", "source_id": "c1"}\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BALLOONS_"))}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    run = Child(
        [str(BIN / "balloons"), "-v", "run", "--data-dir", str(tmp_path / "data")],
        tmp_path / "run.log",
        env=env,
        preexec_fn=at_a_terminal,
    )
    try:
        run.wait_for_line("for flow 'ingest'", timeout=240)  # the temporary server is up, the run under way
        servers = _temporary_servers(tmp_path / "prefect")
        assert servers, run.text()
        os.killpg(run.process.pid, signal.SIGTERM if stop == "service" else stop)
        if stop == "service":
            for server in servers:
                os.kill(server, signal.SIGTERM)
        assert run.process.wait(timeout=60) != 0, run.text()
    finally:
        run.stop(signal.SIGKILL)
    status = read_run_status(tmp_path / "data")
    if stop == signal.SIGKILL:  # no word from the command; the server ends once it sees it gone
        assert status["outcome"] == "running", status
        deadline = time.monotonic() + 30
        while _temporary_servers(tmp_path / "prefect"):
            assert time.monotonic() < deadline, "the temporary server outlived its command by 30 s"
            time.sleep(0.5)
        return
    assert status["outcome"] == "failed" and "Stopped before finishing by" in status["error"], status
    if stop in (signal.SIGTERM, "service"):
        assert "\nError: Stopped by SIGTERM.\n" in run.text(), run.text()  # -v: Prefect's lines may follow
    with pytest.raises(ProcessLookupError):
        os.killpg(run.process.pid, 0)
    assert _temporary_servers(tmp_path / "prefect") == []  # the temporary server stopped with the command


@pytest.mark.slow
def test_ctrl_c_during_an_ingest_never_quarantines_the_file_being_read(tmp_path: Path) -> None:
    """Found trying Ctrl-C on `balloons ingest` of a big flight file: DuckDB turned the interrupt
    into RuntimeError('Query interrupted'), the file was quarantined whole with that reason, marked
    delivered, and the command exited 0, so the next run skipped the file. Now the command stops
    (exit 1, status failed), and the next run lands every row. The signal is sent later and later
    until it lands before the ingest ends."""
    repo = Path(__file__).resolve().parents[1]
    data = tmp_path / "data"
    (data / "raw" / "flights").mkdir(parents=True)
    target = data / "raw" / "flights" / "big.csv"
    subprocess.run([sys.executable, "-m", "bench.generate", "1000000", str(target)], cwd=repo, check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BALLOONS_"))}
    command = [str(BIN / "balloons"), "ingest", "--data-dir", str(data)]
    for delay in (1.0, 1.6, 2.2, 2.8, 3.4, 4.0, 4.6):
        shutil.rmtree(data / "lake", ignore_errors=True)
        (data / STATUS_FILE).unlink(missing_ok=True)
        process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=at_a_terminal,
        )
        try:
            out, err = process.communicate(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)
        if process.returncode != 0 and "ingest" in read_run_status(data):  # not stopped while starting
            break
    else:
        pytest.skip("no signal came while the ingest ran (a machine far faster or slower)")
    assert err.strip().splitlines()[-1] == "Error: Aborted.", err
    assert "\n\nError: Aborted." not in "\n" + err, err  # one line, not click's blank one before it
    assert "Query interrupted" not in out + err
    ingest = read_run_status(data)["ingest"]
    assert ingest["outcome"] == "failed" and "KeyboardInterrupt" in ingest["error"], ingest
    if (data / "lake").exists():
        lake.recover(local(data / "lake"))
        assert lake.read_quarantine(local(data / "lake")).num_rows == 0
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "rows read 1000000, landed 1000000, quarantined 0" in done.stdout, done.stdout  # no clock change in range


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stop_given_twice_during_a_big_parse_ends_the_command_cleanly(tmp_path: Path, stop: int) -> None:
    """Found by an operator's trial: a stop waited for the worker thread parsing a big file, and a
    second Ctrl-C or SIGTERM meanwhile (as an impatient operator gives) cut the command's cleanup:
    DuckDB was still running at exit and the process aborted (exit 134). Now the first stop
    interrupts the parse; a second SIGTERM only stops again, and a second Ctrl-C ends the command
    at once with one line (exit 130), as `kill -9` would; the next run lands every row."""
    repo = Path(__file__).resolve().parents[1]
    data = tmp_path / "data"
    (data / "raw" / "flights").mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-m", "bench.generate", "1000000", str(data / "raw" / "flights" / "big.csv")],
        cwd=repo,
        check=True,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BALLOONS_"))}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    command = [str(BIN / "balloons"), "-v", "run", "--data-dir", str(data)]  # its tasks run in threads
    run = Child(command, tmp_path / "run.log", env=env, preexec_fn=at_a_terminal)
    try:
        run.wait_for_line("Task run 'find_raw_files", timeout=240)  # the parse starts next
        time.sleep(0.5)
        for _ in range(2):
            with contextlib.suppress(ProcessLookupError):  # ended already
                os.killpg(run.process.pid, stop)
            time.sleep(0.5)
        code = run.process.wait(timeout=120)
    finally:
        run.stop(signal.SIGKILL)
    if code == 0:
        pytest.skip("the ingest ended before the stop came (a machine far faster)")
    assert "terminate called" not in run.text(), run.text()
    if code == 130:  # the second Ctrl-C came before the command had ended
        assert stop == signal.SIGINT and run.text().rstrip().endswith(AT_ONCE.strip()), run.text()
    else:
        assert code == 1, run.text()
        assert read_run_status(data)["outcome"] == "failed"
    done = subprocess.run(command[:1] + command[2:], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "landed 1000000, quarantined 0" in done.stdout, done.stdout


def test_a_temporary_server_that_does_not_start_is_one_line_naming_its_log(tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: with the disk full, Prefect's temporary server printed hundreds
    of traceback lines on the terminal, and the error line blamed the run logs. Its output goes to
    a log of its own, and a server that does not start (here: not within 1 s) is named with it."""
    raw = tmp_path / "data" / "raw" / "incursions"
    raw.mkdir(parents=True)
    (raw / "a.jsonl").write_text('{"detected_at": "2025-10-04T21:10:00+03:00", "balloons": 3, "source": "V"}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BALLOONS_"))}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "1",
    }
    done = subprocess.run(
        [str(BIN / "balloons"), "run", "--data-dir", str(tmp_path / "data")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    log_path = tmp_path / "prefect" / "temporary-server.log"
    one_error_line(done, "Prefect's temporary server did not start (Timed out while attempting to connect")
    assert f"its log {log_path} says why" in done.stderr and log_path.is_file()


def test_status_explains_a_crashed_run(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from balloons.lock import pipeline_lock
    from balloons.status import start_run

    start_run(tmp_path, run_id="20260101T020000Z-dead01", started_at=datetime(2026, 1, 1, 0, 0, tzinfo=UTC), pid=4242)
    with pipeline_lock(tmp_path / ".balloons.lock"):  # still held: the run is alive, so it stays running
        alive = CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path)])
    assert alive.exit_code == 0 and "last run:   running" in alive.output
    result = CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "last run:   crashed" in result.output and "run 20260101T020000Z-dead01" in result.output
    assert "(pid 4242) stopped without finishing" in result.output
    assert read_run_status(tmp_path)["outcome"] == "crashed"


def test_status_says_when_the_lake_holds_a_run_that_did_not_commit(tmp_path: Path, sample_root: Path) -> None:
    """Found by a fresh-eyes trial: after a killed ingest, `status` counted the half-written rows
    without a word."""
    import json
    import shutil

    from balloons import lake
    from balloons.lake.storage import local
    from balloons.lock import pipeline_lock

    shutil.copytree(sample_root / "lake", tmp_path / "lake")
    store = local(tmp_path / "lake")
    month = lake.months(store, "incursions")[0]
    lake.write_partition(store, "incursions", month, lake.read_partition(store, "incursions", month)[:1], undo="r9")
    with pipeline_lock(tmp_path / ".balloons.lock"):
        writing = CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path)])
    assert "lake:       run r9 is writing to it" in writing.output
    stopped = CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path)])
    assert stopped.exit_code == 0, stopped.output
    assert "lake:       run r9 stopped before it committed" in stopped.output
    as_json = CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path), "--format", "json"])
    assert json.loads(as_json.output)["uncommitted_runs"] == ["r9"]
    lake.recover(store)
    assert "lake:" not in CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path)]).output


def test_serve_without_a_prefect_server_is_one_line(tmp_path: Path) -> None:
    sample.write(tmp_path / "raw")
    done, _ = balloons(tmp_path, "serve", "--data-dir", str(tmp_path), env={"PREFECT_API_URL": ""})
    one_error_line(done, "balloons serve needs a Prefect server")


def in_a_terminal(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    """Run a command with a pseudo-terminal as stdin/stdout/stderr; return all it printed."""
    import os

    controller, terminal = os.openpty()
    process = subprocess.Popen(args, stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True)
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the command exited
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout)
    os.close(controller)
    return output.decode("utf-8", "replace")


def test_no_usage_data_banner_in_a_terminal(tmp_path: Path) -> None:
    """Prefect prints an "anonymous usage data" banner on its first import in a terminal; the CLI
    turns Prefect's client telemetry off (DO_NOT_TRACK) before importing it."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in {"CI", "DO_NOT_TRACK"} and not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "fresh-prefect-home"), PREFECT_API_URL="")
    assert in_a_terminal([sys.executable, "-c", "import sys; print(sys.stderr.isatty())"], env).strip() == "True"
    sample.write(tmp_path / "raw")
    printed = in_a_terminal([str(Path(sys.executable).parent / "balloons"), "serve", "--data-dir", str(tmp_path)], env)
    assert "usage data" not in printed
    assert printed.strip().splitlines() == [
        "Error: balloons serve needs a Prefect server: start one ('prefect "
        "server start --host 127.0.0.1') and set "
        "PREFECT_API_URL=http://127.0.0.1:4200/api."
    ]


def test_flows_send_heartbeats_only_where_a_server_outlives_the_command(httpserver: HTTPServer) -> None:
    """Under Prefect's temporary server a command's flows send no heartbeats (that server stops
    with the process); with a real server (PREFECT_API_URL) Prefect's default stands."""
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    from flows.cli import _flows_here

    default = type(get_current_settings().flows).model_fields["heartbeat_frequency"].default
    assert default is not None
    started: list[str] = []  # the temporary server, started before any flow (apart from Ctrl-C)
    temporary = {PREFECT_API_URL: None, "flows.heartbeat_frequency": default}
    with temporary_settings(temporary), _flows_here(lambda: started.append("temporary server")):
        assert get_current_settings().flows.heartbeat_frequency is None
    assert started == ["temporary server"]
    httpserver.expect_request("/api/health").respond_with_json(True)  # a server that answers
    real = {PREFECT_API_URL: httpserver.url_for("/api"), "flows.heartbeat_frequency": default}
    with temporary_settings(real), _flows_here(lambda: started.append("a second one")):
        assert get_current_settings().flows.heartbeat_frequency == default
    assert started == ["temporary server"]


def test_a_prefect_server_that_does_not_answer_is_one_line_before_any_flow(tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: the first flow failed after seconds, with advice to read the
    run logs that no server held."""
    sample.write(tmp_path / "raw")
    for command in ("run", "serve"):
        done, _ = balloons(
            tmp_path, command, "--data-dir", str(tmp_path), env={"PREFECT_API_URL": "http://127.0.0.1:9/api"}
        )
        one_error_line(done, "No Prefect server answers at PREFECT_API_URL=http://127.0.0.1:9/api (ConnectError")
        assert "unset PREFECT_API_URL" in done.stderr
    assert not (tmp_path / "status.json").exists() and not (tmp_path / "lake").exists()


def test_prefects_note_that_it_still_sends_items_stays_off_the_console() -> None:
    """Found by a fresh-eyes trial: a successful `balloons fetch` now and then ended with
    "WARNING | EventsWorker - Still processing items: 2 items remaining..." on stderr."""
    import logging

    from flows.cli import _NoErrors

    def record(name: str, level: int, msg: str) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, msg, None, None)

    keeps = _NoErrors().filter
    assert not keeps(record("EventsWorker", logging.WARNING, "Still processing items: 2 items remaining..."))
    assert not keeps(record("APILogWorker", logging.WARNING, "Still processing items: 5 items remaining..."))
    assert keeps(
        record("EventsWorker", logging.WARNING, "Service 'EventsWorker' queue is full (9 items), dropping item")
    )
    assert keeps(record("prefect.flow_runs", logging.WARNING, "Still processing items of a flow"))
    assert not keeps(record("prefect.flow_runs", logging.ERROR, "failed"))


def test_status_shows_the_last_run_when_the_lake_cannot_be_read(tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: with the S3 lake out of reach, `status` (which the failed run's
    own message points to) printed only the S3 error."""
    import json
    from datetime import UTC, datetime

    from conftest import free_port

    from balloons.status import finish_run, start_run

    start_run(tmp_path, run_id="r1", started_at=datetime(2026, 1, 1, tzinfo=UTC), pid=1)
    finish_run(tmp_path, finished_at=datetime(2026, 1, 1, 0, 1, tzinfo=UTC), outcome="failed", error="OSError: no S3")
    env = {
        "BALLOONS_LAKE_URL": "s3://lake/a",
        "BALLOONS_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "AWS_REGION": "us-east-1",
    }
    result = CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path)], env=env)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("last run:   failed") and "error:      OSError: no S3" in lines
    assert any(line.startswith("lake:       cannot be read: ") and "127.0.0.1" in line for line in lines)
    assert lines[-1] == "Error: The lake cannot be read (see above); check BALLOONS_LAKE_URL and the S3 settings."
    as_json = CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path), "--format", "json"], env=env)
    assert as_json.exit_code == 1 and "127.0.0.1" in json.loads(as_json.output.split("\nError:")[0])["lake_error"]
