"""The ownership model: each raw file's contributions, and current records derived from the files
that still deliver them (later run; within a run, later path)."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import assert_accounted, write
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from balloons import lake, status
from balloons.errors import ConfigError
from balloons.ingest import forget, ingest
from balloons.ingest.validate import Context
from balloons.lake.storage import local
from balloons.schema import RECORD_TABLES, TABLES
from flows.cli import cli

INC = "detected_at,balloons,source,source_id\n"
FLT = "airport,direction,flight_number,scheduled_at,status\n"


def run(root: Path, ctx: Context, n: int, appended_files: int = lake.APPENDED_FILES):
    return ingest(
        root / "raw",
        local(root / "lake"),
        ctx=replace(ctx, now=ctx.now + timedelta(minutes=n)),
        run_id=f"r{n}",
        appended_files=appended_files,
    )


def forget_path(root: Path, ctx: Context, n: int, *paths: str) -> list[str]:
    return forget(local(root / "lake"), paths, run_id=f"f{n}", now=ctx.now + timedelta(minutes=n))


def state(root: Path, *, lineage: bool = True) -> dict[str, list[tuple]]:
    """Every lake table and the quarantine, without the run columns (which name the run)."""
    out = {}
    for table in RECORD_TABLES:
        drop = {"run_id", "ingested_at"} | (set() if lineage else {"source_file", "source_line"})
        keep = [c for c in TABLES[table].schema.names if c not in drop]
        out[table] = sorted(
            (m, *r.values())
            for m in lake.months(local(root / "lake"), table)
            for r in lake.read_partition(local(root / "lake"), table, m, keep).to_pylist()
        )
    out["quarantine"] = sorted(
        tuple(q.values())
        for q in lake.read_quarantine(local(root / "lake")).drop(["run_id", "ingested_at"]).to_pylist()
    )
    return out


def balloons_of(root: Path) -> dict[str, tuple[int, str]]:
    part = state(root)["incursions"]
    names = ["month", *[c for c in TABLES["incursions"].schema.names if c not in ("run_id", "ingested_at")]]
    rows = [dict(zip(names, r, strict=True)) for r in part]
    return {r["source_id"]: (r["balloons"], r["source_file"]) for r in rows}


def test_redelivery_replaces_only_that_files_contributions(tmp_path: Path, ctx: Context) -> None:
    write(tmp_path, "incursions/a.csv", INC + "2025-10-04T22:00,2,N,X\n2025-10-05T22:00,1,N,Y\n")
    write(tmp_path, "incursions/b.csv", INC + "2025-10-04T22:00,2,N,X\n")
    run(tmp_path, ctx, 1)
    write(tmp_path, "incursions/a.csv", INC + "2025-10-05T22:00,1,N,Y\n")
    run(tmp_path, ctx, 2)
    assert balloons_of(tmp_path) == {"X": (2, "incursions/b.csv"), "Y": (1, "incursions/a.csv")}
    with tempfile.TemporaryDirectory() as fresh:
        write(Path(fresh), "incursions/a.csv", INC + "2025-10-05T22:00,1,N,Y\n")
        write(Path(fresh), "incursions/b.csv", INC + "2025-10-04T22:00,2,N,X\n")
        run(Path(fresh), ctx, 1)
        assert state(Path(fresh)) == state(tmp_path)


def test_withdrawing_the_latest_delivery_brings_back_the_one_before(tmp_path: Path, ctx: Context) -> None:
    write(tmp_path, "incursions/z-first.csv", INC + "2025-10-04T22:00,2,N,X\n")
    run(tmp_path, ctx, 1)
    write(tmp_path, "incursions/a-correction.csv", INC + "2025-10-04T22:00,5,N,X\n")
    run(tmp_path, ctx, 2)
    assert balloons_of(tmp_path)["X"] == (5, "incursions/a-correction.csv")  # a later run wins over a later path
    write(tmp_path, "incursions/a-correction.csv", INC + "2025-10-06T22:00,1,N,other\n")
    run(tmp_path, ctx, 3)
    assert balloons_of(tmp_path)["X"] == (2, "incursions/z-first.csv")
    write(tmp_path, "incursions/a-correction.csv", INC + "2025-10-04T22:00,5,N,X\n")
    run(tmp_path, ctx, 4)
    assert forget_path(tmp_path, ctx, 5, "incursions/a-correction.csv") == ["incursions/a-correction.csv"]
    assert balloons_of(tmp_path) == {"X": (2, "incursions/z-first.csv")}


def test_deleting_a_raw_file_is_a_no_op_and_forget_is_explicit(tmp_path: Path, ctx: Context) -> None:
    write(tmp_path, "flights/EYVI/a.csv", FLT + "EYVI,arrival,FR1,2025-10-04T22:30,operated\n")
    path = write(tmp_path, "flights/EYVI/b.csv", FLT + "EYVI,arrival,FR2,2025-11-04T22:30,operated\n")
    run(tmp_path, ctx, 1)
    before = state(tmp_path)
    path.unlink()
    assert run(tmp_path, ctx, 2).files_read == 0
    assert state(tmp_path) == before
    forget_path(tmp_path, ctx, 3, "flights/EYVI/b.csv")
    assert [r[4] for r in state(tmp_path)["flights"]] == ["FR1"]
    assert lake.months(local(tmp_path / "lake"), "flights") == ["2025-10"]


def test_a_forgotten_file_stays_forgotten_until_its_content_changes(tmp_path: Path, ctx: Context) -> None:
    write(tmp_path, "incursions/a.csv", INC + "2025-10-04T22:00,2,N,X\nbad,1,N,Q\n")
    run(tmp_path, ctx, 1)
    assert forget_path(tmp_path, ctx, 2, "incursions") == ["incursions/a.csv"]  # a folder forgets what is in it
    assert state(tmp_path) == {"incursions": [], "closures": [], "flights": [], "quarantine": []}
    assert run(tmp_path, ctx, 3).files_read == 0
    assert balloons_of(tmp_path) == {}
    write(tmp_path, "incursions/a.csv", INC + "2025-10-04T22:00,3,N,X\n")
    run(tmp_path, ctx, 4)
    assert balloons_of(tmp_path) == {"X": (3, "incursions/a.csv")}
    with pytest.raises(ConfigError, match="No delivered raw file matches 'incursions/nothing.csv'"):
        forget_path(tmp_path, ctx, 5, "incursions/nothing.csv")


def test_forgetting_a_notam_cancellation_brings_the_closure_back(tmp_path: Path, ctx: Context) -> None:
    write(
        tmp_path,
        "closures/a.notam",
        "(A1801/25 NOTAMN Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005 "
        "A) EYVI B) 2510041916 C) 2510050150 E) AD CLSD.)",
    )
    run(tmp_path, ctx, 1)
    write(
        tmp_path,
        "closures/b.notam",
        "(A1802/25 NOTAMC A1801/25 Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005 A) EYVI B) 2510041916 E) AD CLSD.)",
    )
    run(tmp_path, ctx, 2)
    assert state(tmp_path)["closures"] == []
    forget_path(tmp_path, ctx, 3, "closures/b.notam")
    assert [r[6] for r in state(tmp_path)["closures"]] == ["A1801/25"]


def test_a_later_notam_about_a_reported_closure_keeps_the_reported_figures(tmp_path: Path, ctx: Context) -> None:
    """Found by a fresh-eyes trial: the nightly fetch delivered the NOTAM of a closure a report had
    given figures for; the NOTAM, delivered later, became the current record and the figures were
    gone from every total. They stay, with their source in the notes; forgetting the report drops them."""
    write(
        tmp_path,
        "closures/reported.csv",
        "airport,closed_from,closed_until,notam_id,reported_flights,reported_passengers,source\n"
        "EYVI,2025-10-04T22:16:00+03:00,2025-10-05T04:50:00+03:00,A1801/25,30,6000,https://example.org/a\n",
    )
    run(tmp_path, ctx, 1)
    write(
        tmp_path,
        "closures/later.notam",
        "(A1801/25 NOTAMN Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005 "
        "A) EYVI B) 2510041916 C) 2510050150 E) AD CLSD DUE TO BALLOONS.)",
    )
    run(tmp_path, ctx, 2)
    names = [c for c in TABLES["closures"].schema.names if c not in ("run_id", "ingested_at")]
    (row,) = [dict(zip(["month", *names], r, strict=True)) for r in state(tmp_path)["closures"]]
    assert (row["source_file"], row["reported_flights"], row["reported_passengers"]) == (
        "closures/later.notam",
        30,
        6000,
    )
    assert row["source"] == "NOTAM" and row["notes"] == "reported figures from https://example.org/a"
    forget_path(tmp_path, ctx, 3, "closures/reported.csv")
    (row,) = [dict(zip(["month", *names], r, strict=True)) for r in state(tmp_path)["closures"]]
    assert (row["reported_flights"], row["reported_passengers"], row["notes"]) == (None, None, None)


def test_forget_through_the_cli(tmp_path: Path, ctx: Context) -> None:
    write(tmp_path, "incursions/a.csv", INC + "2025-10-04T22:00,2,N,X\n")
    run(tmp_path, ctx, 1)
    result = CliRunner().invoke(
        cli, ["forget", str(tmp_path / "raw" / "incursions" / "a.csv"), "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "withdrew 1 raw file(s): incursions/a.csv" in result.output
    assert balloons_of(tmp_path) == {}
    again = CliRunner().invoke(cli, ["forget", "incursions/a.csv", "--data-dir", str(tmp_path)])
    assert again.exit_code == 1 and again.output.startswith("Error: No delivered raw file matches")


def month_files(root: Path, folder: str) -> list[str]:
    return sorted(p.name for p in (root / "lake" / folder).iterdir())


def test_new_keys_in_a_held_month_are_appended_and_a_change_rewrites_the_month(tmp_path: Path, ctx: Context) -> None:
    october = "flights/month=2025-10"
    write(tmp_path, "flights/d1.csv", FLT + "EYVI,arrival,FR1,2025-10-04T22:30,operated\n")
    run(tmp_path, ctx, 1)
    write(tmp_path, "flights/d2.csv", FLT + "EYVI,arrival,FR2,2025-10-05T22:30,operated\n")
    assert run(tmp_path, ctx, 2).partitions_written == [october]
    # the month is not rewritten: this run's rows are a file of their own, in both datasets
    assert month_files(tmp_path, october) == month_files(tmp_path, f"contributions/{october}")
    assert month_files(tmp_path, october) == ["add-r2.parquet", "data.parquet"]
    assert lake.appended_runs(local(tmp_path / "lake"), "flights", "2025-10") == ["r2"]

    write(tmp_path, "flights/d3.csv", FLT + "EYVI,arrival,FR1,2025-10-04T22:30,cancelled\n")
    summary = run(tmp_path, ctx, 3)  # a key the month holds: resolved with it, the month rewritten
    assert (summary.counts.landed, summary.partitions_written) == (1, [october])
    assert month_files(tmp_path, october) == month_files(tmp_path, f"contributions/{october}") == ["data.parquet"]

    write(tmp_path, "flights/d4.csv", FLT + "EYVI,arrival,FR4,2025-10-06T22:30,operated\n")
    run(tmp_path, ctx, 4, appended_files=1)
    assert month_files(tmp_path, october) == ["add-r4.parquet", "data.parquet"]
    write(tmp_path, "flights/d5.csv", FLT + "EYVI,arrival,FR5,2025-10-07T22:30,operated\n")
    run(tmp_path, ctx, 5, appended_files=1)  # one appended file is the most: this run folds the month
    assert month_files(tmp_path, october) == ["data.parquet"]

    write(tmp_path, "flights/d6.csv", FLT + "EYVI,arrival,FR6,2025-10-08T22:30,operated\n")
    run(tmp_path, ctx, 6, appended_files=1)
    assert forget_path(tmp_path, ctx, 7, "flights/d2.csv") == ["flights/d2.csv"]
    assert month_files(tmp_path, october) == ["data.parquet"]
    with tempfile.TemporaryDirectory() as fresh:
        for name in ("d1", "d3", "d4", "d5", "d6"):
            write(Path(fresh), f"flights/{name}.csv", (tmp_path / "raw" / "flights" / f"{name}.csv").read_text())
        run(Path(fresh), ctx, 1)
        assert state(Path(fresh)) == state(tmp_path)
    flights = {
        r[4]: r[6] for r in state(tmp_path)["flights"]
    }  # (month, id, airport, direction, number, time, status …)
    assert flights == {"FR1": "cancelled", "FR4": "operated", "FR5": "operated", "FR6": "operated"}


def test_a_run_id_used_again_does_not_overwrite_the_file_it_appended(tmp_path: Path, ctx: Context) -> None:
    """A second run under an id that already appended to a month (a flow run given its id again)
    rewrites the month instead of replacing add-<id>.parquet, which would lose the first one's rows."""
    october = "flights/month=2025-10"
    write(tmp_path, "flights/d1.csv", FLT + "EYVI,arrival,FR1,2025-10-04T22:30,operated\n")
    run(tmp_path, ctx, 1)
    write(tmp_path, "flights/d2.csv", FLT + "EYVI,arrival,FR2,2025-10-05T22:30,operated\n")
    run(tmp_path, ctx, 2)
    assert month_files(tmp_path, october) == ["add-r2.parquet", "data.parquet"]
    write(tmp_path, "flights/d3.csv", FLT + "EYVI,arrival,FR3,2025-10-06T22:30,operated\n")
    run(tmp_path, ctx, 2)
    assert sorted(r[4] for r in state(tmp_path)["flights"]) == ["FR1", "FR2", "FR3"]
    assert month_files(tmp_path, october) == month_files(tmp_path, f"contributions/{october}") == ["data.parquet"]
    held = lake.read_contributions(local(tmp_path / "lake"), "flights", ["2025-10"], ["source_file"])
    assert sorted(held.column("source_file").to_pylist()) == ["flights/d1.csv", "flights/d2.csv", "flights/d3.csv"]


