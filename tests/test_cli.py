"""The command line: help with examples, one-line errors, and a real run through Prefect."""

from __future__ import annotations

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
def test_ingest_flow_through_the_cli(tmp_path: Path, prefect_harness: None) -> None:
    sample.write(tmp_path / "raw")
    runner = CliRunner()
    first = runner.invoke(cli, ["ingest", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "landed 19896, quarantined 3, duplicates 4, superseded 8" in first.output
    log_table = lake.read_ingest_log(tmp_path / "lake")
    assert log_table.num_rows == len(sample.generate())
    again = runner.invoke(cli, ["ingest", "--data-dir", str(tmp_path)])
    assert "files read 0 (unchanged 20)" in again.output
