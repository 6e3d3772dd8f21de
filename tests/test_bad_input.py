"""The bad-input corpus (tests/corpus/<case>/): every case completes, lands and quarantines exactly
what expected.json says, and every file reconciles (read = landed + quarantined + duplicate +
superseded + skipped)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import assert_accounted

from balloons import lake
from balloons.ingest import ingest
from balloons.lake.storage import local
from balloons.schema import RECORD_TABLES

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.json").is_file())


def test_corpus_has_at_least_40_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_case(case: str, tmp_path: Path, ctx) -> None:
    expected = json.loads((CORPUS / case / "expected.json").read_text(encoding="utf-8"))
    shutil.copytree(CORPUS / case / "raw", tmp_path / "raw")
    summary = ingest(tmp_path / "raw", local(tmp_path / "lake"), ctx=ctx, run_id="corpus")
    visible = [p for p in (tmp_path / "raw").rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert summary.files_read == len(visible)

    landed = {}
    for table in RECORD_TABLES:
        months = lake.months(local(tmp_path / "lake"), table)
        landed[table] = sum(lake.read_partition(local(tmp_path / "lake"), table, m).num_rows for m in months)
    assert {t: n for t, n in landed.items() if n} == expected["landed"]

    quarantine = lake.read_quarantine(local(tmp_path / "lake")).to_pylist()
    assert len(quarantine) == len(expected["quarantine"]), [q["reason"] for q in quarantine]
    for (path, line, reason), row in zip(
        expected["quarantine"], sorted(quarantine, key=lambda q: (q["source_file"], q["source_line"] or 0)), strict=True
    ):
        assert (row["source_file"], row["source_line"]) == (path, line)
        assert reason in row["reason"], row["reason"]

    assert_accounted(tmp_path)

    for table, column, value in expected["values"]:
        glob = str(tmp_path / "lake" / table / "*" / "*.parquet")
        con = duckdb.connect()
        con.execute("set TimeZone = 'UTC'")
        (got,) = con.execute(f'select "{column}" from read_parquet(?, hive_partitioning = true)', [glob]).fetchone()
        con.close()
        got = got.isoformat() if hasattr(got, "isoformat") else got
        assert got == value, (table, column)