# --- property: any history of deliveries, re-deliveries and forgets = a fresh run on the end state --

INCURSIONS = [
    f"2025-{m:02d}-{d:02d}T{h:02d}:15,{n},N,k{n}"
    for n, (m, d, h) in enumerate([(10, 4, 21), (10, 31, 23), (11, 1, 1), (9, 9, 0), (12, 17, 20)], start=1)
]
FLIGHTS = [
    f"EYVI,{way},FR{n},{when},operated"
    for n, (way, when) in enumerate(
        [
            ("arrival", "2025-10-04T22:30"),
            ("departure", "2025-10-31T23:30"),
            ("arrival", "2025-11-01T00:30"),
            ("departure", "2025-12-24T10:00"),
        ],
        start=1,
    )
]
BAD = {
    "incursions": ["2025-02-30T10:00,1,N,bad", "2025-10-04T22:00,1_000,N,bad2"],
    "flights": ["EYVI,sideways,FR9,2025-10-04T22:30,operated"],
}
FILES = ["incursions/a.csv", "incursions/b/c.csv", "incursions/d.csv", "flights/a.csv", "flights/z.csv"]


def _body(path: str, lines: list[str]) -> str:
    return (INC if path.startswith("incursions") else FLT) + "".join(line + "\n" for line in lines)


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, str, list[str]]]:
    steps = []
    for _ in range(draw(st.integers(min_value=1, max_value=7))):
        path = draw(st.sampled_from(FILES))
        table = path.split("/")[0]
        pool = (INCURSIONS if table == "incursions" else FLIGHTS) + BAD[table]
        action = draw(st.sampled_from(["deliver", "deliver", "forget"]))
        steps.append((action, path, draw(st.lists(st.sampled_from(pool), max_size=4))))
    return steps


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(history=histories())
def test_any_history_equals_a_fresh_run_on_the_final_raw_state(history, ctx: Context) -> None:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        live, fresh = Path(a), Path(b)
        replay(live, fresh, history, ctx)
        assert state(live) == state(fresh)
        assert_accounted(live)


