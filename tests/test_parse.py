"""parse.py: one table's files validated together; large results spilled per month, once."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pytest

from balloons.errors import RawFileError, StorageFullError
from balloons.ingest import RawFile, Spill, parse_files, set_aside
from balloons.ingest.parse import refused_write
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


def test_files_that_together_pass_the_rows_kept_in_memory_are_spilled(tmp_path: Path, ctx: Context) -> None:
    """The rows kept in memory are counted over every file of a call (found trying it: two files of
    a million rows each, held together, took 2 GiB): a file that fits stays, the next one that would
    go past the limit is spilled, and a later small one that still fits stays."""
    store = local(tmp_path / "lake")
    first = flights_file(tmp_path, "a.csv", [f"2025-09-{d:02d}" for d in range(1, 9)])
    second = flights_file(tmp_path, "b.csv", [f"2025-10-{d:02d}" for d in range(1, 9)])
    third = flights_file(tmp_path, "c.csv", ["2025-11-01", "2025-11-02"])
    parsed = parse_files([first, second, third], ctx=ctx, spill=Spill(store, "_work/t"), in_memory_rows=10)
    assert [(p.staged_rows().num_rows, sorted(p.spilled)) for p in parsed] == [(8, []), (0, ["2025-10"]), (2, [])]
    assert parsed[1].month_rows(store, "2025-10").num_rows == 8


def test_a_file_of_wide_records_counts_for_more_rows_kept_in_memory(tmp_path: Path, ctx: Context) -> None:
    """Found by a re-check: the rows kept in memory were counted whatever their width, and a file
    of 990,000 rows of 120 bytes peaked at 1.24 GB (1.09 GB spilled)."""
    store = local(tmp_path / "lake")
    narrow = flights_file(tmp_path, "a.csv", [f"2025-09-{d:02d}" for d in range(1, 9)])
    path = tmp_path / "b.csv"
    path.write_text(
        "airport,direction,flight_number,scheduled_at,status,airline\n"
        + "".join(
            f"EYVI,arrival,FR{d},2025-10-{d:02d}T12:00,operated,{'Šiaulių avialinijos ' * 8}\n" for d in range(1, 9)
        )
    )
    wide = RawFile("flights/b.csv", "flights", "0" * 64, path, path.stat().st_size)
    kept = parse_files([narrow, wide], ctx=ctx, spill=Spill(store, "_work/t"), in_memory_rows=20)
    assert [(p.staged_rows().num_rows, sorted(p.spilled)) for p in kept] == [(8, []), (0, ["2025-10"])]
    alone = parse_files([narrow], ctx=ctx, spill=Spill(store, "_work/t"), in_memory_rows=8)
    assert alone[0].spilled == {}  # a narrow row counts as one


def test_files_of_a_table_are_validated_together_and_keep_their_own_lineage(tmp_path: Path, ctx: Context) -> None:
    a = flights_file(tmp_path, "a.csv", ["2025-10-01", "2025-10-02"])
    b = flights_file(tmp_path, "b.csv", ["2025-10-03", "not a date"])
    first, second = parse_files([a, b], ctx=ctx)
    assert first.staged_rows().column("source_file").to_pylist() == ["flights/a.csv"] * 2
    assert second.staged_rows().column("source_file").to_pylist() == ["flights/b.csv"]
    assert [(q["source_file"], q["source_line"]) for q in second.quarantine] == [("flights/b.csv", 3)]
    assert pc.max(first.staged_rows().column("source_line")).as_py() == 3


@pytest.mark.parametrize(
    "refusal",
    [OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), OSError("AWS Error NETWORK_CONNECTION during PutObject")],
)
def test_a_file_the_engine_has_no_room_for_is_deferred_and_the_others_are_read(
    tmp_path: Path, ctx: Context, refusal: OSError
) -> None:
    """A big file's rows spill to a lake whose disk is full (or whose object store is out of reach),
    beside a small file that needs no spill: no fault of either, so neither is quarantined (which would keep it out of the lake for
    good, its digest recorded). Validated together they fail; validated alone, the small one is
    read and the big one is deferred to the next run."""
    from fakes import Disk, filesystem

    class Full(Disk):
        def open_output_stream(self, path: str, metadata: object) -> object:
            raise refusal

    big = flights_file(tmp_path, "big.csv", [f"2025-10-{d:02d}" for d in range(1, 21)])
    small = flights_file(tmp_path, "small.csv", [f"2025-11-{d:02d}" for d in range(1, 6)])
    full = local(tmp_path / "lake", fs=filesystem(Full()))
    deferred, read = parse_files([big, small], ctx=ctx, spill=Spill(full, "_work/t"), in_memory_rows=10)
    assert deferred.deferred is not None and str(refusal) in deferred.deferred
    assert deferred.quarantine == [] and deferred.staged_rows().num_rows == 0 and not deferred.spilled
    assert read.deferred is None and read.quarantine == [] and read.staged_rows().num_rows == 5
    kept, named = set_aside([deferred, read])
    assert kept == [read] and named == [f"flights/big.csv ({deferred.deferred})"]
    (roomy,) = parse_files([big], ctx=ctx, spill=Spill(local(tmp_path / "lake"), "_work/t"), in_memory_rows=10)
    assert roomy.deferred is None and roomy.quarantine == [] and sum(len(p) for p in roomy.spilled.values()) == 1


@pytest.mark.parametrize(
    ("error", "refused"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), True),
        (OSError(errno.EFBIG, "File too large"), True),
        (OSError(errno.EROFS, "Read-only file system"), True),
        (OSError("IOError: No space left on device. Detail: [errno 28]"), True),  # pyarrow: no errno
        (duckdb.IOException('Could not write file "spill/x.block": No space left on device'), True),
        (duckdb.OutOfMemoryException("could not allocate block of size 256 KiB (800 MiB/800 MiB used)"), True),
        (MemoryError(), True),
        (StorageFullError("writing s3://lake/_work/r/x.arrow failed: AWS Error NETWORK_CONNECTION"), True),
        (OSError(errno.EACCES, "Permission denied"), False),  # a raw file we may not read: quarantined
        (OSError(errno.EIO, "Input/output error"), False),
        (RawFileError("flights/x.csv lacks required column(s): No space left on device"), False),
        (duckdb.ConversionException("Could not convert string 'No space left on device' to INT32"), False),
        (ValueError("File too large"), False),
    ],
)
def test_only_the_operating_system_refusing_a_write_counts_as_no_room(error: BaseException, refused: bool) -> None:
    """A hostile file cannot stop every night by quoting an operating system's message."""
    assert refused_write(error) is refused


