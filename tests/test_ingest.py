"""Ingestion end to end on small raw trees: identity, duplicates, updates, re-delivery, accounting."""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from conftest import write

from balloons import lake
from balloons.ingest import ingest
from balloons.ingest.validate import Context
from balloons.lake.storage import Store, local

HEADER = "detected_at,balloons,municipality,lat,lon,source,source_id\n"


def run(root: Path, ctx: Context, n: int = 1):
    later = replace(ctx, now=ctx.now + timedelta(minutes=n))
    return ingest(root / "raw", local(root / "lake"), ctx=later, run_id=f"run{n}")


def rows(root: Path, table: str, columns: str = "*") -> list[tuple]:
    glob = str(root / "lake" / table / "*" / "*.parquet")
    if not list((root / "lake" / table).glob("*/*.parquet")):
        return []
    return duckdb.sql(f"select {columns} from read_parquet('{glob}', hive_partitioning=true) order by all").fetchall()


def log_rows(root: Path) -> dict[str, tuple]:
    table = lake.read_ingest_log(local(root / "lake")).to_pylist()
    return {
        r["path"]: (r["rows_read"], r["rows_landed"], r["rows_quarantined"], r["rows_duplicate"], r["rows_superseded"])
        for r in table
    }


def assert_reconciled(root: Path) -> None:
    for path, (read, landed, quarantined, duplicate, superseded) in log_rows(root).items():
        assert read == landed + quarantined + duplicate + superseded, path


def test_valid_and_invalid_records_of_one_file(tmp_path: Path, ctx: Context) -> None:
    write(
        tmp_path,
        "incursions/a.csv",
        HEADER + "2025-10-04T22:00,2,Vilniaus r.,54.7,25.5,NKVC,1\n"
        "2025-10-04T23:00,0,Vilniaus r.,54.7,25.5,NKVC,2\n2025-10-05T01:00,1,,,,NKVC,3\n",
    )
    summary = run(tmp_path, ctx)
    assert rows(tmp_path, "incursions", "source_id, balloons, month, source_file, source_line") == [
        ("1", 2, "2025-10", "incursions/a.csv", 2),
        ("3", 1, "2025-10", "incursions/a.csv", 4),
    ]
    quarantine = lake.read_quarantine(local(tmp_path / "lake")).to_pylist()
    assert [(q["table_name"], q["source_line"]) for q in quarantine] == [("incursions", 3)]
    assert "at least 1" in quarantine[0]["reason"] and '"balloons": "0"' in quarantine[0]["raw_record"]
    assert log_rows(tmp_path)["incursions/a.csv"] == (3, 2, 1, 0, 0)
    assert (summary.counts.read, summary.counts.landed) == (3, 2)


def test_partition_paths_are_hive_style_local_months(tmp_path: Path, ctx: Context) -> None:
    write(
        tmp_path,
        "incursions/edge.jsonl",
        '{"detected_at": "2025-10-31T21:30:00Z", "source_id": "a"}\n'
        '{"detected_at": "2025-10-31T22:30:00Z", "source_id": "b"}\n',
    )
    run(tmp_path, ctx)
    assert lake.months(local(tmp_path / "lake"), "incursions") == ["2025-10", "2025-11"]
    assert (tmp_path / "lake/incursions/month=2025-11/data.parquet").is_file()
    assert not any((tmp_path / "lake" / ".staging").iterdir())


def test_same_file_under_two_names_counts_once(tmp_path: Path, ctx: Context) -> None:
    body = HEADER + "2025-10-04T22:00,2,Vilniaus r.,54.7,25.5,NKVC,1\n"
    write(tmp_path, "incursions/a.csv", body)
    write(tmp_path, "incursions/copy of a.csv", body)
    run(tmp_path, ctx)
    assert len(rows(tmp_path, "incursions")) == 1
    assert log_rows(tmp_path)["incursions/copy of a.csv"] == (1, 0, 0, 1, 0)
    assert_reconciled(tmp_path)


