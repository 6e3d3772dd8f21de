"""The Dask runner gives the same warehouse as the default runner.

Under the test harness (a temporary Prefect server) the local Dask cluster uses thread workers:
process workers would each start a temporary server of their own. Process workers against a real
Prefect server are tested in tests/test_served.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from balloons import warehouse
from balloons.samples import shipped as sample
from flows.cli import cli

LINEAGE = {"run_id", "ingested_at", "last_ingest", "fingerprint", "lake_files"}


def contents(path: Path) -> dict[str, list[tuple]]:
    out = {}
    con = warehouse.connect_read_only(path)
    try:
        for relation in warehouse.PUBLIC_RELATIONS:
            if relation == "build_info":
                continue
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where table_name = ? order by column_index", [relation]
                ).fetchall()
                if c not in LINEAGE
            ]
            listed = ", ".join(f'"{c}"' for c in columns)  # names read from the catalogue of our own tables
            out[relation] = con.execute(f'select {listed} from "{relation}" order by all').fetchall()
    finally:
        con.close()
    return out


@pytest.mark.slow
def test_dask_runner_matches_the_default_runner(tmp_path: Path, prefect_harness: None) -> None:
    runner = CliRunner()
    for name, option in (("default", "default"), ("dask", "dask")):
        sample.write(tmp_path / name / "raw")
        result = runner.invoke(cli, ["run", "--runner", option, "--data-dir", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    default, dask = (
        contents(tmp_path / "default" / "warehouse.duckdb"),
        contents(tmp_path / "dask" / "warehouse.duckdb"),
    )
    assert default.keys() == dask.keys()
    for relation in default:
        assert default[relation] == dask[relation], relation
    assert len(dask["flights"]) == 19641


def test_unknown_runner_is_refused(tmp_path: Path) -> None:
    sample.write(tmp_path / "raw")
    result = CliRunner().invoke(cli, ["run", "--runner", "spark", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "Unknown runner 'spark'" in result.output