def replay(
    live: Path,
    fresh: Path,
    history: list[tuple[str, str, list[str]]],
    ctx: Context,
    after_each=lambda live: None,
    appended_files: int = lake.APPENDED_FILES,
) -> None:
    """Apply `history` to `live` (deliveries, and forgets of files delivered), calling `after_each`
    after each step; then ingest into `fresh`, in one run, the raw files that deliver at the end.
    The live runs let a month hold at most `appended_files` appended files."""
    delivered: set[str] = set()
    forgotten: dict[str, str] = {}
    for n, (action, path, lines) in enumerate(history, start=1):
        if action == "deliver":
            write(live, path, _body(path, lines))
            run(live, ctx, n, appended_files)
            if forgotten.get(path) != _body(path, lines):  # a forgotten file stays so until it changes
                delivered.add(path)
                forgotten.pop(path, None)
        elif path in delivered:  # withdraw on purpose, and take the file away
            forgotten[path] = (live / "raw" / path).read_text(encoding="utf-8")
            (live / "raw" / path).unlink()
            forget_path(live, ctx, n, path)
            delivered.discard(path)
        after_each(live)
    for path in set(forgotten) - delivered:
        (live / "raw" / path).unlink(missing_ok=True)
    for path in delivered:
        write(fresh, path, (live / "raw" / path).read_text(encoding="utf-8"))
    if delivered:
        run(fresh, ctx, 1)


