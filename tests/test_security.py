"""Security: read-only reads, values never spliced into SQL, raw names never become paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write

from balloons import lake, warehouse
from balloons.errors import LakeError
from balloons.ingest import ingest
from flows.cli import cli

INJECTIONS = ["2025-10'; DROP TABLE closures; --", "2025-10 OR 1=1", "../../../etc/passwd", "2025-10\x00",
              "'); COPY closures TO '/tmp/pwned.csv'; --"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_month_option_refuses_injection(sample_root: Path, value: str) -> None:
    result = CliRunner().invoke(cli, ["report", "--month", value, "--data-dir", str(sample_root)])
    assert result.exit_code == 1
    assert "not a month" in result.output
    assert warehouse.query(sample_root / "warehouse.duckdb", "select count(*) from closures")[1] == [(15,)]
    assert not Path("/tmp/pwned.csv").exists()


def test_query_cannot_write_even_when_stacked(sample_root: Path, tmp_path: Path) -> None:
    evil = f"select 1; copy closures to '{tmp_path / 'out.csv'}'"
    result = CliRunner().invoke(cli, ["query", evil, "--data-dir", str(sample_root)])
    assert result.exit_code == 1
    assert not (tmp_path / "out.csv").exists()
    for statement in ("drop table closures", "delete from flights", "create table x(a int)",
                      "attach ':memory:' as m"):
        result = CliRunner().invoke(cli, ["query", statement, "--data-dir", str(sample_root)])
        assert result.exit_code == 1, statement
    assert warehouse.query(sample_root / "warehouse.duckdb", "select count(*) from flights")[1] == [(19641,)]


def test_setting_values_are_validated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BALLOONS_TIMEZONE", "Europe/Vilnius'; drop table x; --")
    result = CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "BALLOONS_TIMEZONE" in result.output


def test_lake_paths_come_only_from_our_names(tmp_path: Path) -> None:
    for month in ("../2025-10", "2025-10/../../x", "2025-13"):
        with pytest.raises(LakeError):
            lake.partition_path(tmp_path, "incursions", month)
    with pytest.raises(LakeError):
        lake.partition_path(tmp_path, "../incursions", "2025-10")


def test_raw_names_cannot_write_outside_the_data_dir(tmp_path: Path, ctx) -> None:
    data = tmp_path / "data"
    header = "detected_at,source_id\n"
    write(data, "incursions/with space ąčę.csv", header + "2025-10-04T22:00,1\n")
    write(data, "incursions/dots../x..y.csv", header + "2025-10-04T22:00,2\n")
    write(data, "incursions/month=2025-10/data.parquet.csv", header + "2025-10-04T22:00,3\n")
    outside = tmp_path / "outside.csv"
    outside.write_text(header + "2025-10-04T22:00,4\n")
    os.symlink(outside, data / "raw" / "incursions" / "link.csv")
    before = {p for p in tmp_path.rglob("*")}
    ingest(data / "raw", data / "lake", ctx=ctx, run_id="names")
    created = {p for p in tmp_path.rglob("*")} - before
    assert created and all(p.is_relative_to(data / "lake") for p in created)
    sources = {q for m in lake.months(data / "lake", "incursions")
               for q in lake.read_partition(data / "lake", "incursions", m, ["source_file"]).column(0).to_pylist()}
    assert "incursions/link.csv" not in sources  # links are not followed
    assert "incursions/dots../x..y.csv" in sources
