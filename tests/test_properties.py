"""Properties (hypothesis): parsers fail only with our errors; order, repetition and accounting."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balloons import lake
from balloons.errors import RawFileError
from balloons.ingest import RawFile, ingest, notam, parse_file, rawfile
from balloons.lake.storage import local

QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = ["x.csv", "x.csv.gz", "x.json", "x.jsonl", "x.ndjson", "x.notam", "x.txt"]


def _lines_in_order(items: list) -> None:
    lines = [i.line for i in items]
    assert lines == sorted(lines) and len(set(lines)) == len(lines), lines


@QUICK
@given(data=st.binary(max_size=600), name=st.sampled_from(NAMES))
def test_readers_raise_only_raw_file_errors_and_number_records_in_order(data: bytes, name: str) -> None:
    try:
        items = list(rawfile.records(data, name=name))
    except RawFileError:
        return
    _lines_in_order(items)
    for item in items:
        assert isinstance(item, (rawfile.Record, rawfile.BadRecord))
        if isinstance(item, rawfile.Record):
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in item.fields.items())


FIELD = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=12)


@QUICK
@given(rows=st.lists(st.tuples(FIELD, FIELD), min_size=1, max_size=8), delimiter=st.sampled_from([",", ";"]))
def test_csv_records_come_back_as_written(rows: list[tuple[str, str]], delimiter: str) -> None:
    """Any text written by the csv module is read back field for field, with the line it starts on."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["a", "b"])
    starts = []
    for row in rows:
        starts.append(buffer.getvalue().count("\n") + 1)
        writer.writerow(row)
    items = list(rawfile.records(buffer.getvalue().encode("utf-8"), name="x.csv"))
    blank = [all(not v.strip(rawfile.ASCII_SPACE) for v in row) for row in rows]  # blank rows are no records
    kept = [(start, row) for start, row, no in zip(starts, rows, blank, strict=True) if not no]
    assert [(i.line, tuple(i.fields.values())) for i in items] == kept


@QUICK
@given(text=st.text(max_size=600))
def test_notam_parser_raises_only_raw_file_errors(text: str) -> None:
    try:
        items = list(notam.parse(text))
    except RawFileError:
        return
    _lines_in_order(items)


@QUICK
@given(text=st.text(alphabet="(ANOTMRC0123456789/ QFLEBD)\n", max_size=400))
def test_notam_parser_on_notam_shaped_text(text: str) -> None:
    try:
        items = list(notam.parse(text))
    except RawFileError:
        return
    assert all(isinstance(r, (rawfile.Record, rawfile.BadRecord, notam.Closure, notam.Skipped)) for r in items)
    _lines_in_order(items)
    for item in items:
        if isinstance(item, notam.Closure):  # every window is a real interval at a four-letter aerodrome
            for record in item.records:
                start = datetime.fromisoformat(record.fields["closed_from"])
                end = datetime.fromisoformat(record.fields["closed_until"])
                assert start < end and len(record.fields["airport"]) == 4


@QUICK
@given(
    data=st.binary(max_size=400),
    table=st.sampled_from(["incursions", "closures", "flights"]),
    name=st.sampled_from(NAMES),
)
def test_parse_file_never_raises_and_accounts_for_every_record(data: bytes, table: str, name: str, ctx) -> None:
    parsed = parse_file(RawFile(f"{table}/{name}", table, "0" * 64, Path(name)), data, ctx=ctx)
    assert parsed.read == len(parsed.rows) - parsed.windows + len(parsed.quarantine) + parsed.skipped


# --- ingestion properties over generated deliveries ---------------------------------------------

POOL = [  # each key (source_id) has one content, so any delivery order must give the same lake
    f"2025-{month:02d}-{day:02d}T{hour:02d}:15,{n},Vilniaus r.,54.{n}1,25.{n}2,NKVC,{month}-{day}-{hour}"
    for n, (month, day, hour) in enumerate(
        [(6, 1, 22), (7, 4, 23), (10, 4, 21), (10, 31, 23), (11, 1, 1), (10, 26, 3), (12, 17, 20), (9, 9, 0)], start=1
    )
]
BAD = [
    "2025-02-30T10:00,1,,,,NKVC,bad-date",
    "2025-10-04T22:00,0,,,,NKVC,zero",
    "not,enough",
    "2025-03-30T03:30,1,,,,NKVC,spring-gap",
    "2025-10-04T22:00,1,x,95,25,NKVC,lat",
]
HEADER = "detected_at,balloons,municipality,lat,lon,source,source_id\n"
deliveries = st.lists(st.lists(st.sampled_from(POOL + BAD), max_size=6), min_size=1, max_size=5)


def deliver(root: Path, files: list[list[str]], names: list[str]) -> None:
    for name, lines in zip(names, files, strict=True):
        path = root / "raw" / "incursions" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")


def content(root: Path) -> set[tuple[str, str, str]]:
    rows = set()
    for month in lake.months(local(root / "lake"), "incursions"):
        part = lake.read_partition(local(root / "lake"), "incursions", month, ["event_id", "content_hash"])
        rows |= {(month, e, h) for e, h in zip(part.column(0).to_pylist(), part.column(1).to_pylist(), strict=True)}
    return rows


@SLOW
@given(files=deliveries, order=st.randoms(use_true_random=False))
def test_lake_does_not_depend_on_delivery_order(files: list[list[str]], order, ctx) -> None:
    names = [f"f{i:02d}.csv" for i in range(len(files))]
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        deliver(Path(a), files, names)
        ingest(Path(a) / "raw", local(Path(a) / "lake"), ctx=ctx, run_id="all")
        shuffled = list(range(len(files)))
        order.shuffle(shuffled)
        for step, index in enumerate(shuffled):  # one file per run, in a random order
            deliver(Path(b), [files[index]], [names[index]])
            ingest(Path(b) / "raw", local(Path(b) / "lake"), ctx=ctx, run_id=f"run{step}")
        assert content(Path(a)) == content(Path(b))
        good = {line.rsplit(",", 1)[1] for lines in files for line in lines if line in POOL}
        assert len(content(Path(a))) == len(good)


@SLOW
@given(files=deliveries)
def test_ingesting_twice_changes_nothing_and_nothing_is_lost(files: list[list[str]], ctx) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        deliver(root, files, [f"f{i:02d}.csv" for i in range(len(files))])
        first = ingest(root / "raw", local(root / "lake"), ctx=ctx, run_id="one")
        snapshot = {p: p.read_bytes() for p in (root / "lake").rglob("*.parquet")}
        second = ingest(root / "raw", local(root / "lake"), ctx=ctx, run_id="two")
        assert second.files_read == 0
        assert {p: p.read_bytes() for p in (root / "lake").rglob("*.parquet")} == snapshot
        log_rows = lake.read_ingest_log(local(root / "lake")).to_pylist()
        for row in log_rows:
            assert row["rows_read"] == (
                row["rows_landed"] + row["rows_quarantined"] + row["rows_duplicate"] + row["rows_superseded"]
            )
        assert first.counts.read == sum(len(lines) for lines in files)
        assert first.counts.quarantined == lake.read_quarantine(local(root / "lake")).num_rows
        assert first.counts.landed == len(content(root))