def test_later_path_wins_within_a_run_and_later_run_wins(tmp_path: Path, ctx: Context) -> None:
    write(tmp_path, "incursions/1.csv", HEADER + "2025-10-04T22:00,2,Vilniaus r.,54.7,25.5,NKVC,1\n")
    write(tmp_path, "incursions/2.csv", HEADER + "2025-10-04T22:00,5,Vilniaus r.,54.7,25.5,NKVC,1\n")
    run(tmp_path, ctx)
    assert rows(tmp_path, "incursions", "balloons, source_file") == [(5, "incursions/2.csv")]
    assert log_rows(tmp_path)["incursions/1.csv"] == (1, 0, 0, 0, 1)
    write(tmp_path, "incursions/0-correction.csv", HEADER + "2025-11-02T22:00,4,Vilniaus r.,54.7,25.5,NKVC,1\n")
    run(tmp_path, ctx, 2)
    assert rows(tmp_path, "incursions", "balloons, month") == [(4, "2025-11")]
    assert lake.months(local(tmp_path / "lake"), "incursions") == ["2025-11"]


def test_redelivered_file_replaces_its_contribution(tmp_path: Path, ctx: Context) -> None:
    write(
        tmp_path,
        "incursions/a.csv",
        HEADER + "2025-10-04T22:00,2,Vilniaus r.,54.7,25.5,NKVC,1\n"
        "2025-10-05T22:00,1,Vilniaus r.,54.7,25.5,NKVC,2\nbad,1,,,,NKVC,3\n",
    )
    run(tmp_path, ctx)
    write(tmp_path, "incursions/a.csv", HEADER + "2025-10-04T22:00,2,Vilniaus r.,54.7,25.5,NKVC,1\n")
    run(tmp_path, ctx, 2)
    assert rows(tmp_path, "incursions", "source_id, run_id") == [("1", "run2")]
    assert lake.read_quarantine(local(tmp_path / "lake")).num_rows == 0
    assert_reconciled(tmp_path)


def test_rerun_on_unchanged_raw_changes_nothing(tmp_path: Path, ctx: Context) -> None:
    write(tmp_path, "incursions/a.csv", HEADER + "2025-10-04T22:00,2,Vilniaus r.,54.7,25.5,NKVC,1\n")
    write(
        tmp_path, "flights/f.csv", "airport,direction,flight_number,scheduled_at\nEYVI,arrival,FR1,2025-10-04T22:30\n"
    )
    run(tmp_path, ctx)
    files = sorted(p for p in (tmp_path / "lake").rglob("*.parquet") if "ingest_log" not in p.parts)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    summary = run(tmp_path, ctx, 2)
    assert summary.files_read == 0 and summary.files_unchanged == 2
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files} == before


def test_notam_and_csv_for_the_same_closure_are_one(tmp_path: Path, ctx: Context) -> None:
    write(
        tmp_path,
        "closures/a.notam",
        "(A1801/25 NOTAMN Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005 "
        "A) EYVI B) 2510041916 C) 2510050150 E) AD CLSD.)",
    )
    write(
        tmp_path,
        "closures/b.csv",
        "airport,closed_from,closed_until,reported_flights\nEYVI,2025-10-04T22:16,2025-10-05T04:50,30\n",
    )
    run(tmp_path, ctx)
    assert rows(tmp_path, "closures", "airport, reported_flights, source_file") == [("EYVI", 30, "closures/b.csv")]
    assert log_rows(tmp_path)["closures/a.notam"] == (1, 0, 0, 0, 1)


def test_notam_cancellation_and_replacement(tmp_path: Path, ctx: Context) -> None:
    q = "Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005"
    write(
        tmp_path,
        "closures/1.notam",
        f"(A0010/25 NOTAMN {q} A) EYVI B) 2510041916 C) 2510050150 E) AD CLSD.)\n"
        f"(A0020/25 NOTAMN {q} A) EYVI B) 2510101800 C) 2510102000 E) AD CLSD.)",
    )
    run(tmp_path, ctx)
    assert len(rows(tmp_path, "closures")) == 2
    write(
        tmp_path,
        "closures/2.notam",
        f"(A0011/25 NOTAMR A0010/25 {q} A) EYVI B) 2510041916 C) 2510050400 E) AD CLSD.)\n"
        "(A0021/25 NOTAMC A0020/25 Q) EYVL/QFAXX/IV/NBO/A/000/999/5438N02517E005 A) EYVI B) 2510101900 E) AD OPEN.)",
    )
    run(tmp_path, ctx, 2)
    assert rows(tmp_path, "closures", "notam_id, strftime(closed_until, '%H:%M')") == [("A0011/25", "04:00")]
    assert log_rows(tmp_path)["closures/2.notam"] == (2, 2, 0, 0, 0)
    # a copy changes nothing: a third review found its NOTAMC counted 'landed' again
    write(tmp_path, "closures/0.notam", (tmp_path / "raw" / "closures" / "2.notam").read_text())
    counts = run(tmp_path, ctx, 3).counts
    assert (counts.read, counts.landed, counts.duplicate) == (2, 0, 2)
    assert rows(tmp_path, "closures", "notam_id, strftime(closed_until, '%H:%M')") == [("A0011/25", "04:00")]