# --- property: histories of flight deliveries that append to held months ---------------------------

OCTOBER_FLIGHTS = [
    f"EYVI,{way},FR{n},2025-{month}-{day:02d}T22:30,operated"
    for n, (way, month, day) in enumerate(
        [("arrival", 10, 4), ("departure", 10, 5), ("arrival", 10, 6), ("arrival", 10, 7), ("arrival", 11, 2)],
        start=1,
    )
]
FLIGHT_FILES = ["flights/a.csv", "flights/b.csv", "flights/c.csv", "flights/d/e.csv"]


@st.composite
def flight_histories(draw: st.DrawFn) -> list[tuple[str, str, list[str]]]:
    pool = [*OCTOBER_FLIGHTS, *BAD["flights"]]
    return [
        (
            draw(st.sampled_from(["deliver", "deliver", "deliver", "forget"])),
            draw(st.sampled_from(FLIGHT_FILES)),
            draw(st.lists(st.sampled_from(pool), max_size=4)),  # a line may repeat: a duplicate in one file
        )
        for _ in range(draw(st.integers(min_value=2, max_value=8)))
    ]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(history=flight_histories())
def test_any_history_of_appended_flights_equals_a_fresh_run(history, ctx: Context) -> None:
    """Flights of new keys appended to held months (at most one file each, so folds happen too),
    re-deliveries and forgets: the same lake, lineage and accounting as a fresh run on the end state."""

    def month_files(live: Path) -> None:
        for month in lake.months(local(live / "lake"), "flights"):
            assert len(lake.appended_runs(local(live / "lake"), "flights", month)) <= 1
            contributions = sorted(
                p.name for p in (live / "lake" / "contributions" / "flights" / f"month={month}").iterdir()
            )
            partition = sorted(p.name for p in (live / "lake" / "flights" / f"month={month}").iterdir())
            assert contributions == partition  # appended and folded together
            event(f"month files: {len(partition)}")

    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        live, fresh = Path(a), Path(b)
        replay(live, fresh, history, ctx, after_each=month_files, appended_files=1)
        assert state(live) == state(fresh)
        held = lake.read_contributions(
            local(live / "lake"), "flights", lake.contribution_months(local(live / "lake"), "flights")
        )
        again = lake.read_contributions(
            local(fresh / "lake"), "flights", lake.contribution_months(local(fresh / "lake"), "flights")
        )
        keys = ["flight_id", "content_hash", "source_file", "source_line", "month"]
        assert sorted(held.select(keys).to_pylist(), key=repr) == sorted(again.select(keys).to_pylist(), key=repr)
        rows = status.lake_status(local(live / "lake"))["tables"]["flights"]["rows"]
        assert rows == len(state(live)["flights"])
        assert_accounted(live)