def test_files_are_validated_a_batch_at_a_time_with_the_same_results(tmp_path: Path, ctx: Context) -> None:
    """A table's files go to the engine `files_together` at a time (1,000 small files at once ran
    it out of memory; found by review): batches of two give what one batch gives, file by file."""
    raws = [flights_file(tmp_path, f"f{n}.csv", [f"2025-10-{d:02d}" for d in range(1, n + 2)]) for n in range(5)]
    raws.append(RawFile("flights/bad.csv", "flights", "0" * 64, tmp_path / "missing.csv", 1))
    (tmp_path / "missing.csv").write_text(HEADER + "EYVI,arrival,FR1,not a time,operated\n", encoding="utf-8")
    together = parse_files(raws, ctx=ctx)
    apart = parse_files(raws, ctx=ctx, files_together=2)
    assert [p.file.path for p in apart] == [p.file.path for p in together]
    for one, other in zip(apart, together, strict=True):
        assert one.staged_rows().equals(other.staged_rows())
        assert one.quarantine == other.quarantine and one.read == other.read
    assert [p.staged_rows().num_rows for p in apart] == [1, 2, 3, 4, 5, 0] and len(apart[-1].quarantine) == 1


def test_rows_of_blank_fields_in_a_plain_csv_are_no_records(tmp_path: Path, ctx: Context) -> None:
    """A plain CSV (read by DuckDB) skips rows whose every field is blank, whatever their first
    field starts with; a row with any value is a record, read or quarantined with its line."""
    body = [
        "EYVI,arrival,FR1,2025-10-04T12:00,operated",  # line 2: lands
        ",,,,",  # 3: blank
        " ,\t, ,,\t",  # 4: blank
        "\t,,,,x",  # 5: a value in its last field: a record (quarantined: no airport)
        " EYVI,arrival,FR2,2025-10-04T13:00,operated",  # 6: lands (the value is trimmed)
        "é,,,,",  # 7: a record (quarantined)
    ]
    path = tmp_path / "f.csv"
    path.write_text(HEADER + "\n".join(body) + "\n", encoding="utf-8")
    (parsed,) = parse_files([RawFile("flights/f.csv", "flights", "0" * 64, path, path.stat().st_size)], ctx=ctx)
    assert sorted(parsed.staged_rows().column("source_line").to_pylist()) == [2, 6]
    assert [q["source_line"] for q in parsed.quarantine] == [5, 7]
    assert parsed.read == 4


