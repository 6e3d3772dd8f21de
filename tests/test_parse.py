"""parse.py: one table's files validated together; large results spilled per month, once."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc

from balloons.ingest import RawFile, Spill, parse_files
from balloons.ingest.validate import Context
from balloons.lake.storage import local

HEADER = "airport,direction,flight_number,scheduled_at,status\n"


def flights_file(root: Path, name: str, days: list[str]) -> RawFile:
    path = root / name
    path.write_text(
        HEADER + "".join(f"EYVI,arrival,FR{i},{day}T12:00,operated\n" for i, day in enumerate(days)), encoding="utf-8"
    )
    return RawFile(f"flights/{name}", "flights", "0" * 64, path, path.stat().st_size)


def test_a_large_file_is_spilled_per_month_and_reads_back_as_kept_in_memory(tmp_path: Path, ctx: Context) -> None:
    days = [f"2025-{m:02d}-{d:02d}" for m in (9, 10, 11) for d in range(1, 11)]
    raw = flights_file(tmp_path, "big.csv", days)
    store = local(tmp_path / "lake")
    (spilled,) = parse_files([raw], ctx=ctx, spill=Spill(store, "_work/t"), in_memory_rows=10)
    (kept,) = parse_files([raw], ctx=ctx)
    assert spilled.staged_rows().num_rows == 0 and sorted(spilled.spilled) == ["2025-09", "2025-10", "2025-11"]
    assert kept.spilled == {} and kept.staged_rows().num_rows == 30
    for month in ("2025-09", "2025-10", "2025-11"):
        a = spilled.month_rows(store, month).sort_by("source_line")
        b = kept.month_rows(store, month).sort_by("source_line")
        assert a.equals(b) and a.num_rows == 10
    assert spilled.read == kept.read == 30


def test_files_of_a_table_are_validated_together_and_keep_their_own_lineage(tmp_path: Path, ctx: Context) -> None:
    a = flights_file(tmp_path, "a.csv", ["2025-10-01", "2025-10-02"])
    b = flights_file(tmp_path, "b.csv", ["2025-10-03", "not a date"])
    first, second = parse_files([a, b], ctx=ctx)
    assert first.staged_rows().column("source_file").to_pylist() == ["flights/a.csv"] * 2
    assert second.staged_rows().column("source_file").to_pylist() == ["flights/b.csv"]
    assert [(q["source_file"], q["source_line"]) for q in second.quarantine] == [("flights/b.csv", 3)]
    assert pc.max(first.staged_rows().column("source_line")).as_py() == 3
