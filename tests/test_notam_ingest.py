"""NOTAM closures through ingestion: windows as rows, every message accounted for per file, NOTAMR /
NOTAMC across files and runs, and closures' scope / cause columns from CSV."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import write

from balloons import lake
from balloons.ingest import ingest
from balloons.ingest.validate import Context
from balloons.lake.storage import local

Q = "Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "notams"


def run(root: Path, ctx: Context, n: int = 1):
    return ingest(
        root / "raw", local(root / "lake"), ctx=replace(ctx, now=ctx.now + timedelta(minutes=n)), run_id=f"run{n}"
    )


def rows(root: Path, columns: str) -> list[tuple]:
    if not list((root / "lake" / "closures").glob("*/*.parquet")):
        return []
    glob = str(root / "lake" / "closures" / "*" / "*.parquet")
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    try:
        return con.execute(
            f"select {columns} from read_parquet(?, hive_partitioning=true) order by all", [glob]
        ).fetchall()
    finally:
        con.close()


def account(root: Path) -> dict[str, tuple[int, ...]]:
    """path -> (read, landed, quarantined, duplicate, superseded, skipped) of its latest ingest."""
    out = {}
    for r in lake.read_ingest_log(local(root / "lake")).to_pylist():
        counts = (
            r["rows_read"],
            r["rows_landed"],
            r["rows_quarantined"],
            r["rows_duplicate"],
            r["rows_superseded"],
            r["rows_skipped"],
        )
        assert counts[0] == sum(counts[1:]), r["path"]
        out[r["path"]] = counts
    return out


def test_scheduled_nights_land_as_one_row_per_window(tmp_path: Path, ctx: Context) -> None:
    write(
        tmp_path,
        "closures/n.notam",
        f"(A0100/25 NOTAMN {Q}\nA) EYVI B) 2510261800 C) 2510310100\n"
        "D) DAILY 1800-0100\nE) AD CLSD DUE TO BALLOONS.)\n"
        "(A0101/25 NOTAMN Q) EYVL/QMRLC/IV/NBO/A/000/999/5438N02517E005\n"
        "A) EYVI B) 2510261800 C) 2510310100\nE) RWY 01/19 CLSD.)\n",
    )
    run(tmp_path, ctx)
    got = rows(
        tmp_path,
        "notam_id, window_index, strftime(closed_from, '%d %H:%M'), strftime(closed_until, "
        "'%d %H:%M'), schedule, scope, cause, until_estimated, schedule_in_text",
    )
    assert got == [
        ("A0100/25", i, f"{26 + i} 18:00", f"{27 + i} 01:00", "DAILY 1800-0100", "full", "balloons", False, False)
        for i in range(5)
    ]
    assert account(tmp_path) == {"closures/n.notam": (2, 1, 0, 0, 0, 1)}
    run(tmp_path, ctx, 2)  # unchanged: nothing read again
    assert len(rows(tmp_path, "closure_id")) == 5


def test_absurdity_limit_applies_to_one_window(tmp_path: Path, ctx: Context) -> None:
    write(
        tmp_path,
        "closures/n.notam",
        f"(A0200/25 NOTAMN {Q} A) EYVI B) 2510012000 C) 2510300000 D) DAILY 2000-0300 E) AD CLSD.)\n"
        f"(A0201/25 NOTAMN {Q} A) EYVI B) 2510010000 C) 2510300000 E) AD CLSD.)\n",
    )
    run(tmp_path, ctx)
    assert rows(tmp_path, "count(*), count(distinct notam_id)") == [(29, 1)]
    (quarantined,) = lake.read_quarantine(local(tmp_path / "lake")).to_pylist()
    assert "7-day limit" in quarantined["reason"] and quarantined["raw_record"].startswith("(A0201/25 NOTAMN")
    assert account(tmp_path) == {"closures/n.notam": (2, 1, 1, 0, 0, 0)}


def test_c_before_b_is_refused_by_one_rule_with_or_without_a_schedule(tmp_path: Path, ctx: Context) -> None:
    """Found by a fresh-eyes trial: with a D) the schedule reader refused it in its own words."""
    write(
        tmp_path,
        "closures/n.notam",
        f"(A0200/25 NOTAMN {Q} A) EYVI B) 2510052000 C) 2510042000 D) DAILY 1900-2000 E) AD CLSD.)\n"
        f"(A0201/25 NOTAMN {Q} A) EYVI B) 2510052000 C) 2510042000 E) AD CLSD.)\n",
    )
    run(tmp_path, ctx)
    reasons = [r["reason"] for r in lake.read_quarantine(local(tmp_path / "lake")).to_pylist()]
    assert reasons == ["closed_until is not after closed_from"] * 2


def test_a_notam_in_force_lands_with_the_windows_still_to_come(tmp_path: Path, ctx: Context) -> None:
    """Found by a fresh-eyes trial: a NOTAM read while in force (as a fetch of current NOTAMs reads
    it) was quarantined whole for its windows more than 2 days ahead, and never read again."""
    start = ctx.now - timedelta(days=5)
    end = ctx.now + timedelta(days=30)
    write(
        tmp_path,
        "closures/n.notam",
        f"(A4001/26 NOTAMN {Q} A) EYVI B) {start:%y%m%d}1800 C) {end:%y%m%d}0300 D) DAILY 2000-0300 E) AD CLSD.)\n"
        f"(A4002/26 NOTAMN {Q} A) EYVI B) {end:%y%m%d}1000 C) {end:%y%m%d}1200 E) AD CLSD.)\n"
        f"(A4003/26 NOTAMN {Q} A) EYVI B) 9901011000 C) 9901011200 E) AD CLSD.)\n",
    )
    write(
        tmp_path,
        "closures/c.csv",
        f"airport,closed_from,closed_until\nEYVI,{end:%Y-%m-%d}T14:00Z,{end:%Y-%m-%d}T16:00Z\n",
    )
    run(tmp_path, ctx)
    landed = [notam_id for (notam_id,) in rows(tmp_path, "notam_id")]
    assert (landed.count("A4001/26"), landed.count("A4002/26"), len(landed)) == (35, 1, 36)
    reasons = {q["source_file"]: q["reason"] for q in lake.read_quarantine(local(tmp_path / "lake")).to_pylist()}
    assert "is more than 184 day(s) in the future" in reasons["closures/n.notam"]
    assert "is more than 2 day(s) in the future" in reasons["closures/c.csv"]


def test_est_end_lands_estimated(tmp_path: Path, ctx: Context) -> None:
    write(tmp_path, "closures/n.notam", f"(A0300/25 NOTAMN {Q} A) EYVI B) 2510041916 C) 2510050150 EST E) AD CLSD.)")
    run(tmp_path, ctx)
    assert rows(tmp_path, "until_estimated, window_index") == [(True, 0)]


def test_replacement_and_cancellation_across_files_and_runs(tmp_path: Path, ctx: Context) -> None:
    write(
        tmp_path,
        "closures/1.notam",
        f"(A0010/25 NOTAMN {Q} A) EYVI B) 2510041800 C) 2510070300 D) DAILY 1800-0300 E) AD CLSD.)",
    )
    run(tmp_path, ctx, 1)
    assert len(rows(tmp_path, "closure_id")) == 3
    write(
        tmp_path,
        "closures/2.notam",
        f"(A0011/25 NOTAMR A0010/25 {Q} A) EYVI B) 2510041900 C) 2510060300 D) DAILY 1900-0300 E) AD CLSD.)",
    )
    run(tmp_path, ctx, 2)
    assert rows(tmp_path, "notam_id, strftime(closed_from, '%d %H:%M')") == [
        ("A0011/25", "04 19:00"),
        ("A0011/25", "05 19:00"),
    ]
    assert account(tmp_path)["closures/2.notam"] == (1, 1, 0, 0, 0, 0)
    write(
        tmp_path,
        "closures/3.notam",
        "(A0012/25 NOTAMC A0011/25 Q) EYVL/QFAXX/IV/NBO/A/000/999/5438N02517E005 A) EYVI B) 2510050000 E) AD OPEN.)",
    )
    run(tmp_path, ctx, 3)
    assert rows(tmp_path, "closure_id") == []


def test_a_replacement_wins_whichever_file_comes_first_in_a_run(tmp_path: Path, ctx: Context) -> None:
    write(
        tmp_path, "closures/a.notam", f"(A0021/25 NOTAMR A0020/25 {Q} A) EYVI B) 2510041900 C) 2510042100 E) AD CLSD.)"
    )
    write(
        tmp_path,
        "closures/b.notam",
        f"(A0020/25 NOTAMN {Q} A) EYVI B) 2510041800 C) 2510050300 D) DAILY 1800-2000 0100-0300 E) AD CLSD.)",
    )
    run(tmp_path, ctx)
    assert rows(tmp_path, "notam_id") == [("A0021/25",)]
    assert account(tmp_path) == {"closures/a.notam": (1, 1, 0, 0, 0, 0), "closures/b.notam": (1, 0, 0, 0, 1, 0)}


@pytest.mark.parametrize("together", [True, False], ids=["one run", "the replaced NOTAM a run later"])
def test_a_replacement_that_starts_when_the_replaced_notam_did_keeps_its_closure(
    tmp_path: Path, ctx: Context, together: bool
) -> None:
    """Found by a fresh-eyes trial: a NOTAMR extending a closure (same airport and start, so the
    same key) lost its closure when the NOTAM it replaces came later, in path order or in a later
    run: the key's latest contribution was withdrawn, and the key with it."""
    write(
        tmp_path, "closures/a.notam", f"(A2107/25 NOTAMR A2106/25 {Q} A) EYVI B) 2510091000 C) 2510091400 E) AD CLSD.)"
    )
    if not together:
        run(tmp_path, ctx, 1)
    write(tmp_path, "closures/b.notam", f"(A2106/25 NOTAMN {Q} A) EYVI B) 2510091000 C) 2510091200 E) AD CLSD.)")
    run(tmp_path, ctx, 2)
    assert rows(tmp_path, "notam_id, strftime(closed_from, '%H:%M'), strftime(closed_until, '%H:%M')") == [
        ("A2107/25", "10:00", "14:00")
    ]
    assert account(tmp_path)["closures/b.notam"] == (1, 0, 0, 0, 1, 0)
    fresh = tmp_path / "fresh"
    shutil.copytree(tmp_path / "raw", fresh / "raw")
    run(fresh, ctx)
    assert rows(fresh, "notam_id, closed_from, closed_until") == rows(tmp_path, "notam_id, closed_from, closed_until")


