"""The command line: help with examples, one-line errors, and a real run through Prefect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from balloons import lake, sample
from flows.cli import cli

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


@pytest.mark.slow
def test_run_through_the_cli_while_an_analyst_reads(tmp_path: Path, prefect_harness: None) -> None:
    """`balloons run` through Prefect, then rebuilds while a reader process holds the file open."""
    sample.write(tmp_path / "raw")
    runner = CliRunner()
    first = runner.invoke(cli, ["run", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "landed 19896, quarantined 3, duplicates 4, superseded 8" in first.output
    assert lake.read_ingest_log(tmp_path / "lake").num_rows == len(sample.generate())

    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(tmp_path / "warehouse.duckdb"), str(stop)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for night in range(1, 4):  # each run brings a new file, so the warehouse really is rebuilt
            (tmp_path / "raw" / "incursions" / f"2026-01-0{night}.jsonl").write_text(
                f'{{"detected_at": "2026-01-0{night}T21:00:00+02:00", "source": "VSAT", "source_id": "n{night}"}}\n')
            again = runner.invoke(cli, ["run", "--data-dir", str(tmp_path)])
            assert again.exit_code == 0, again.output
            assert "files read 1 (unchanged" in again.output
            assert f"warehouse: {tmp_path / 'warehouse.duckdb'} incursions={240 + night} " in again.output
    finally:
        stop.write_text("stop")
        out, err = reader.communicate(timeout=120)
    queries, errors = map(int, out.split())
    assert (errors, queries > 0) == (0, True), err


READER = """
import sys, time, duckdb
path, stop = sys.argv[1], sys.argv[2]
held = duckdb.connect(path, read_only=True)
queries = errors = 0
deadline = time.time() + 300
import os
while time.time() < deadline and not os.path.exists(stop):
    try:
        assert held.execute("select incursions from monthly_incursions where month = '2025-10'").fetchone() == (71,)
        fresh = duckdb.connect(path, read_only=True)
        assert fresh.execute("select count(*) from closures").fetchone() == (15,)
        fresh.close()
        queries += 1
    except Exception as exc:
        errors += 1
        print(repr(exc), file=sys.stderr)
print(queries, errors)
"""