def test_whole_file_quarantine_counts_as_one_record(tmp_path: Path, ctx: Context) -> None:
    write(tmp_path, "flights/broken.json", '{"not": "an array"}')
    write(tmp_path, "closures/sheet.xlsx", b"PK\x03\x04")
    write(tmp_path, "flights/nocols.csv", "airport,flight_number\nEYVI,FR1\n")
    run(tmp_path, ctx)
    reasons = {q["source_file"]: q["reason"] for q in lake.read_quarantine(local(tmp_path / "lake")).to_pylist()}
    assert "JSON array" in reasons["flights/broken.json"]
    assert "does not read .xlsx" in reasons["closures/sheet.xlsx"]
    assert "lacks required column(s): direction, scheduled_at" in reasons["flights/nocols.csv"]
    assert log_rows(tmp_path)["flights/broken.json"] == (1, 0, 1, 0, 0)
    assert_reconciled(tmp_path)


class FullDisk(Store):
    """A local store whose disk fills up when the ingest log is written (the step before the commit)."""

    def write_parquet(self, table: pa.Table, path: str, **options: Any) -> None:
        if "/ingest_log/" in path:
            raise OSError("disk full")
        super().write_parquet(table, path, **options)


def test_crashed_run_is_completed_by_the_next(tmp_path: Path, ctx: Context) -> None:
    write(tmp_path, "incursions/a.csv", HEADER + "2025-10-04T22:00,2,Vilniaus r.,54.7,25.5,NKVC,1\n")
    clean = tmp_path / "clean"
    write(clean, "incursions/a.csv", HEADER + "2025-10-04T22:00,2,Vilniaus r.,54.7,25.5,NKVC,1\n")
    run(clean, ctx)
    full = FullDisk(**{f.name: getattr(local(tmp_path / "lake"), f.name) for f in dataclasses.fields(Store)})
    with pytest.raises(OSError, match="disk full"):
        ingest(tmp_path / "raw", full, ctx=ctx, run_id="full")
    assert lake.read_pending(local(tmp_path / "lake")) == ["incursions/a.csv"]
    run(tmp_path, ctx, 2)
    assert lake.read_pending(local(tmp_path / "lake")) == []
    assert log_rows(tmp_path)["incursions/a.csv"] == (1, 1, 0, 0, 0)
    assert rows(tmp_path, "incursions", "event_id, content_hash") == rows(clean, "incursions", "event_id, content_hash")


def test_spilled_rows_are_gone_after_a_run_and_leftovers_after_the_next(tmp_path: Path, ctx: Context) -> None:
    write(
        tmp_path, "flights/f.csv", "airport,direction,flight_number,scheduled_at\nEYVI,arrival,BT1,2025-10-01T12:00\n"
    )
    leftover = tmp_path / "lake" / "_work" / "crashed-run" / "x.arrow"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"partial")
    run(tmp_path, ctx)
    assert not (tmp_path / "lake" / "_work").exists()
    assert rows(tmp_path, "flights", "flight_number") == [("BT1",)]