def test_an_operation_withdraws_only_a_notam_of_its_own_country(tmp_path: Path, ctx: Context) -> None:
    """Found by a fresh-eyes trial: a NOTAMC of London's office cancelled Vilnius's NOTAM of the
    same number (each office numbers its own series)."""
    write(tmp_path, "closures/a.notam", f"(A1234/25 NOTAMN {Q} A) EYVI B) 2510151000 C) 2510151200 E) AD CLSD.)")
    write(
        tmp_path,
        "closures/b.notam",
        "(A7000/25 NOTAMC A1234/25 Q) EGTT/QFAXX/IV/NBO/A/000/999/5129N00028W005 A) EGLL B) 2510200900 E) AD OPEN.)",
    )
    run(tmp_path, ctx, 1)
    assert rows(tmp_path, "notam_id") == [("A1234/25",)]
    write(
        tmp_path,
        "closures/c.notam",
        "(A1300/25 NOTAMC A1234/25 Q) EYVL/QFAXX/IV/NBO/A/000/999/5438N02517E005 A) EYKA B) 2510200900 E) AD OPEN.)",
    )
    run(tmp_path, ctx, 2)
    assert rows(tmp_path, "notam_id") == []


def test_csv_scope_and_cause(tmp_path: Path, ctx: Context) -> None:
    write(
        tmp_path,
        "closures/c.csv",
        "airport,closed_from,closed_until,reason,scope,cause\n"
        "EYVI,2025-10-04T20:00,2025-10-04T22:00,balionai iš Baltarusijos,,\n"
        "EYVI,2025-10-05T20:00,2025-10-05T22:00,dronai,arrivals,\n"
        "EYVI,2025-10-06T20:00,2025-10-06T22:00,,departures,other\n"
        "EYVI,2025-10-07T20:00,2025-10-07T22:00,,sideways,\n",
    )
    run(tmp_path, ctx)
    assert rows(tmp_path, "day(closed_from), scope, cause") == [
        (4, "full", "balloons"),
        (5, "arrivals", "drones"),
        (6, "departures", "other"),
    ]
    (bad,) = lake.read_quarantine(local(tmp_path / "lake")).to_pylist()
    assert "scope 'sideways' is not one of full, arrivals, departures, partial" in bad["reason"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/reference/notams/ is absent")
def test_corpus_complete_account_per_file(tmp_path: Path, ctx: Context) -> None:
    for path in CORPUS.glob("*.notam"):  # copied into a temporary raw tree, never into the repository
        write(tmp_path, f"closures/{path.name}", path.read_bytes())
    summary = run(tmp_path, ctx)
    assert account(tmp_path) == {
        "closures/avwx-egll.notam": (5, 2, 0, 0, 0, 3),
        "closures/avwx-feed-cases.notam": (6, 0, 0, 0, 0, 6),
        "closures/avwx-kjfk.notam": (2, 0, 0, 0, 0, 2),
        "closures/avwx-phnl.notam": (7, 0, 1, 0, 0, 6),
        "closures/pynotam-israel.notam": (32, 10, 6, 0, 0, 16),
        "closures/rocketroutes-egka.notam": (1, 1, 0, 0, 0, 0),
        "closures/svoop-notam.notam": (4, 0, 0, 0, 0, 4),
    }
    assert (summary.counts.read, summary.counts.skipped) == (57, 37)
    windows = dict(rows(tmp_path, "notam_id, count(*) over (partition by notam_id)"))
    # the eight multi-week or scheduled real closures land window by window instead of being thrown away
    assert windows == {
        "A7477/23": 14,
        "A7811/23": 1,
        "A0652/15": 1,
        "A1028/15": 1,
        "A0651/15": 2,
        "A0947/15": 1,
        "A0946/15": 10,
        "A1059/15": 3,
        "A0653/15": 3,
        "A0650/15": 152,
        "C1920/15": 19,
        "C1921/15": 19,
        "C5256/18": 2,
    }
    quarantine = lake.read_quarantine(local(tmp_path / "lake")).to_pylist()
    reasons = {(q["source_file"], q["source_line"]): q["reason"] for q in quarantine}
    assert "259.0 days" in reasons[("closures/avwx-phnl.notam", 1)]
    assert "PERM" in reasons[("closures/pynotam-israel.notam", 15)]
    shutil.rmtree(tmp_path / "raw")


def test_a_notamr_or_notamc_naming_itself_is_quarantined(tmp_path: Path, ctx: Context) -> None:
    """A NOTAMR naming itself withdrew its own windows, and those of another NOTAM sharing their
    (airport, closed_from): superseded by nothing (found by review). It is quarantined with a reason,
    and the other NOTAM's closure stays."""
    write(tmp_path, "closures/1.notam", f"(A0005/25 NOTAMN {Q} A) EYVI B) 2510030000 C) 2510040000 E) AD CLSD.)")
    write(
        tmp_path,
        "closures/2.notam",
        f"(A0006/25 NOTAMR A0006/25 {Q} A) EYVI B) 2510030000 C) 2510040000 E) AD CLSD.)\n"
        "(A0007/25 NOTAMC A0007/25 Q) EYVL/QFAXX/IV/NBO/A/000/999/5438N02517E005 A) EYVI B) 2510050000 E) AD OPEN.)",
    )
    run(tmp_path, ctx)
    assert rows(tmp_path, "notam_id") == [("A0005/25",)]
    assert account(tmp_path)["closures/2.notam"] == (2, 0, 2, 0, 0, 0)
    reasons = sorted(q["reason"] for q in lake.read_quarantine(local(tmp_path / "lake")).to_pylist())
    assert reasons == [
        "NOTAMC A0007/25 names itself as the NOTAM it cancels",
        "NOTAMR A0006/25 names itself as the NOTAM it replaces",
    ]