def test_a_files_rows_of_each_month_are_its_rows_of_that_month_in_file_order(tmp_path: Path, ctx: Context) -> None:
    """Rows of several months, out of order, and a NOTAMC (no month): each month's rows are the
    file's rows of that month in the file's order, nothing else; the NOTAMC is in none."""
    from conftest import write

    notams = (
        "(A0001/25 NOTAMN\nQ) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005\nA) EYVI B) 2510042200 C) 2510050400\n"
        "E) AD CLSD DUE TO BALLOONS)\n\n"
        "(A0002/25 NOTAMN\nQ) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005\nA) EYVI B) 2509042200 C) 2509050400\n"
        "E) AD CLSD DUE TO BALLOONS)\n\n"
        "(A0003/25 NOTAMN\nQ) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005\nA) EYVI B) 2510062200 C) 2510070400\n"
        "E) AD CLSD DUE TO BALLOONS)\n\n"
        "(A0004/25 NOTAMC A0009/25\nQ) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005\nA) EYVI B) 2510082200\n"
        "E) AD CLSD DUE TO BALLOONS)\n"
    )
    path = write(tmp_path, "closures/n.notam", notams)
    raw = RawFile("closures/n.notam", "closures", "x", path, path.stat().st_size, 0, 0, 0)
    (parsed,) = parse_files([raw], ctx=ctx)
    store = local(tmp_path / "lake")
    every = parsed.staged_rows()
    assert sorted(parsed.months()) == ["2025-09", "2025-10"]
    for month in ("2025-09", "2025-10", "2025-11"):
        assert parsed.month_rows(store, month).to_pylist() == [r for r in every.to_pylist() if r["month"] == month]
    assert [r["notam_id"] for r in parsed.month_rows(store, "2025-10").to_pylist()] == ["A0001/25", "A0003/25"]
    assert parsed.month_rows(store, None).num_rows == every.num_rows == 4


def test_records_read_one_by_one_reach_the_engine_in_batches_and_all_land(tmp_path: Path, ctx: Context) -> None:
    """A JSONL file of more records than a batch (`decode.RECORDS_BATCH`): every record lands once,
    with its own line, and a bad line in the second batch is quarantined alone."""
    from conftest import write

    from balloons.ingest.decode import RECORDS_BATCH

    total = RECORDS_BATCH + 10
    bad = RECORDS_BATCH + 5
    lines = [f'{{"detected_at": "2025-10-04T22:00", "source_id": "{n}", "balloons": 1}}' for n in range(1, total + 1)]
    lines[bad - 1] = '{"detected_at": "2025-10-04T22:00", "source_id": "bad", "balloons": "five"}'
    path = write(tmp_path, "incursions/a.jsonl", "\n".join(lines) + "\n")
    raw = RawFile("incursions/a.jsonl", "incursions", "x", path, path.stat().st_size, 0, 0, 0)
    (parsed,) = parse_files([raw], ctx=ctx)
    rows = parsed.staged_rows()
    assert parsed.read == total and rows.num_rows == total - 1
    assert rows.column("source_line").to_pylist() == [n for n in range(1, total + 1) if n != bad]
    assert len(set(rows.column("event_id").to_pylist())) == total - 1
    (quarantined,) = parsed.quarantine
    assert (quarantined["source_line"], quarantined["reason"]) == (
        bad,
        "balloons 'five' is not a whole number (ASCII digits, optional sign)",
    )
    assert json.loads(quarantined["raw_record"]) == {
        "detected_at": "2025-10-04T22:00",
        "source_id": "bad",
        "balloons": "five",
    }