def test_a_same_size_edit_with_its_mtime_restored_is_read_again(tmp_path: Path, ctx: Context) -> None:
    path = write(tmp_path, "incursions/a.csv", HEADER + "2025-10-04T22:00,2,Vilniaus r.,54.7,25.5,NKVC,1\n")
    run(tmp_path, ctx)
    stat = path.stat()
    path.write_text(HEADER + "2025-10-04T22:00,7,Vilniaus r.,54.7,25.5,NKVC,1\n", encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as cp -p, rsync -t or tar would
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    summary = run(tmp_path, ctx, 2)
    assert summary.files_read == 1
    assert rows(tmp_path, "incursions", "balloons") == [(7,)]
    assert run(tmp_path, ctx, 3).files_read == 0


def test_a_file_replaced_by_a_copy_with_the_same_stat_is_hashed_again(tmp_path: Path, ctx: Context) -> None:
    path = write(tmp_path, "incursions/a.csv", HEADER + "2025-10-04T22:00,2,Vilniaus r.,54.7,25.5,NKVC,1\n")
    run(tmp_path, ctx)
    stat = path.stat()
    other = write(tmp_path, "incursions/.tmp", HEADER + "2025-10-04T22:00,8,Vilniaus r.,54.7,25.5,NKVC,1\n")
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    other.replace(path)  # a new inode under the old name, same size and mtime
    assert run(tmp_path, ctx, 2).files_read == 1
    assert rows(tmp_path, "incursions", "balloons") == [(8,)]


def test_a_lake_of_another_format_is_rebuilt_from_raw_once(tmp_path: Path, ctx: Context) -> None:
    write(tmp_path, "incursions/a.csv", "detected_at,balloons\n2025-10-04T22:00,3\n")
    ingest(tmp_path / "raw", local(tmp_path / "lake"), ctx=ctx, run_id="r1")
    (tmp_path / "lake" / "format.json").write_text('{"version": 1}\n')
    (tmp_path / "lake" / "incursions" / "month=2024-01").mkdir(parents=True)
    (tmp_path / "lake" / "incursions" / "month=2024-01" / "data.parquet").write_bytes(b"stale")
    seen: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = seen.append  # type: ignore[method-assign]
    logging.getLogger("balloons.lake").addHandler(handler)
    try:
        summary = ingest(tmp_path / "raw", local(tmp_path / "lake"), ctx=ctx, run_id="r2")
        again = ingest(tmp_path / "raw", local(tmp_path / "lake"), ctx=ctx, run_id="r3")
    finally:
        logging.getLogger("balloons.lake").removeHandler(handler)
    assert sum("rebuilding it from raw/" in r.getMessage() for r in seen) == 1
    assert (summary.files_read, again.files_read) == (1, 0)
    assert lake.months(local(tmp_path / "lake"), "incursions") == ["2025-10"]


def test_a_run_under_other_rule_settings_rebuilds_the_lake_from_raw(
    tmp_path: Path, ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    """What the lake holds of a file depends on rule settings (zone, limits): a file quarantined
    under a limit set too low, or read in the wrong zone, was never read again once the setting
    was fixed, and a lake mixed rules (found by review). The lake records its rules; a run under
    other ones rebuilds it from raw/, once, saying which changed."""
    from balloons.ingest.rawfile import Limits

    store = local(tmp_path / "lake")
    write(tmp_path, "incursions/a.csv", f"detected_at,balloons,municipality\n2025-10-04T22:00,2,{'V' * 40}\n")
    write(tmp_path, "incursions/b.csv", "detected_at,balloons,source,source_id\n2025-10-05T22:00,3,N,2\n")
    tight = replace(ctx, limits=Limits(field_chars=20))
    first = ingest(tmp_path / "raw", store, ctx=tight, run_id="r1")
    assert (first.counts.landed, first.counts.quarantined) == (1, 1)
    with caplog.at_level(logging.WARNING, logger="balloons.lake"):
        again = ingest(tmp_path / "raw", store, ctx=ctx, run_id="r2")
    assert (again.files_read, again.counts.landed, again.counts.quarantined) == (2, 2, 0)
    assert lake.read_quarantine(store).num_rows == 0 and lake.read_ingest_log(store).num_rows == 2
    rebuilt = [r.getMessage() for r in caplog.records if "rebuilding it from raw/" in r.getMessage()]
    assert rebuilt == [
        "the lake was ingested under other settings (BALLOONS_MAX_FIELD_CHARS 20 → 10000): rebuilding it from raw/ (once)"
    ]
    assert ingest(tmp_path / "raw", store, ctx=ctx, run_id="r3").files_read == 0


def test_a_rebuild_names_the_delivered_files_no_longer_in_raw(
    tmp_path: Path, ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by a fresh-eyes trial: a raw file deleted by hand stays in the lake ("deleting a raw
    file changes nothing") until a rule setting changes; the rebuild then dropped what it delivered
    without a word. It cannot keep it (the lake is rebuilt from raw/), but it says so, by name."""
    from balloons.ingest.rawfile import Limits

    store = local(tmp_path / "lake")
    write(tmp_path, "incursions/a.csv", "detected_at,balloons,source,source_id\n2025-10-04T22:00,2,N,1\n")
    write(tmp_path, "incursions/b.csv", "detected_at,balloons,source,source_id\n2025-10-05T22:00,3,N,2\n")
    write(tmp_path, "incursions/back\\slash.csv", "detected_at,source,source_id\n2025-10-06T22:00,N,3\n")
    ingest(tmp_path / "raw", store, ctx=ctx, run_id="r1")
    (tmp_path / "raw" / "incursions" / "b.csv").unlink()
    with caplog.at_level(logging.WARNING):
        assert ingest(tmp_path / "raw", store, ctx=ctx, run_id="r2").files_read == 0  # deleting changes nothing
        assert not [r for r in caplog.records if "no longer in raw/" in r.getMessage()]
        ingest(tmp_path / "raw", store, ctx=replace(ctx, limits=Limits(field_chars=20_000)), run_id="r3")
    assert rows(tmp_path, "incursions", "source_id") == [("1",), ("3",)]
    assert [r.getMessage() for r in caplog.records if "no longer in raw/" in r.getMessage()] == [
        "1 raw file(s) the lake held are no longer in raw/, so what they delivered leaves the rebuilt lake "
        "(a deleted raw file changes nothing only until the lake is rebuilt): incursions/b.csv"
    ]


def test_files_forgotten_stay_forgotten_when_the_lake_is_rebuilt(
    tmp_path: Path, ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    """A rebuild (other settings, rules or lake format) read forgotten files again, and their
    records came back with nothing said (found by a fresh-eyes trial). Their withdrawal is kept;
    a forgotten file whose content changes is read again, as without a rebuild."""
    from balloons.ingest import forget
    from balloons.ingest.rawfile import Limits

    store = local(tmp_path / "lake")
    write(tmp_path, "incursions/a.csv", "detected_at,balloons,source,source_id\n2025-10-04T22:00,2,N,1\n")
    write(tmp_path, "incursions/b.csv", "detected_at,balloons,source,source_id\n2025-10-05T22:00,3,N,2\n")
    ingest(tmp_path / "raw", store, ctx=ctx, run_id="r1")
    forget(store, ["incursions/b.csv"], run_id="r2", now=ctx.now)
    wider = replace(ctx, limits=Limits(field_chars=20_000))
    with caplog.at_level(logging.WARNING, logger="balloons.lake"):
        again = ingest(tmp_path / "raw", store, ctx=wider, run_id="r3")
    assert (again.files_read, again.files_unchanged) == (1, 1)
    assert rows(tmp_path, "incursions", "source_id") == [("1",)]
    assert "1 forgotten raw file(s) stay forgotten while their content is unchanged" in [
        r.getMessage() for r in caplog.records
    ]
    assert [(r["path"], r["forgotten"]) for r in lake.read_deliveries(store).to_pylist()] == [
        ("incursions/a.csv", False),
        ("incursions/b.csv", True),
    ]
    write(tmp_path, "incursions/b.csv", "detected_at,balloons,source,source_id\n2025-10-05T22:00,4,N,2\n")
    assert ingest(tmp_path / "raw", store, ctx=wider, run_id="r4").files_read == 1
    assert rows(tmp_path, "incursions", "source_id, balloons") == [("1", 2), ("2", 4)]


def test_a_lake_ingested_under_an_earlier_rules_revision_is_rebuilt_from_raw(
    tmp_path: Path, ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    """A change of the rules themselves (not of a setting) can change what the lake holds of a file
    read before: revision 1 quarantined any JSON record holding true or false, revision 2 lands a
    closure whose flag is true. A lake recorded under revision 1 (its rules had no revision) is
    rebuilt once, so that file is read again (found by review: the file stayed quarantined)."""
    import json

    from balloons.ingest.validate import RULES_REVISION

    store = local(tmp_path / "lake")
    write(
        tmp_path,
        "closures/c.json",
        '[{"airport": "EYVI", "closed_from": "2025-10-04T22:16", "closed_until": "2025-10-05T04:50",'
        ' "until_estimated": true}]',
    )
    assert ingest(tmp_path / "raw", store, ctx=ctx, run_id="r1").counts.landed == 1
    recorded = json.loads((tmp_path / "lake" / lake.FORMAT).read_text())
    assert recorded["rules"][lake.RULES_REVISION_KEY] == RULES_REVISION == 9
    del recorded["rules"][lake.RULES_REVISION_KEY]  # as revision 1 recorded it
    (tmp_path / "lake" / lake.FORMAT).write_text(json.dumps(recorded))
    with caplog.at_level(logging.WARNING, logger="balloons.lake"):
        again = ingest(tmp_path / "raw", store, ctx=ctx, run_id="r2")
    assert (again.files_read, again.counts.landed) == (1, 1)
    assert [r.getMessage() for r in caplog.records if "rebuilding" in r.getMessage()] == [
        f"the lake was ingested under other validation rules (revision 1 → {RULES_REVISION}): rebuilding it from raw/ (once)"
    ]
    assert lake.read_partition(store, "closures", "2025-10").column("until_estimated").to_pylist() == [True]
    assert ingest(tmp_path / "raw", store, ctx=ctx, run_id="r3").files_read == 0


def test_a_stray_nul_byte_refuses_its_record_not_the_file(tmp_path: Path, ctx: Context) -> None:
    """A text file with a stray NUL byte is read; the record holding it is quarantined, in any
    format and anywhere in the file. Before, a NUL in the first 4 KiB refused the whole file as
    binary, and one past it landed in the lake (found by a newcomer's trial)."""
    lines = [f"2025-10-04T22:{i % 60:02d},1,Vilniaus r.,54.7,25.5,NKVC,{i}\n" for i in range(200)]
    lines[1] = lines[1].replace("Vilniaus", "Vil\x00niaus")
    lines[20] = lines[20].replace("NKVC", "NKVC" + "\x00" * 2500)  # a record padded with NULs (not UTF-16)
    lines[150] = lines[150].replace("NKVC", "NK\x00VC")
    write(tmp_path, "incursions/a.csv", HEADER + "".join(lines))
    assert len((HEADER + "".join(lines[:150])).encode()) > 4096
    write(
        tmp_path,
        "incursions/b.jsonl",
        '{"detected_at": "2025-10-05T22:00", "balloons": 1, "source": "NKVC", "source_id": "b1"}\n'
        '{"detected_at": "2025-10-05T23:00", "balloons": 1, "source": "NKVC", "source_id": "b\\u00002"}\n',
    )
    write(tmp_path, "incursions/c.csv", "detected_at,source\x00_id\n2025-10-04T22:00,1\n")  # a column lost
    summary = run(tmp_path, ctx)
    quarantine = lake.read_quarantine(local(tmp_path / "lake")).to_pylist()
    assert [(q["source_file"], q["source_line"], q["reason"]) for q in quarantine] == [
        ("incursions/a.csv", 3, "municipality holds a NUL byte, which no text value may hold"),
        ("incursions/a.csv", 22, "source holds a NUL byte, which no text value may hold"),
        ("incursions/a.csv", 152, "source holds a NUL byte, which no text value may hold"),
        ("incursions/b.jsonl", 2, "source_id holds a NUL byte, which no text value may hold"),
        (
            "incursions/c.csv",
            None,
            "incursions/c.csv: its header holds a NUL byte ('source\\x00_id'), which no column name may hold",
        ),
    ]
    assert '"municipality": "Vil\\u0000niaus r."' in quarantine[0]["raw_record"]  # shown, escaped
    assert (summary.counts.read, summary.counts.landed, summary.counts.quarantined) == (203, 198, 5)
    landed = rows(tmp_path, "incursions", "municipality, source, source_id")
    assert len(landed) == 198 and not any("\x00" in (value or "") for row in landed for value in row)


def test_a_copy_of_a_delivered_file_counts_as_duplicates_whatever_its_name(tmp_path: Path, ctx: Context) -> None:
    """Found by a fresh-eyes trial: a copy under a name that sorts first counted 'landed 2' (its
    rows now show the records, as a fresh run would), one that sorts last 'duplicates 2'. Nothing
    changed either way: both are duplicates; the lineage follows the first path, as designed."""
    body = HEADER + "2025-10-04T22:00,2,Vilniaus r.,54.7,25.5,NKVC,1\n2025-10-05T22:00,1,Vilniaus r.,54.7,25.5,NKVC,2\n"
    write(tmp_path, "incursions/m/a.csv", body)
    assert run(tmp_path, ctx, 1).counts.landed == 2
    for n, name in enumerate(["incursions/a-copy.csv", "incursions/z-copy.csv"], start=2):
        write(tmp_path, name, body)
        counts = run(tmp_path, ctx, n).counts
        assert (counts.read, counts.landed, counts.duplicate, counts.superseded) == (2, 0, 2, 0), name
        assert log_rows(tmp_path)[name] == (2, 0, 0, 2, 0)
    assert rows(tmp_path, "incursions", "source_id, source_file") == [
        ("1", "incursions/a-copy.csv"),
        ("2", "incursions/a-copy.csv"),
    ]
    # a second review: a copy beside a changed re-delivery of the original, in one run
    write(tmp_path, "incursions/b-copy.csv", body)
    write(
        tmp_path,
        "incursions/m/a.csv",
        body.replace(",1,Vilniaus r.,54.7,25.5,NKVC,2", ",9,Vilniaus r.,54.7,25.5,NKVC,2"),
    )
    counts = run(tmp_path, ctx, 4).counts
    assert (counts.read, counts.landed, counts.duplicate, counts.superseded) == (4, 1, 3, 0)  # only one changed


def test_quarantine_shows_a_json_record_as_the_file_wrote_it(tmp_path: Path, ctx: Context) -> None:
    """Found by a fresh-eyes trial: a record giving a key twice was shown with one of them, NaN and
    1e2 as Python wrote them back ('nan', '100.0'), a .json element nested too deep as ''."""
    twice = '{"detected_at": "2025-10-05T22:00", "balloons": 1, "balloons": 5, "source": "N", "source_id": "1"}'
    odd = '{"detected_at": "2025-10-05T22:00", "balloons": 1e2, "lat": NaN, "source": "N", "source_id": "2"}'
    write(tmp_path, "incursions/a.jsonl", f"{twice}\n{odd}\nnull\n")
    deep = "[" * 40 + "1" + "]" * 40
    element = '{"detected_at": "2025-10-05T22:00", "notes": ' + deep + "}"
    write(tmp_path, "incursions/b.json", f"[{element}]")
    run(tmp_path, ctx)
    shown = {
        (q["source_file"], q["source_line"]): (q["reason"], q["raw_record"])
        for q in lake.read_quarantine(local(tmp_path / "lake")).to_pylist()
    }
    assert shown[("incursions/a.jsonl", 1)] == ("the JSON object gives key(s) balloons more than once", twice)
    assert shown[("incursions/a.jsonl", 2)] == (
        "lat 'NaN' is not a number (ASCII digits, optional sign, '.' decimals)",
        odd,
    )
    assert shown[("incursions/a.jsonl", 3)] == ("expected a JSON object, found null", "null")
    assert shown[("incursions/b.json", 1)][1] == element


@pytest.mark.parametrize(("separator", "named"), [("\t", "tabs"), ("|", "'|'")])
def test_a_file_separated_by_tabs_or_bars_is_named_so(tmp_path: Path, ctx: Context, separator: str, named: str) -> None:
    """Found by a fresh-eyes trial: such a file 'lacked' detected_at, which its header holds."""
    write(
        tmp_path, "incursions/a.csv", separator.join(["detected_at", "balloons"]) + f"\n2025-10-04T22:00{separator}1\n"
    )
    run(tmp_path, ctx)
    (row,) = lake.read_quarantine(local(tmp_path / "lake")).to_pylist()
    assert (
        row["reason"]
        == f"incursions/a.csv separates its columns with {named}: balloons reads CSV separated by ',' or ';'"
    )
